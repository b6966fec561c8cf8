#[semtrace::traced(frobnicate)]
fn work() {}

fn main() {
    work();
}
