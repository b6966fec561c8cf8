// Functions that return a future without being `async fn`: the future is instrumented,
// not only its construction.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[semtrace::traced(server.port = port)]
fn impl_future(port: u16) -> impl Future<Output = u16> {
    async move { port }
}

#[semtrace::traced]
fn impl_future_result(ok: bool) -> impl Future<Output = Result<u8, String>> + Send {
    async move { if ok { Ok(1) } else { Err("no".to_owned()) } }
}

#[semtrace::traced_task(task.id = %id)]
fn boxed(id: u64) -> Pin<Box<dyn Future<Output = Result<u64, String>> + Send>> {
    Box::pin(async move {
        if id == 0 {
            return Err("zero".to_owned());
        }
        let parsed: u64 = "1".parse().map_err(|_| "parse".to_owned())?;
        Ok(id + parsed)
    })
}

#[semtrace::traced]
fn boxed_with_statements(id: u64) -> Pin<Box<dyn Future<Output = u64> + Send + 'static>> {
    let doubled = id * 2;
    Box::pin(async move { doubled })
}

#[semtrace::traced]
fn boxed_not_async_block() -> Pin<Box<dyn Future<Output = u8>>> {
    Box::pin(std::future::ready(3))
}

struct Service;

// `#[async_trait]`-style: the trait method returns a boxed future.
trait Handler {
    fn handle(&self, id: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>>;
}

impl Handler for Service {
    #[semtrace::traced_task(task.type = "handle")]
    fn handle(&self, id: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(async move { id + 1 })
    }
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
    assert_eq!(block_on(impl_future(3)), 3);
    assert_eq!(block_on(impl_future_result(true)), Ok(1));
    assert!(block_on(boxed(0)).is_err());
    assert_eq!(block_on(boxed(1)), Ok(2));
    assert_eq!(block_on(boxed_with_statements(2)), 4);
    assert_eq!(block_on(boxed_not_async_block()), 3);
    assert_eq!(block_on(Service.handle(1)), 2);
}
