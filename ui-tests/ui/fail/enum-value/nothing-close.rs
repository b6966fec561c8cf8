#[semtrace::traced_task(task.state = "xyzzy")]
fn run() {}

fn main() {
    run();
}
