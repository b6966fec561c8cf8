#[semtrace::traced(server.address = "localhost", server.prot = 8080, url.full = "http://localhost")]
fn fetch() {}

fn main() {
    fetch();
}
