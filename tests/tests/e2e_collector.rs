//! The collector harness itself, against the real rotel: what is posted over
//! OTLP/HTTP (JSON, hand-written, no semtrace involved) comes back parsed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use semtrace_tests::collector::{Collector, SpanKind, StatusCode, Value};

const REQUEST: &str = include_str!("../data/rotel-sample-request-1.json");

/// A minimal HTTP/1.1 POST; the harness must not depend on the code under test.
fn post_json(url_base: &str, body: &str) -> String {
    let addr = url_base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect to rotel");
    write!(
        stream,
        "POST /v1/traces HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    response
}

#[test]
fn collector_parses_what_it_received() {
    let collector = Collector::start().expect("start rotel");
    let response = post_json(&collector.http_endpoint(), REQUEST);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let spans = collector
        .wait_for_spans(2, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spans.len(), 2);
    let server = &spans[0];
    assert_eq!(server.name, "GET /api/tasks/{id}");
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.status_code, StatusCode::Error);
    assert_eq!(server.attr("i"), Some(&Value::Int(42)));
    assert_eq!(
        server.resource_attr("service.name"),
        Some(&Value::String("probe".into()))
    );
    assert_eq!(spans[1].trace_id, server.trace_id);
}
