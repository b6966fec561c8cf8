#[semtrace::traced(error.type = "timeout")]
fn work() {}

fn main() {
    work();
}
