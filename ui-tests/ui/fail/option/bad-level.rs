#[semtrace::traced(level = "verbose")]
fn work() {}

fn main() {
    work();
}
