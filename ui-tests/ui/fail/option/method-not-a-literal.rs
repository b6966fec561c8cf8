#[semtrace::traced_http(method = method, route = "/")]
fn index(method: &str) {
    let _ = method;
}

fn main() {
    index("GET");
}
