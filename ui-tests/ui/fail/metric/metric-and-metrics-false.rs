#[semtrace::traced(metric = "task.duration", metrics = false)]
fn run() {}

fn main() {
    run();
}
