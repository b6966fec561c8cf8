#[semtrace::traced(name = "work" level = "debug")]
fn work() {}

fn main() {
    work();
}
