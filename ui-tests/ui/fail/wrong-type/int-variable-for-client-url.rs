// The URL is read for `server.address` / `server.port` too: still one error.
#[semtrace::traced_http(client, method = "GET", url = port)]
fn fetch(port: u16) -> u16 {
    port
}

fn main() {
    fetch(8080);
}
