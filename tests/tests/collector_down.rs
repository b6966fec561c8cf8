//! Collector down (a closed loopback port): init succeeds, the program runs on, and
//! shutdown returns within its bound, reports the lost spans and accounts for each.

use std::time::{Duration, Instant};

use semtrace::config::Protocol;
use semtrace::{ShutdownFailure, TelemetryBuilder};

const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

/// A loopback URL on which nothing listens.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn builder(protocol: Protocol) -> TelemetryBuilder {
    semtrace::Telemetry::builder("collector-down")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(closed_endpoint())
        .otlp_protocol(protocol)
        .otlp_timeout(Duration::from_millis(500))
        .shutdown_timeout(SHUTDOWN_TIMEOUT)
}

fn run_and_shut_down(protocol: Protocol) {
    let (dispatch, guard) = builder(protocol)
        .build()
        .expect("init succeeds without a collector");
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..20 {
            tracing::info_span!("lost").in_scope(|| tracing::info!("still running"));
        }
    });
    let started = Instant::now();
    let err = guard.shutdown().expect_err("lost spans are reported");
    eprintln!("{protocol:?}: shutdown took {:?}: {err}", started.elapsed());
    // A bound on blocking, not a timing measurement: 3x the configured timeout.
    assert!(
        started.elapsed() < SHUTDOWN_TIMEOUT * 3,
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.failures().iter().any(
            |f| matches!(f, ShutdownFailure::Export { failed, .. } if *failed >= 1)
                || matches!(f, ShutdownFailure::Timeout(_))
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("telemetry shutdown incomplete: "),
        "{err}"
    );
    // Every span is accounted for, none as exported.
    let stats = err.stats();
    assert_eq!(stats.started, 20, "{stats:?}");
    assert_eq!(stats.exported, 0, "{stats:?}");
    assert_eq!(
        stats.dropped_by.export_failed + stats.dropped_by.shutdown,
        20,
        "{stats:?}"
    );
    assert_eq!(
        stats.started,
        stats.sampled_out + stats.exported + stats.dropped
    );
}

#[test]
fn http_without_tokio() {
    run_and_shut_down(Protocol::HttpProtobuf);
}

#[test]
fn grpc_without_tokio() {
    run_and_shut_down(Protocol::Grpc);
}

#[tokio::test(flavor = "current_thread")]
async fn grpc_guard_dropped_inside_a_current_thread_runtime() {
    // The gRPC exporter runs on the guard's own runtime, so flushing from the only
    // thread of the caller's runtime neither deadlocks nor panics.
    run_and_shut_down(Protocol::Grpc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_guard_dropped_inside_a_multi_thread_runtime() {
    run_and_shut_down(Protocol::HttpProtobuf);
}
