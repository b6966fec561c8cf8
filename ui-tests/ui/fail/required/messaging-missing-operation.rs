#[semtrace::traced_messaging(system = "kafka", destination = "orders")]
fn send() {}

fn main() {
    send();
}
