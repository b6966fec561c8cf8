//! The end-to-end scenario shared by the `e2e_export_*` test binaries (each
//! installs a global subscriber, so each is its own binary with one test): a small
//! instrumented program exports through `semtrace`'s real OTLP pipeline to a real
//! rotel collector, and the test asserts on what the collector printed.
//!
//! The program: a task (`#[traced_task]`) calls a server over a channel standing in
//! for the network — the client span (`#[traced_http(client)]`) injects
//! `traceparent` into an `http::HeaderMap`, the server task extracts it
//! (`#[traced_http(parent = headers)]`) and queries a database (`#[traced_db]`)
//! that fails. A second task fails on its own.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use semtrace::config::Protocol;
use tokio::sync::{mpsc, oneshot};

use semtrace_tests::collector::{Collector, Span, SpanKind, StatusCode as Status, Value};

/// Spans the scenario creates: task, client, server, db, failing task.
pub(crate) const SPANS: usize = 5;

/// A request crossing the simulated network: headers in, status back.
type Request = (HeaderMap, oneshot::Sender<StatusCode>);

#[derive(Debug)]
struct NotFound(i64);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no such item: {}", self.0)
    }
}

#[derive(Debug)]
struct DiskOnFire;

impl fmt::Display for DiskOnFire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("disk on fire")
    }
}

#[semtrace::traced_task(task.id = %id, task.type = "e2e", task.priority = priority)]
async fn run_task(server: &mpsc::Sender<Request>, id: u32, priority: i64) -> StatusCode {
    call_server(server, "http://inventory.test/items/7").await
}

#[semtrace::traced_http(client, method = "GET", url = %url)]
async fn call_server(server: &mpsc::Sender<Request>, url: &str) -> StatusCode {
    let mut headers = HeaderMap::new();
    semtrace::propagation::inject(&mut headers);
    let (reply, status) = oneshot::channel();
    server
        .send((headers, reply))
        .await
        .expect("server is running");
    status.await.expect("server replies")
}

#[semtrace::traced_http(method = "GET", route = "/items/{id}", parent = headers)]
async fn handle(headers: HeaderMap) -> StatusCode {
    match load_item(7) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::NOT_FOUND,
    }
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "items")]
fn load_item(id: i64) -> Result<String, NotFound> {
    Err(NotFound(id))
}

#[semtrace::traced_task(task.id = "doomed", task.type = "e2e")]
fn failing_task() -> Result<(), DiskOnFire> {
    Err(DiskOnFire)
}

/// Installs semtrace as the global subscriber, exporting to `collector` over
/// `protocol` and nothing else. The environment is ignored so a stray `OTEL_*`
/// variable cannot change what the test sees, and the batch delay is an hour so only
/// the guard's flush can export the spans in time.
pub(crate) fn init(collector: &Collector, protocol: Protocol, service: &str) -> semtrace::Guard {
    let endpoint = match protocol {
        Protocol::Grpc => collector.grpc_endpoint(),
        _ => collector.http_endpoint(),
    };
    semtrace::Telemetry::builder(service)
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .otlp_level("trace")
        .service_version("1.2.3")
        .resource_attribute("deployment.environment.name", "e2e")
        .scheduled_delay(Duration::from_secs(3600))
        .init()
        .expect("semtrace::init")
}

/// Runs the instrumented program on a Tokio runtime.
pub(crate) fn run_program() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (to_server, mut requests) = mpsc::channel::<Request>(1);
        let server = tokio::spawn(async move {
            while let Some((headers, reply)) = requests.recv().await {
                let _ = reply.send(handle(headers).await);
            }
        });
        let status = run_task(&to_server, 42, 3).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        drop(to_server);
        server.await.expect("server task");
    });
    assert!(failing_task().is_err());
}

/// Waits for exactly [`SPANS`] spans and asserts everything the collector printed
/// about them. `service` is the `service.name` the program was configured with.
pub(crate) fn assert_exported(collector: &Collector, service: &str) {
    let spans = collector
        .wait_for_spans(SPANS, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spans.len(), SPANS, "every span exactly once: {spans:#?}");

    for span in &spans {
        assert_eq!(
            span.resource_attr("service.name"),
            Some(&Value::String(service.to_owned())),
            "resource of {}",
            span.name
        );
        assert_eq!(
            span.resource_attr("service.version"),
            Some(&Value::String("1.2.3".into()))
        );
        assert_eq!(
            span.resource_attr("deployment.environment.name"),
            Some(&Value::String("e2e".into()))
        );
        assert!(
            span.resource_attr("telemetry.sdk.language").is_some(),
            "SDK resource attributes on {}",
            span.name
        );
    }

    let task = find(&spans, "run_task");
    let client = find(&spans, "GET");
    let server = find(&spans, "GET /items/{id}");
    let db = find(&spans, "SELECT items");
    let failing = find(&spans, "failing_task");

    // Names and kinds follow the conventions.
    assert_eq!(task.kind, SpanKind::Internal);
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(db.kind, SpanKind::Client);

    // One trace across the propagated call: task → client → server → db.
    assert_eq!(task.parent_span_id, None);
    assert!(client.is_child_of(task), "client under task: {client:#?}");
    assert!(
        server.is_child_of(client),
        "server under client via traceparent: {server:#?}"
    );
    assert!(db.is_child_of(server), "db under server: {db:#?}");
    assert_ne!(failing.trace_id, task.trace_id, "a separate root");

    // Attributes keep their semantic types.
    assert_eq!(task.attr("task.id"), Some(&Value::String("42".into())));
    assert_eq!(task.attr("task.type"), Some(&Value::String("e2e".into())));
    assert_eq!(task.attr("task.priority"), Some(&Value::Int(3)));
    assert_eq!(
        client.attr("http.request.method"),
        Some(&Value::String("GET".into()))
    );
    assert_eq!(
        client.attr("url.full"),
        Some(&Value::String("http://inventory.test/items/7".into()))
    );
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(&Value::Int(404))
    );
    assert_eq!(
        server.attr("http.route"),
        Some(&Value::String("/items/{id}".into()))
    );
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(&Value::Int(404))
    );
    assert_eq!(
        db.attr("db.system.name"),
        Some(&Value::String("sqlite".into()))
    );
    assert_eq!(
        db.attr("db.operation.name"),
        Some(&Value::String("SELECT".into()))
    );
    assert_eq!(
        db.attr("db.collection.name"),
        Some(&Value::String("items".into()))
    );

    // Status: a 404 fails the client but not the server; Err fails its span.
    assert_eq!(task.status_code, Status::Unset);
    assert_eq!(client.status_code, Status::Error);
    assert_eq!(server.status_code, Status::Unset);
    assert_eq!(db.status_code, Status::Error);
    assert_eq!(db.status_message, "no such item: 7");
    assert!(
        matches!(db.attr("error.type"), Some(Value::String(t)) if t.ends_with("NotFound")),
        "error.type on db: {db:#?}"
    );
    assert_eq!(failing.status_code, Status::Error);
    assert_eq!(failing.status_message, "disk on fire");

    // tracing-opentelemetry's own bookkeeping fields are not exported as attributes.
    for span in &spans {
        for key in [
            "otel.name",
            "otel.kind",
            "otel.status_code",
            "otel.status_description",
        ] {
            assert!(span.attr(key).is_none(), "{key} leaked on {}", span.name);
        }
    }
}

fn find<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    let mut matching = spans.iter().filter(|span| span.name == name);
    let span = matching
        .next()
        .unwrap_or_else(|| panic!("no span named {name:?} in {spans:#?}"));
    assert!(matching.next().is_none(), "two spans named {name:?}");
    span
}
