#[semtrace::traced_task(task.priority = priority)]
fn schedule(priority: String) {
    let _ = priority;
}

fn main() {
    schedule(String::from("high"));
}
