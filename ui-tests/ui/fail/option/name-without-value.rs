#[semtrace::traced(name)]
fn work() {}

fn main() {
    work();
}
