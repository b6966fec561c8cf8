#[semtrace::traced(server.port = "8080")]
fn connect() {}

fn main() {
    connect();
}
