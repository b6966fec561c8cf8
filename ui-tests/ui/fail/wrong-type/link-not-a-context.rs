#[semtrace::traced_task(task.type = "batch", links = ids)]
fn flush(ids: Vec<u64>) {}

fn main() {
    flush(vec![1, 2]);
}
