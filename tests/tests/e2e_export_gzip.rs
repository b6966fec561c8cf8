//! Gzip-compressed export to a real rotel collector, over gRPC and HTTP: what arrives
//! decompresses to the spans sent, with their typed attributes. No global subscriber.

use std::time::Duration;

use semtrace::config::{Compression, Protocol};
use semtrace_tests::Collector;

#[semtrace::traced_task(task.type = "compress", task.priority = priority)]
fn job(priority: i64) -> Result<(), String> {
    if priority < 0 {
        Err("negative".to_owned())
    } else {
        Ok(())
    }
}

fn gzip_reaches_rotel(protocol: Protocol, service: &str) {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let endpoint = match protocol {
        Protocol::Grpc => collector.grpc_endpoint(),
        _ => collector.http_endpoint(),
    };
    let (dispatch, guard) = semtrace::Telemetry::builder(service)
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .otlp_compression(Compression::Gzip)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for priority in [3, -1] {
            let _ = job(priority);
        }
    });
    let stats = guard.shutdown().expect("every span exported");
    assert_eq!(stats.exported, 2, "{stats:?}");
    let spans = collector
        .wait_for_spans(2, Duration::from_secs(10))
        .expect("rotel received both spans");
    let mut priorities: Vec<i64> = spans
        .iter()
        .map(|s| {
            s.attr("task.priority")
                .and_then(semtrace_tests::collector::Value::as_int)
                .unwrap()
        })
        .collect();
    priorities.sort_unstable();
    assert_eq!(priorities, [-1, 3]);
    assert!(spans.iter().all(|s| {
        s.attr("task.type")
            .and_then(semtrace_tests::collector::Value::as_str)
            == Some("compress")
    }));
    assert!(spans.iter().all(|s| {
        s.resource_attr("service.name")
            .and_then(semtrace_tests::collector::Value::as_str)
            == Some(service)
    }));
}

#[test]
fn gzip_over_grpc() {
    gzip_reaches_rotel(Protocol::Grpc, "gzip-grpc");
}

#[test]
fn gzip_over_http() {
    gzip_reaches_rotel(Protocol::HttpProtobuf, "gzip-http");
}
