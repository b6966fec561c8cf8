//! The future wrapper and panic guard used by generated code.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use tracing::Span;

pin_project_lite::pin_project! {
    /// A future that runs inside `span` and, when it completes, hands its output to
    /// `on_exit` (generated code that records error status and HTTP codes).
    pub struct Traced<F, C> {
        #[pin]
        inner: F,
        span: Span,
        on_exit: Option<C>,
    }
}

impl<F, C> Traced<F, C>
where
    F: Future,
    C: FnOnce(&Span, &F::Output),
{
    /// Wraps `inner`.
    #[inline]
    pub fn new(inner: F, span: Span, on_exit: C) -> Self {
        Self {
            inner,
            span,
            on_exit: Some(on_exit),
        }
    }
}

impl<F, C> Future for Traced<F, C>
where
    F: Future,
    C: FnOnce(&Span, &F::Output),
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let _panic = PanicGuard::new(this.span);
        let out = match this.inner.poll(cx) {
            Poll::Ready(out) => out,
            Poll::Pending => return Poll::Pending,
        };
        if let Some(on_exit) = this.on_exit.take() {
            on_exit(this.span, &out);
        }
        Poll::Ready(out)
    }
}

/// Marks its span as failed when dropped during a panic's unwinding.
pub(super) struct PanicGuard<'a> {
    span: &'a Span,
}

impl<'a> PanicGuard<'a> {
    /// Guards `span`.
    #[inline]
    pub(super) fn new(span: &'a Span) -> Self {
        Self { span }
    }
}

impl Drop for PanicGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // A disabled span has nothing to mark: skip the thread-local read.
        if !self.span.is_disabled() && std::thread::panicking() {
            super::outcome::record_error(self.span, &"panicked", "panic");
        }
    }
}

/// `f` itself, typed as an `FnOnce` where it is written: a closure bound to a
/// variable takes its kind from its body, and a body that returns what it
/// borrowed mutably (`fn f(&mut self) -> &mut Self { self }`) only compiles as
/// `FnOnce`.
#[inline]
pub fn once<R, F: FnOnce() -> R>(f: F) -> F {
    f
}

/// Calls `f` once. Passing the body through an `FnOnce` bound lets it move out of
/// its captures (`fn f(&mut self) -> &mut Self { self }`), as the function could.
#[inline]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs the body `f` of a synchronous function inside `span`, marks the span failed
/// if `f` panics, and hands the result to `on_exit` (also for a disabled span).
///
/// Recording after the call happens here rather than in the generated body: when the
/// body diverges (`-> !`, an `impl Trait` body ending in `loop {}`), the code after
/// the call would be an "unreachable statement" in the user's crate.
#[inline]
pub fn run<R>(span: &Span, f: impl FnOnce() -> R, on_exit: impl FnOnce(&Span, &R)) -> R {
    let out = {
        let _entered = span.enter();
        let _panic = PanicGuard::new(span);
        f()
    };
    // Always called: a call's metric is recorded whatever the span's level; the
    // span's own recording checks that the span is enabled.
    on_exit(span, &out);
    out
}

/// `!` under a name stable Rust accepts where `!` itself is still unstable (a
/// closure's parameter, a generic argument): the output of `fn() -> !`.
pub type Never = <fn() -> ! as FnOutput>::Output;

/// The output type of a function pointer, to name [`Never`].
pub trait FnOutput {
    /// What the function returns.
    type Output;
}

impl<T> FnOutput for fn() -> T {
    type Output = T;
}

/// A value of the declared return type, for an async body's first `return` in a
/// branch never taken: it fixes the async block's output to that type, so the body
/// coerces to it as the function's own body would.
///
/// # Panics
///
/// Always; generated code never calls it.
#[inline]
pub fn declared_output<T>() -> T {
    unreachable!("semtrace: `declared_output` is never called")
}
