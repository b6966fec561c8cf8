#[semtrace::traced_http(client, method = "GET", url = "http://localhost/", parent = headers)]
fn fetch(headers: &[(String, String)]) {
    let _ = headers;
}

fn main() {
    fetch(&[]);
}
