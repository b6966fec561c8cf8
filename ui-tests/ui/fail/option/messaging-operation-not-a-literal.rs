#[semtrace::traced_messaging(system = "kafka", operation = op, destination = "orders")]
fn send(op: &str) {
    let _ = op;
}

fn main() {
    send("send");
}
