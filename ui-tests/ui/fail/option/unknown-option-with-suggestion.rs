#[semtrace::traced(nmae = "work")]
fn work() {}

fn main() {
    work();
}
