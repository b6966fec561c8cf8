#[semtrace::traced(=> !!)]
fn work() {}

fn main() {
    work();
}
