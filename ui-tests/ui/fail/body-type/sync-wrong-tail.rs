#[semtrace::traced_http(method = "GET", route = "/")]
fn status() -> u16 {
    "ok"
}

fn main() {
    status();
}
