#[semtrace::traced(otel.status_code = "OK")]
fn work() {}

fn main() {
    work();
}
