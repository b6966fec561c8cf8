#[semtrace::traced(url.full = true)]
fn fetch() {}

fn main() {
    fetch();
}
