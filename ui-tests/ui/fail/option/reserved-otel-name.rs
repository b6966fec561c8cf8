#[semtrace::traced(otel.name = "custom")]
fn work() {}

fn main() {
    work();
}
