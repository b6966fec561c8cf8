//! W3C trace context and baggage between semtrace and a program written with the
//! OpenTelemetry Python SDK, in both directions: an upstream caller → a semtrace
//! handler → a Python peer → a semtrace handler again. The Python launcher comes from
//! `SEMTRACE_OTEL_PYTHON` (set by `scripts/test`, made by
//! `scripts/install-otel-python`).

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use opentelemetry::trace::{SpanId, TraceId};
use semtrace_tests::exporter::TestExporter;

const UPSTREAM_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const UPSTREAM_SPAN: &str = "b7ad6b7169203331";

/// Sends `headers` to the Python peer; returns what it reports.
fn python_peer(headers: &HashMap<String, String>) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/peer.py");
    let mut child = Command::new(semtrace_tests::python::launcher())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python peer starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(headers).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("python peer ends");
    assert!(out.status.success(), "python peer failed: {}", out.status);
    serde_json::from_slice(&out.stdout).expect("python peer prints JSON")
}

#[semtrace::traced_http(method = "POST", route = "/back", parent = headers)]
fn back(headers: &http::HeaderMap) -> (u16, http::HeaderMap) {
    let mut onward = http::HeaderMap::new();
    semtrace::propagation::inject(&mut onward);
    (200, onward)
}

#[semtrace::traced_http(method = "GET", route = "/relay", parent = headers)]
fn relay(headers: &http::HeaderMap) -> (u16, serde_json::Value, http::HeaderMap) {
    let mut to_python = HashMap::new();
    semtrace::propagation::inject_map(&mut to_python);
    let reply = python_peer(&to_python);
    let mut from_python = http::HeaderMap::new();
    for (k, v) in reply["outgoing"].as_object().unwrap() {
        from_python.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.as_str().unwrap().parse().unwrap(),
        );
    }
    let (_, onward) = back(&from_python);
    (200, reply, onward)
}

#[test]
fn context_and_baggage_cross_the_python_sdk_both_ways() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = semtrace::Telemetry::builder("interop")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
        .build()
        .unwrap();
    let mut upstream = http::HeaderMap::new();
    upstream.insert(
        "traceparent",
        format!("00-{UPSTREAM_TRACE}-{UPSTREAM_SPAN}-01")
            .parse()
            .unwrap(),
    );
    upstream.insert("tracestate", "vendor=abc".parse().unwrap());
    upstream.insert("baggage", "origin=edge".parse().unwrap());
    let (_, reply, onward) = tracing::dispatcher::with_default(&dispatch, || relay(&upstream));
    guard.shutdown().unwrap();

    let spans = exporter.spans();
    let span = |name: &str| spans.iter().find(|s| s.name == name).unwrap();
    let (relay, back) = (span("GET /relay"), span("POST /back"));
    let trace = TraceId::from_hex(UPSTREAM_TRACE).unwrap();

    // Upstream → semtrace: the remote parent, its trace state.
    assert_eq!(relay.span_context.trace_id(), trace);
    assert_eq!(
        relay.parent_span_id,
        SpanId::from_hex(UPSTREAM_SPAN).unwrap()
    );
    assert!(relay.parent_span_is_remote);
    assert_eq!(relay.span_context.trace_state().header(), "vendor=abc");

    // semtrace → Python: same trace, semtrace's span as the remote parent, baggage on.
    assert_eq!(reply["trace_id"], UPSTREAM_TRACE);
    assert_eq!(
        reply["parent_span_id"],
        relay.span_context.span_id().to_string()
    );
    assert_eq!(reply["parent_is_remote"], true);
    assert_eq!(reply["sampled"], true);
    assert_eq!(reply["received_baggage"]["origin"], "edge");
    assert_eq!(reply["outgoing"]["tracestate"], "vendor=abc");

    // Python → semtrace: the Python span is the parent; its baggage comes along.
    assert_eq!(back.span_context.trace_id(), trace);
    let python_span = reply["span_id"].as_str().unwrap();
    assert_eq!(back.parent_span_id, SpanId::from_hex(python_span).unwrap());
    assert!(back.parent_span_is_remote);
    let baggage = onward["baggage"].to_str().unwrap();
    assert!(
        baggage.contains("tenant=gold") && baggage.contains("origin=edge"),
        "{baggage}"
    );
}
