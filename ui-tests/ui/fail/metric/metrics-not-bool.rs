#[semtrace::traced_task(metrics = "no")]
fn run() {}

fn main() {
    run();
}
