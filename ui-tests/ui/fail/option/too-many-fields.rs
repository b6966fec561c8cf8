// 30 fields plus the 3 semtrace records from the outcome: over tracing's 32.
#[semtrace::traced(
    code.column.number = 1,
    code.file.path = "a.rs",
    code.function.name = "f",
    code.line.number = 1,
    code.stacktrace = "",
    db.collection.name = "users",
    db.namespace = "shop",
    db.operation.name = "SELECT",
    db.query.summary = "SELECT users",
    db.query.text = "SELECT 1",
    db.stored_procedure.name = "p",
    exception.message = "m",
    exception.stacktrace = "s",
    exception.type = "t",
    http.route = "/",
    http.request.resend_count = 1,
    server.address = "localhost",
    server.port = 80,
    url.full = "http://localhost/",
    url.fragment = "top",
    url.domain = "localhost",
    url.extension = "html",
    client.address = "127.0.0.1",
    client.port = 5000,
    network.peer.port = 80,
    network.local.port = 5000,
    user_agent.original = "curl",
    user.name = "ann",
    url.path = "/",
    url.query = "a=b",
)]
fn crowded() {}

fn main() {
    crowded();
}
