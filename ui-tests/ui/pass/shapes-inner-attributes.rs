// Inner attributes in the body open the generated body, where they still cover the
// user's code: every macro, sync and async.
#![deny(unused_variables)]

#[semtrace::traced]
fn traced_sync() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced]
async fn traced_async() -> u32 {
    #![allow(unused_variables)]
    //! An inner doc comment is an inner attribute too.
    let i = 42;
    7
}

struct Service;

impl Service {
    #[semtrace::traced]
    fn method(&self) -> Result<u8, String> {
        #![allow(unused_variables, clippy::unnecessary_wraps)]
        let i = 42;
        Ok(1)
    }
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
fn db() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
async fn db_async() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_http(method = "GET", route = "/")]
fn http() -> u16 {
    #![allow(unused_variables)]
    let i = 42;
    200
}

#[semtrace::traced_http(client, method = "GET", url = "https://example.com/")]
async fn http_async() -> u16 {
    #![allow(unused_variables)]
    let i = 42;
    200
}

#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders")]
fn messaging() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders")]
async fn messaging_async() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_rpc(system = "grpc", method = "a.B/C")]
fn rpc() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_rpc(client, system = "grpc", method = "a.B/C")]
async fn rpc_async() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_task]
fn task() {
    #![allow(unused_variables)]
    let i = 42;
}

#[semtrace::traced_task]
async fn task_async() {
    #![allow(unused_variables)]
    let i = 42;
}

fn main() {
    traced_sync();
    drop(traced_async());
    assert_eq!(Service.method(), Ok(1));
    db();
    drop(db_async());
    assert_eq!(http(), 200);
    drop(http_async());
    messaging();
    drop(messaging_async());
    rpc();
    drop(rpc_async());
    task();
    drop(task_async());
}
