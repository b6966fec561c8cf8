// The shapes of tracing-attributes' `tests/err.rs` and `tests/ret.rs`: what a
// function returns, under `#[traced]` (which records errors without an option).
use std::future::Future;
use std::num::TryFromIntError;
use std::task::{Context, Poll, Waker};

#[semtrace::traced]
fn too_big() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)
}

#[semtrace::traced]
#[allow(clippy::suspicious_else_formatting)]
fn empty_block_first() -> Result<u8, TryFromIntError> {
    {}
    u8::try_from(1234)
}

#[semtrace::traced]
fn question_mark() -> Result<u8, TryFromIntError> {
    u8::try_from(1234)?;
    Ok(5)
}

#[semtrace::traced]
async fn too_big_later(n: usize) -> Result<u8, TryFromIntError> {
    for _ in 0..n {
        std::future::ready(()).await;
    }
    u8::try_from(1234)
}

#[semtrace::traced]
fn writes_through(out: &mut u8) -> Result<(), TryFromIntError> {
    *out = u8::try_from(1234)?;
    Ok(())
}

#[semtrace::traced]
async fn writes_through_later(n: usize, out: &mut u8) -> Result<(), TryFromIntError> {
    for _ in 0..n {
        std::future::ready(()).await;
    }
    *out = u8::try_from(1234)?;
    Ok(())
}

#[semtrace::traced]
fn range_or_message(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..x)
}

#[semtrace::traced(level = "warn")]
fn answer() -> i32 {
    42
}

#[semtrace::traced]
fn doubles(a: &mut i32) -> i32 {
    *a *= 2;
    *a
}

#[semtrace::traced]
async fn answer_later() -> i32 {
    42
}

#[semtrace::traced]
fn opaque_copy() -> impl Copy {
    42
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
    assert!(too_big().is_err());
    assert!(empty_block_first().is_err());
    assert!(question_mark().is_err());
    assert!(block_on(too_big_later(2)).is_err());
    let mut out = 0;
    assert!(writes_through(&mut out).is_err());
    assert!(block_on(writes_through_later(1, &mut out)).is_err());
    assert_eq!(range_or_message(2).map(Iterator::count), Ok(2));
    assert_eq!(answer(), 42);
    let mut a = 2;
    assert_eq!(doubles(&mut a), 4);
    assert_eq!(block_on(answer_later()), 42);
    let _ = opaque_copy();
}
