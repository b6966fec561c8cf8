// Lints see an instrumented function as they see a plain one: an unused one is dead
// code, so an `#[expect(dead_code)]` on it is fulfilled.
#![deny(unfulfilled_lint_expectations)]

#[expect(dead_code)]
#[semtrace::traced]
fn unused() {}

#[expect(dead_code)]
#[semtrace::traced]
async fn unused_async() -> Result<u8, String> {
    Ok(1)
}

#[expect(dead_code)]
#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
fn unused_db() {}

#[expect(dead_code)]
#[semtrace::traced_http(method = "GET", route = "/")]
async fn unused_http() -> u16 {
    200
}

#[expect(dead_code)]
#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders")]
fn unused_messaging() {}

#[expect(dead_code)]
#[semtrace::traced_rpc(system = "grpc", method = "a.B/C")]
fn unused_rpc() {}

#[expect(dead_code)]
#[semtrace::traced_task]
async fn unused_task() {}

struct Service;

impl Service {
    #[expect(dead_code)]
    #[semtrace::traced]
    fn unused_method(&self) {}
}

fn main() {
    let _ = Service;
}
