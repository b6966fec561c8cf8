#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = priority, worker.id = "w-1")]
fn compute(id: u64, priority: i64) -> Result<u64, String> {
    semtrace::record!(task.state = "running", task.attempt = 1);
    if id == 0 {
        semtrace::record!(task.state = "failed");
        return Err("zero".to_owned());
    }
    semtrace::record!(task.state = "completed", worker.capacity = 4_u32);
    Ok(id + u64::try_from(priority).unwrap_or_default())
}

#[semtrace::traced_task(name = "queued", level = "debug", task.state = "pending", task.attempt)]
async fn queued(attempt: i64) {
    semtrace::record!(task.attempt = attempt);
}

#[semtrace::traced_task]
fn bare() {}

fn main() {
    assert!(compute(0, 1).is_err());
    assert_eq!(compute(1, 2), Ok(3));
    drop(queued(1));
    bare();
}
