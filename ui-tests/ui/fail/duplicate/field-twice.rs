#[semtrace::traced(server.port = 80, server.address = "localhost", server.port = 443)]
fn connect() {}

fn main() {
    connect();
}
