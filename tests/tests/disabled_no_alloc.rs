//! A span whose level is disabled costs no heap allocation and evaluates no field.
//! Its own test binary: it installs a counting global allocator.
#![allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use semtrace_tests::capture::Capture;
use tracing::level_filters::LevelFilter;

struct Counting;

thread_local! {
    // `const` and without destructors, so touching them never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; only counts on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made on this thread while `f` runs.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get), out)
}

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

#[semtrace::traced_task(level = "debug", task.id = %id, task.type = "compute", task.priority = priority)]
fn work(id: u64, priority: i64) -> Result<u64, Failure> {
    if id == 0 { Err(Failure) } else { Ok(id) }
}

#[semtrace::traced_db(level = "debug", system = "postgresql", operation = "SELECT", collection = table, query = sql)]
async fn query(table: &str, sql: &str) -> Result<usize, Failure> {
    Ok(table.len() + sql.len())
}

#[semtrace::traced_http(level = "debug", method = "GET", route = "/api/tasks/{id}")]
fn handler(code: u16) -> u16 {
    code
}

fn poll_once<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the test future does not wait"),
    }
}

#[test]
fn disabled_spans_allocate_nothing() {
    let cap = Capture::with_max_level(LevelFilter::INFO);
    // Warm up: tracing registers each callsite's interest on first use.
    let _ = work(1, 1);
    let _ = work(0, 1);
    let _ = poll_once(query("users", "SELECT 1"));
    let _ = handler(500);

    let (n, out) = allocations(|| {
        (
            work(7, 2),
            work(0, 2).is_err(),
            poll_once(query("users", "SELECT * FROM users WHERE id = 42")),
            handler(503),
        )
    });
    assert_eq!(n, 0, "disabled spans allocated {n} times");
    assert_eq!(out.0.unwrap(), 7);
    assert!(out.1);
    assert_eq!(out.3, 503);
    assert!(cap.spans().is_empty());

    // The counter does count: the same calls with the span enabled allocate.
    let cap = Capture::with_max_level(LevelFilter::DEBUG);
    let _ = work(1, 1);
    let (n, _) = allocations(|| work(0, 2));
    assert!(n > 0, "an enabled, failing span should allocate");
    assert_eq!(cap.spans().len(), 2);
}
