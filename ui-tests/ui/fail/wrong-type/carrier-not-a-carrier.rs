#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders", carrier = key)]
fn send(key: &mut u64) {
    let _ = key;
}

fn main() {
    send(&mut 7);
}
