//! Exemplars end to end against a real rotel collector, over gRPC and over HTTP:
//! the duration histogram's data points carry exemplars (trace and span ids, a
//! double value, a time), and their trace ids are those of the spans exported in the
//! same run (`trace_based`: every span sampled here).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use semtrace_tests::Collector;

#[semtrace::traced_http(method = "GET", route = "/carts/{id}")]
fn get_cart(status: u16) -> u16 {
    status
}

fn run(protocol: &'static str) {
    let collector = Collector::start_with(&[
        "--debug-log",
        "traces",
        "--debug-log",
        "metrics",
        "--debug-log-verbosity",
        "detailed",
    ])
    .expect("start rotel (scripts/install-rotel)");
    let endpoint = if protocol == "grpc" {
        collector.grpc_endpoint()
    } else {
        collector.http_endpoint()
    };
    let env = move |name: &str| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some(protocol.to_owned()),
        "OTEL_METRICS_EXPORTER" => Some("otlp".to_owned()),
        _ => None,
    };
    let (dispatch, guard) = semtrace::Telemetry::builder(format!("e2e-exemplars-{protocol}"))
        .env_lookup(env)
        .console(false)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..4 {
            get_cart(200);
        }
        get_cart(404);
    });
    guard.shutdown().unwrap();
    let spans = collector
        .wait_for_spans(5, Duration::from_secs(20))
        .expect("the spans arrive");
    let exported: BTreeSet<String> = spans.iter().map(|s| s.trace_id.clone()).collect();
    let out = wait_for(&collector, "Exemplar #");
    let exemplars = parse_exemplars(&out);
    assert!(
        exemplars.len() >= 2,
        "one exemplar per data point at least (200 and 404):\n{out}"
    );
    for (trace, span, value) in &exemplars {
        assert!(exported.contains(trace), "{trace} not among {exported:?}");
        assert_eq!(span.len(), 16, "{span}");
        assert!(*value >= 0.0);
    }
}

fn wait_for(collector: &Collector, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = collector.output();
        if out.contains(needle) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `(trace id, span id, value)` of every exemplar rotel's detailed log prints.
fn parse_exemplars(out: &str) -> Vec<(String, String, f64)> {
    let mut found = Vec::new();
    let mut current: Option<(String, String, f64)> = None;
    for line in out.lines().map(str::trim) {
        if line.starts_with("Exemplar #") {
            found.extend(current.take());
            current = Some(Default::default());
        } else if let Some(c) = current.as_mut() {
            if let Some(v) = line.strip_prefix("-> Trace ID: ") {
                v.trim().clone_into(&mut c.0);
            } else if let Some(v) = line.strip_prefix("-> Span ID: ") {
                v.trim().clone_into(&mut c.1);
            } else if let Some(v) = line.strip_prefix("-> Value: ") {
                c.2 = v.trim().parse().unwrap_or(-1.0);
            } else if !line.starts_with("-> ") {
                found.extend(current.take());
            }
        }
    }
    found.extend(current);
    found
}

#[test]
fn histogram_points_carry_exemplars_over_grpc() {
    run("grpc");
}

#[test]
fn histogram_points_carry_exemplars_over_http() {
    run("http/protobuf");
}
