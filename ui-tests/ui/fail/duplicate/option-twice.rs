#[semtrace::traced(name = "first", level = "debug", name = "second")]
fn work() {}

fn main() {
    work();
}
