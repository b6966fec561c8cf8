#[semtrace::traced_messaging(system = "kafka", operation = "sned", destination = "orders")]
fn send() {}

fn main() {
    send();
}
