#[semtrace::traced(metric = "http.server.request.durations")]
fn handle() {}

fn main() {
    handle();
}
