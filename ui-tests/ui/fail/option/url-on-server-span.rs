#[semtrace::traced_http(method = "GET", url = "http://localhost/")]
fn index() {}

fn main() {
    index();
}
