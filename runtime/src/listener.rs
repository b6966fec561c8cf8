//! A small HTTP listener of semtrace's own, serving an axum router on a thread with
//! a single-threaded runtime: the admin endpoints and the Prometheus `/metrics`.

use std::time::{Duration, Instant};

use crate::shutdown::{Shutdown, ShutdownFailure};

/// A running listener; the guard stops it.
pub(crate) struct Listener {
    pub(crate) address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Shutdown for Listener {
    fn shutdown(&mut self, deadline: Instant) -> Vec<ShutdownFailure> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
        Vec::new()
    }
}

/// Binds `listen` now (so a taken port is an error of `init`) and serves `app` on a
/// thread named `name`.
pub(crate) fn start(
    listen: std::net::SocketAddr,
    app: axum::Router,
    name: &str,
) -> std::io::Result<Listener> {
    let std_listener = std::net::TcpListener::bind(listen)?;
    std_listener.set_nonblocking(true)?;
    let address = std_listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let what = name.to_owned();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                    return;
                };
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = stopped.await;
                });
                if let Err(e) = serve.await {
                    eprintln!("semtrace: the listener {what} on `{listen}` stopped: {e}");
                }
            });
        })?;
    Ok(Listener {
        address,
        stop: Some(stop),
        thread: Some(thread),
    })
}
