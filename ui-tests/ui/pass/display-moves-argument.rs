// Regression: the value is borrowed for the span, so the body can still use it.
#[semtrace::traced_http(client, method = "GET", url = %url)]
fn fetch(url: String) -> usize {
    url.len()
}

fn main() {
    let _ = fetch(String::from("http://localhost/"));
}
