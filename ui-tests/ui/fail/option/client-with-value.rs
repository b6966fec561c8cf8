#[semtrace::traced_http(client = 1, method = "GET", url = "http://localhost/")]
fn fetch() {}

fn main() {
    fetch();
}
