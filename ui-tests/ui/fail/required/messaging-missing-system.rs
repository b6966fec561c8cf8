#[semtrace::traced_messaging(operation = "send", destination = "orders")]
fn send() {}

fn main() {
    send();
}
