// The async shapes of tracing-attributes' `tests/async_fn.rs`, under `#[traced]`.
#![deny(unused_braces)]

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

async fn ready_after(n: usize) -> Result<(), ()> {
    for _ in 0..n {
        std::future::ready(()).await;
    }
    Ok(())
}

#[semtrace::traced]
async fn awaits_another(n: usize) -> Result<(), ()> {
    let pending = ready_after(n);
    pending.await
}

#[semtrace::traced]
async fn filters_below(limit: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok((0..10).filter(move |x| *x < limit))
}

#[semtrace::traced]
async fn filters_below_or_says_why(limit: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    Ok((0..10).filter(move |x| *x < limit))
}

#[semtrace::traced]
async fn nothing() {}

/// # Safety
///
/// Nothing to uphold; the shape is what is tested.
#[semtrace::traced]
async unsafe fn nothing_unsafe() {}

#[deny(unused_variables)]
#[allow(clippy::mixed_attributes_style)]
#[semtrace::traced]
async fn inner_attribute() {
    #![allow(unused_variables)]
    let unused = 7;
}

#[semtrace::traced]
#[rustfmt::skip]
#[deny(clippy::suspicious_else_formatting)]
async fn else_on_one_line(flag: bool) {
    println!(
        "{}",
        if flag { "yes" } else { "no" }
    );
}

#[semtrace::traced]
#[deny(clippy::suspicious_else_formatting)]
async fn only_comments() {
    // a comment
    // else
}

#[semtrace::traced]
fn boxed_unit() -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {})
}

#[semtrace::traced]
#[allow(clippy::manual_async_fn)]
fn impl_future_result() -> impl Future<Output = Result<(), Infallible>> {
    async { Ok(()) }
}

#[semtrace::traced]
async fn outer() {
    inner().await;
}

#[semtrace::traced]
async fn inner() {}

// `#[async_trait]`'s output, written by hand: a boxed future from a trait method.
trait Visit {
    fn visit(&mut self, v: usize) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    fn peek(&self) -> Pin<Box<dyn Future<Output = usize> + Send + '_>>;
}

#[derive(Clone)]
struct Visitor(usize);

impl Visitor {
    #[semtrace::traced(code.function.name = std::any::type_name::<Self>())]
    fn ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let copy = self.clone();
        Box::pin(async move {
            let _ = copy;
        })
    }
}

impl Visit for Visitor {
    #[semtrace::traced]
    fn visit(&mut self, v: usize) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            self.ready().await;
            self.0 = v;
        })
    }

    #[semtrace::traced(task.id = %self.0)]
    fn peek(&self) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
        Box::pin(async move { self.0 })
    }
}

struct Handler {
    shared: Arc<()>,
}

impl Handler {
    #[semtrace::traced]
    fn call(&mut self, _req: ()) -> Pin<Box<dyn Future<Output = Arc<()>> + Send + Sync>> {
        let shared = self.shared.clone();
        Box::pin(async move { shared })
    }
}

#[semtrace::traced]
#[allow(clippy::manual_async_fn)]
fn manual_impl_future() -> impl Future<Output = ()> {
    async {}
}

#[semtrace::traced]
fn manual_box_pin() -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async {})
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
    assert_eq!(block_on(awaits_another(2)), Ok(()));
    assert_eq!(block_on(filters_below(3)).map(Iterator::count), Ok(3));
    assert_eq!(block_on(filters_below_or_says_why(1)).map(Iterator::count), Ok(1));
    block_on(nothing());
    // SAFETY: nothing to uphold.
    block_on(unsafe { nothing_unsafe() });
    block_on(inner_attribute());
    block_on(else_on_one_line(true));
    block_on(only_comments());
    block_on(boxed_unit());
    assert_eq!(block_on(impl_future_result()), Ok(()));
    block_on(outer());
    let mut visitor = Visitor(0);
    block_on(visitor.visit(4));
    assert_eq!(block_on(visitor.peek()), 4);
    let mut handler = Handler { shared: Arc::new(()) };
    drop(block_on(handler.call(())));
    block_on(manual_impl_future());
    block_on(manual_box_pin());
}
