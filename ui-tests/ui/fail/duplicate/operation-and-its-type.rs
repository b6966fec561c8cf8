#[semtrace::traced_messaging(system = "kafka", messaging.operation.type = "send", operation = "publish", destination = "orders")]
fn publish() {}

fn main() {
    publish();
}
