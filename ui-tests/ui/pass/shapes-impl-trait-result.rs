// `Result<impl Trait, E>` under every macro, sync and async, with error types that
// do not implement `semtrace::ErrorType` (`String`, `()`, `&'static str`) and one
// that does: the error type is known where the outcome is recorded.
use std::future::Future;
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct Coded;

impl std::fmt::Display for Coded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("coded")
    }
}

impl semtrace::ErrorType for Coded {
    fn error_type(&self) -> &str {
        "coded"
    }
}

#[semtrace::traced]
fn string_err(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    if x == 0 {
        return Err("zero".to_owned());
    }
    Ok(0..x)
}

#[semtrace::traced]
async fn unit_err(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    if n < 0 {
        return Err(());
    }
    Ok(0..n)
}

#[semtrace::traced]
async fn str_err(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    if n < 0 {
        return Err("negative");
    }
    Ok(0..n)
}

#[semtrace::traced]
fn str_err_sync(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    if n < 0 { Err("negative") } else { Ok(0..n) }
}

#[semtrace::traced]
fn coded_err(n: i32) -> Result<impl std::fmt::Debug, Coded> {
    if n < 0 { Err(Coded) } else { Ok(n) }
}

#[semtrace::traced]
async fn coded_err_async(n: i32) -> Result<impl std::fmt::Debug, Coded> {
    if n < 0 { Err(Coded) } else { Ok(n) }
}

#[semtrace::traced]
fn nested(n: usize) -> Result<(Vec<u8>, impl Iterator<Item = usize>), String> {
    let v = vec![0; n];
    Ok((v, 0..n))
}

#[semtrace::traced]
fn option_impl(n: usize) -> Option<impl Iterator<Item = usize>> {
    (n > 0).then(|| 0..n)
}

#[semtrace::traced]
fn later(n: i32) -> impl Future<Output = Result<impl Iterator<Item = i32>, String>> {
    async move { if n < 0 { Err("negative".to_owned()) } else { Ok(0..n) } }
}

struct Store {
    items: Vec<u32>,
}

impl Store {
    #[semtrace::traced]
    fn iter(&self) -> Result<impl Iterator<Item = &u32> + '_, String> {
        Ok(self.items.iter())
    }

    #[semtrace::traced]
    async fn iter_async(&self) -> Result<impl Iterator<Item = &u32> + '_, ()> {
        Ok(self.items.iter())
    }
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "users")]
fn db_rows(n: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..n)
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "users")]
async fn db_rows_async(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok(0..n)
}

#[semtrace::traced_http(method = "GET", route = "/items")]
fn http_items(n: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..n)
}

#[semtrace::traced_http(client, method = "GET", url = "https://example.com/items")]
async fn http_items_async(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    Ok(0..n)
}

#[semtrace::traced_messaging(system = "kafka", operation = "receive", destination = "orders")]
fn messages(n: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..n)
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders")]
async fn messages_async(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok(0..n)
}

#[semtrace::traced_rpc(system = "grpc", method = "items.Items/List")]
fn rpc_items(n: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..n)
}

#[semtrace::traced_rpc(client, system = "grpc", method = "items.Items/List")]
async fn rpc_items_async(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    Ok(0..n)
}

#[semtrace::traced_task(task.type = "scan")]
fn task_items(n: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..n)
}

#[semtrace::traced_task(task.type = "scan")]
async fn task_items_async(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok(0..n)
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
    assert_eq!(string_err(3).map(Iterator::count), Ok(3));
    assert!(string_err(0).is_err());
    assert!(block_on(unit_err(-1)).is_err());
    assert_eq!(block_on(str_err(2)).map(Iterator::count), Ok(2));
    assert!(str_err_sync(-1).is_err());
    assert!(coded_err(-1).is_err());
    assert!(block_on(coded_err_async(1)).is_ok());
    assert_eq!(nested(2).map(|(v, i)| v.len() + i.count()), Ok(4));
    assert_eq!(option_impl(2).map(Iterator::count), Some(2));
    assert!(block_on(later(-1)).is_err());
    let store = Store { items: vec![1, 2] };
    assert_eq!(store.iter().map(Iterator::count), Ok(2));
    assert_eq!(block_on(store.iter_async()).map(Iterator::count), Ok(2));
    assert_eq!(db_rows(1).map(Iterator::count), Ok(1));
    assert_eq!(block_on(db_rows_async(1)).map(Iterator::count), Ok(1));
    assert_eq!(http_items(1).map(Iterator::count), Ok(1));
    assert_eq!(block_on(http_items_async(1)).map(Iterator::count), Ok(1));
    assert_eq!(messages(1).map(Iterator::count), Ok(1));
    assert_eq!(block_on(messages_async(1)).map(Iterator::count), Ok(1));
    assert_eq!(rpc_items(1).map(Iterator::count), Ok(1));
    assert_eq!(block_on(rpc_items_async(1)).map(Iterator::count), Ok(1));
    assert_eq!(task_items(1).map(Iterator::count), Ok(1));
    assert_eq!(block_on(task_items_async(1)).map(Iterator::count), Ok(1));
}
