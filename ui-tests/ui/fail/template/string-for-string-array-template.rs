#[semtrace::traced(http.request.header.accept = "text/html")]
fn index() {}

fn main() {
    index();
}
