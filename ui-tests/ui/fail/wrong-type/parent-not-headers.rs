#[semtrace::traced_http(method = "GET", route = "/", parent = traceparent)]
fn index(traceparent: &str) {
    let _ = traceparent;
}

fn main() {
    index("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}
