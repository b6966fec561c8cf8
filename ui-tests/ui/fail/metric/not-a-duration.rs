#[semtrace::traced(metric = "http.server.request.body.size")]
fn handle() {}

fn main() {
    handle();
}
