#[semtrace::traced(kind = client)]
fn call() {}

fn main() {
    call();
}
