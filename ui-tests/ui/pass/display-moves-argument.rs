// KNOWN BUG — this should compile. `%value` (and `?value`) move the value into the
// span, so the body can no longer use a non-`Copy` argument; `tracing`'s own `%`/`?`
// borrow. Move this file to ui/pass/ once fixed.
#[semtrace::traced_http(client, method = "GET", url = %url)]
fn fetch(url: String) -> usize {
    url.len()
}

fn main() {
    let _ = fetch(String::from("http://localhost/"));
}
