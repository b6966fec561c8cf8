#[semtrace::traced_task(task.idd = %id)]
fn run(id: u64) {
    let _ = id;
}

fn main() {
    run(1);
}
