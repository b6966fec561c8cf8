#[semtrace::traced(metric = "http.server.active_requests")]
fn handle() {}

fn main() {
    handle();
}
