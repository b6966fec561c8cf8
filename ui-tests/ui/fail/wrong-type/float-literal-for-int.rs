#[semtrace::traced(server.port = 80.5)]
fn connect() {}

fn main() {
    connect();
}
