#[semtrace::traced_task(kind = "client", task.type = "compute")]
fn run() {}

fn main() {
    run();
}
