// Every way a value can be given.
#[derive(Debug)]
struct Addr;

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("addr")
    }
}

#[semtrace::traced(
    server.port = 8080,
    client.port = -1,
    app.jank.threshold = 1.5,
    app.jank.period = -(0.5),
    aspnetcore.user.is_authenticated = true,
    url.full = "http://localhost",
    server.address = %addr,
    client.address = ?peer,
    network.peer.port = maybe_port,
    network.local.port = *port_ref,
    http.request.resend_count = count,
    feature_flag.result.value = 3,
    cpython.gc.generation = 1,
    http.request.method = method,
    http.request.header.accept = headers,
    db.query.parameter.id = "42",
    url.path,
    user_agent.original = agent.as_str(),
    user.name = String::from("ann"),
)]
fn values(addr: Addr, peer: Addr, maybe_port: Option<u16>, port_ref: &u16, count: std::num::NonZeroU32, method: &str, headers: &[&str], agent: String) {
    semtrace::record!(url.path = "/", url.query = %"a=b");
}

fn main() {
    values(Addr, Addr, Some(1), &2, std::num::NonZeroU32::MIN, "GET", &["text/html"], String::new());
}
