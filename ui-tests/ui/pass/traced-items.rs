// `#[traced]` on every kind of item it supports.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[semtrace::traced]
fn plain() {}

#[semtrace::traced(name = "renamed", kind = "client", level = "debug", server.address = "localhost", server.port = 8080)]
fn with_options(port: u16) -> u16 {
    port
}

#[semtrace::traced(server.port = port)]
async fn async_fn(port: u16) -> u16 {
    port
}

#[semtrace::traced(url.full = %url)]
fn question_mark(url: &str) -> Result<u16, std::num::ParseIntError> {
    let port: u16 = url.parse()?;
    Ok(port)
}

#[semtrace::traced(server.port = port)]
fn early_return(port: u16) -> Result<u16, String> {
    if port == 0 {
        return Err("port 0".to_owned());
    }
    Ok(port)
}

#[semtrace::traced(server.port = port)]
async fn async_early_return(port: u16) -> Result<u16, String> {
    if port == 0 {
        return Err("port 0".to_owned());
    }
    let parsed: u16 = "1".parse().map_err(|_| "parse".to_owned())?;
    Ok(port + parsed)
}

#[semtrace::traced(server.port = port)]
fn generic<T: std::fmt::Debug + Clone>(value: T, port: u16) -> T {
    let _ = port;
    value.clone()
}

#[semtrace::traced]
async fn async_generic<T: Send>(value: T) -> T {
    value
}

#[semtrace::traced(level = "trace")]
fn with_lifetime<'a>(s: &'a str) -> &'a str {
    s
}

struct Counter {
    n: u64,
}

impl Counter {
    #[semtrace::traced(name = "counter.take")]
    fn take(self) -> u64 {
        self.n
    }

    #[semtrace::traced(server.port = self.n)]
    fn get(&self) -> u64 {
        self.n
    }

    #[semtrace::traced]
    fn bump(&mut self) {
        self.n += 1;
    }

    #[semtrace::traced]
    async fn async_get(&self) -> u64 {
        self.n
    }

    #[semtrace::traced]
    async fn async_bump(&mut self) -> u64 {
        self.n += 1;
        self.n
    }

    #[semtrace::traced]
    fn new() -> Self {
        Self { n: 0 }
    }
}

trait Store {
    fn load(&self, id: u64) -> Option<u64>;
    fn save(&mut self, id: u64);
    fn with_default(&self) -> u64 {
        1
    }
}

impl Store for Counter {
    #[semtrace::traced(name = "store.load")]
    fn load(&self, id: u64) -> Option<u64> {
        (id == self.n).then_some(id)
    }

    #[semtrace::traced]
    fn save(&mut self, id: u64) {
        self.n = id;
    }

    #[semtrace::traced]
    fn with_default(&self) -> u64 {
        2
    }
}

trait Defaulted {
    #[semtrace::traced]
    fn provided(&self) -> u64 {
        3
    }
}

impl Defaulted for Counter {}

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
    plain();
    assert_eq!(with_options(1), 1);
    assert_eq!(block_on(async_fn(2)), 2);
    assert!(question_mark("x").is_err());
    assert_eq!(question_mark("7"), Ok(7));
    assert!(early_return(0).is_err());
    assert_eq!(block_on(async_early_return(1)), Ok(2));
    assert_eq!(generic(5, 1), 5);
    assert_eq!(block_on(async_generic("x")), "x");
    assert_eq!(with_lifetime("a"), "a");
    let mut c = Counter::new();
    c.bump();
    assert_eq!(c.get(), 1);
    assert_eq!(block_on(c.async_get()), 1);
    assert_eq!(block_on(c.async_bump()), 2);
    c.save(4);
    assert_eq!(c.load(4), Some(4));
    assert_eq!(c.with_default() + c.provided(), 5);
    assert_eq!(c.take(), 4);
}
