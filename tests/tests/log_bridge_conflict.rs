//! Another `log` logger installed before semtrace: `build` goes on (the records
//! stay with that logger), `init` fails only when the settings ask for the bridge
//! explicitly. Its own test binary: it installs a global logger and subscriber.

use std::sync::atomic::{AtomicUsize, Ordering};

static SEEN: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl log::Log for Counting {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, _: &log::Record<'_>) {
        SEEN.fetch_add(1, Ordering::Relaxed);
    }

    fn flush(&self) {}
}

#[test]
fn another_logger_is_reported_never_a_panic() {
    log::set_logger(&Counting).unwrap();
    log::set_max_level(log::LevelFilter::Info);

    // `build` with the default: a warning on stderr, and the other logger keeps
    // its records.
    let (dispatch, guard) = semtrace::Telemetry::builder("log-bridge-conflict")
        .env_lookup(|_| None)
        .console(false)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || log::info!("to the other logger"));
    assert_eq!(SEEN.load(Ordering::Relaxed), 1);
    drop(dispatch);
    guard.shutdown().unwrap();

    // `init` asked for the bridge explicitly: an error naming the setting, and no
    // global subscriber installed.
    let error = semtrace::Telemetry::builder("log-bridge-conflict")
        .env_lookup(|_| None)
        .console(false)
        .log_bridge(true)
        .init()
        .unwrap_err();
    assert!(matches!(error, semtrace::InitError::LogBridge), "{error}");
    assert!(error.to_string().contains("logs.bridge"), "{error}");

    // `init` with the default: installed, the conflict only reported.
    let guard = semtrace::Telemetry::builder("log-bridge-conflict")
        .env_lookup(|_| None)
        .console(false)
        .init()
        .unwrap();
    guard.shutdown().unwrap();
}
