// The URL is read for `server.address` / `server.port` too: still one error.
struct Endpoint;

#[semtrace::traced_http(client, method = "GET", url = %endpoint)]
fn fetch(endpoint: Endpoint) -> u16 {
    drop(endpoint);
    200
}

fn main() {
    fetch(Endpoint);
}
