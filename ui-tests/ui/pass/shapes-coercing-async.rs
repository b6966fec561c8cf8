// Async bodies that rely on coercion to the declared return type, as sync bodies
// may: the async block's output is the declared type. Every macro, sync and async.
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::task::{Context, Poll, Waker};

static DATA: [u8; 3] = [1, 2, 3];

struct User {
    name: String,
}

impl User {
    #[semtrace::traced]
    async fn name(&self) -> &str {
        &self.name
    }

    #[semtrace::traced]
    fn name_sync(&self) -> &str {
        &self.name
    }

    #[semtrace::traced]
    async fn early(&self, short: bool) -> &str {
        if short {
            return &self.name[..1];
        }
        &self.name
    }
}

#[semtrace::traced]
async fn boxed_error() -> Box<dyn Error + Send + Sync> {
    Box::new(fmt::Error)
}

#[semtrace::traced]
async fn result_boxed_error(fail: bool) -> Result<u8, Box<dyn Error + Send + Sync>> {
    if fail {
        return Err(Box::new(fmt::Error));
    }
    Ok(1)
}

#[semtrace::traced]
async fn data() -> &'static [u8] {
    &DATA
}

#[semtrace::traced]
fn data_sync() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
async fn db_data() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
fn db_data_sync() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_http(client, method = "GET", url = "https://example.com/")]
async fn http_error() -> Result<u16, Box<dyn Error + Send + Sync>> {
    Err(Box::new(fmt::Error))
}

#[semtrace::traced_http(method = "GET", route = "/")]
fn http_error_sync() -> Result<u16, Box<dyn Error + Send + Sync>> {
    Err(Box::new(fmt::Error))
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders")]
async fn messaging_data() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders")]
fn messaging_data_sync() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_rpc(system = "grpc", method = "a.B/C")]
async fn rpc_error() -> Box<dyn Error + Send + Sync> {
    Box::new(fmt::Error)
}

#[semtrace::traced_rpc(client, system = "grpc", method = "a.B/C")]
fn rpc_error_sync() -> Box<dyn Error + Send + Sync> {
    Box::new(fmt::Error)
}

#[semtrace::traced_task]
async fn task_data() -> &'static [u8] {
    &DATA
}

#[semtrace::traced_task]
fn task_data_sync() -> &'static [u8] {
    &DATA
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn main() {
    let user = User {
        name: "ann".to_owned(),
    };
    assert_eq!(block_on(user.name()), "ann");
    assert_eq!(user.name_sync(), "ann");
    assert_eq!(block_on(user.early(true)), "a");
    assert_eq!(block_on(boxed_error()).to_string(), fmt::Error.to_string());
    assert!(block_on(result_boxed_error(true)).is_err());
    assert_eq!(block_on(data()), &DATA);
    assert_eq!(data_sync(), &DATA);
    assert_eq!(block_on(db_data()), &DATA);
    assert_eq!(db_data_sync(), &DATA);
    assert!(block_on(http_error()).is_err());
    assert!(http_error_sync().is_err());
    assert_eq!(block_on(messaging_data()), &DATA);
    assert_eq!(messaging_data_sync(), &DATA);
    drop(block_on(rpc_error()));
    drop(rpc_error_sync());
    assert_eq!(block_on(task_data()), &DATA);
    assert_eq!(task_data_sync(), &DATA);
}
