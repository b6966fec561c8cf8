#[semtrace::traced_messaging(system = "kafka", operation = "receive", destination = "orders", carrier = offsets)]
fn poll(offsets: &[i64]) -> usize {
    offsets.len()
}

fn main() {
    poll(&[1, 2]);
}
