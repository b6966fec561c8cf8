#[semtrace::traced_http(method = "GET", route = "/", http.request.method = "POST")]
fn index() {}

fn main() {
    index();
}
