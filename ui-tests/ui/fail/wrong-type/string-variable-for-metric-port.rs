// `server.port` is also a per-call attribute of the call's metric: still one error.
#[semtrace::traced_db(system = "postgresql", operation = "SELECT", server.port = port)]
fn query(port: String) -> u64 {
    port.len() as u64
}

fn main() {
    query("5432".to_owned());
}
