// Functions that never return (`-> !`, or an `impl Trait` body that cannot return)
// under every macro: the span stays open until the function unwinds.
use std::future::Future;
use std::task::{Context, Poll, Waker};

#[semtrace::traced]
fn serve(stop: bool) -> ! {
    loop {
        if stop {
            panic!("stopped");
        }
    }
}

#[semtrace::traced_task(task.type = "worker")]
async fn work(stop: bool) -> ! {
    loop {
        if stop {
            panic!("stopped");
        }
    }
}

#[semtrace::traced_db(system = "postgresql", operation = "LISTEN")]
fn listen() -> ! {
    panic!("connection lost")
}

#[semtrace::traced_http(method = "GET", route = "/stream")]
fn stream() -> ! {
    std::process::exit(0)
}

#[semtrace::traced_http(client, method = "GET", url = "http://localhost/")]
fn poll_forever() -> ! {
    unreachable!("the connection never closes")
}

struct Server;

impl Server {
    #[semtrace::traced]
    fn run(self: Box<Self>) -> ! {
        loop {
            std::thread::park();
        }
    }
}

// `impl Trait` whose hidden type is `!`.
#[semtrace::traced]
fn not_yet() -> impl std::fmt::Debug {
    todo!()
}

#[semtrace::traced]
fn spin() -> impl std::fmt::Debug {
    loop {
        // An inner loop's `break` does not end the outer one.
        loop {
            break;
        }
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
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(|| serve(true)).is_err());
    assert!(std::panic::catch_unwind(|| block_on(work(true))).is_err());
    assert!(std::panic::catch_unwind(|| listen()).is_err());
    assert!(std::panic::catch_unwind(|| poll_forever()).is_err());
    assert!(std::panic::catch_unwind(|| not_yet()).is_err());
    // Never called: they would not come back.
    let _: [fn() -> !; 1] = [stream];
    let _ = (Server::run, spin);
}
