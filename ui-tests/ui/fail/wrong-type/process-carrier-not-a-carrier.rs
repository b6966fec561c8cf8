#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders", carrier = payload)]
fn handle(payload: &str) {
    let _ = payload;
}

fn main() {
    handle("{}");
}
