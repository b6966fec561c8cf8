#[semtrace::traced_task(task.id = id)]
fn run(id: u64) {
    let _ = id;
}

fn main() {
    run(7);
}
