//! The same program through semtrace's pipeline and through tracing-opentelemetry
//! (the oracle) must give the same spans: names, kinds, parent links, attributes
//! with their types, status and events. Where semtrace differs on purpose, the
//! comparison says so: the oracle's non-conventional attributes (`target`,
//! `busy_ns`, `idle_ns`, `thread.*`, `code.*`, event `level`/`target`) are left out,
//! error events are compared by their message (semtrace follows the exception
//! conventions), and the status an error event sets by its kind. semtrace runs under
//! every configuration that changes its subscriber: the pipeline alone, beside
//! console lines, pretty lines or log files, beside a layer of the user's, and as a
//! layer of the user's own registry.

use std::collections::{BTreeMap, HashMap};

use opentelemetry::trace::{SpanId, Status, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use semtrace_tests::exporter::TestExporter;
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by policy")
    }
}

#[semtrace::traced_task(task.id = %id, task.type = "import", task.priority = priority)]
fn import(id: u64, priority: i64) -> Result<(), Refused> {
    semtrace::record!(task.state = "running");
    tracing::info!(rows = 3_i64, ratio = 0.5_f64, done = true, "loaded");
    load(id);
    if id == 13 { Err(Refused) } else { Ok(()) }
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "rows")]
fn load(id: u64) -> u64 {
    id
}

#[semtrace::traced_http(method = "GET", route = "/rows/{id}")]
fn serve(id: u64) -> u16 {
    if id == 0 { 503 } else { 200 }
}

#[semtrace::traced_http(client, method = "POST", url = "http://peer/rows")]
fn call() -> u16 {
    404
}

fn program() {
    let _ = import(7, 2);
    let _ = import(13, 1);
    serve(0);
    serve(1);
    call();
    let earlier = tracing::info_span!("earlier", "net.peer.port" = 8080_i64);
    earlier.in_scope(|| {});
    let later = tracing::info_span!("later", otel.kind = "consumer");
    later.follows_from(&earlier);
    later.in_scope(|| tracing::error!(attempt = 2_i64, "gave up"));
}

/// A span as compared: parent by name, values with their OTLP type.
#[derive(Debug, PartialEq)]
struct Seen {
    name: String,
    kind: String,
    parent: Option<String>,
    status: String,
    attributes: BTreeMap<String, String>,
    events: Vec<(String, BTreeMap<String, String>)>,
    links: usize,
}

fn typed(value: &opentelemetry::Value) -> String {
    use opentelemetry::Value as V;
    match value {
        V::Bool(b) => format!("bool {b}"),
        V::I64(i) => format!("int {i}"),
        V::F64(f) => format!("double {f}"),
        V::String(s) => format!("string {s}"),
        V::Array(a) => format!("array {a:?}"),
        other => format!("{other:?}"),
    }
}

fn conventional(key: &str) -> bool {
    !matches!(key, "target" | "busy_ns" | "idle_ns" | "level")
        && !key.starts_with("thread.")
        && !key.starts_with("code.")
}

fn seen(spans: &[SpanData]) -> Vec<Seen> {
    let names: HashMap<SpanId, String> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s.name.to_string()))
        .collect();
    let attributes = |kvs: &[opentelemetry::KeyValue]| {
        kvs.iter()
            .filter(|kv| conventional(kv.key.as_str()))
            .map(|kv| (kv.key.to_string(), typed(&kv.value)))
            .collect::<BTreeMap<_, _>>()
    };
    let mut out: Vec<Seen> = spans
        .iter()
        .map(|s| {
            let events: Vec<_> = s
                .events
                .iter()
                .map(|e| {
                    let mut attrs = attributes(&e.attributes);
                    // Error events: semtrace names them `exception` and carries the
                    // message as `exception.message`, as the conventions do; the
                    // oracle names them by the message.
                    let name = match attrs.remove("exception.message") {
                        Some(message) => message.trim_start_matches("string ").to_owned(),
                        None => e.name.to_string(),
                    };
                    (name, attrs)
                })
                .collect();
            let status = match &s.status {
                Status::Unset => "unset".into(),
                Status::Ok => "ok".into(),
                // Set by an error event: semtrace describes it with the message, the
                // oracle leaves it empty.
                Status::Error { description }
                    if description.is_empty() || events.iter().any(|(n, _)| n == description) =>
                {
                    "error (from an error event)".into()
                }
                Status::Error { description } => format!("error {description}"),
            };
            Seen {
                name: s.name.to_string(),
                kind: format!("{:?}", s.span_kind),
                parent: names.get(&s.parent_span_id).cloned(),
                status,
                attributes: attributes(&s.attributes),
                events,
                links: s.links.len(),
            }
        })
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

/// How semtrace's subscriber is built for one run of the program.
#[derive(Debug, Clone, Copy)]
enum Setup {
    /// The pipeline alone, on semtrace's span store.
    OtlpOnly,
    /// Console lines (full format, to a buffer) beside it, on the store.
    Console,
    /// Console lines in the `pretty` format, on the store.
    ConsolePretty,
    /// Log files beside it, on the store.
    File,
    /// A layer of the user's beside it (`with_layer`), on the registry.
    WithLayer,
    /// `build_layer()` inside the user's `registry().with(fmt::layer())`.
    BuildLayer,
}

/// The spans semtrace exports for `program` under `setup`.
fn semtrace_spans(setup: Setup) -> Vec<Seen> {
    let exporter = TestExporter::default();
    let logs = tempfile::tempdir().unwrap();
    let builder = semtrace::Telemetry::builder("differential")
        .env_lookup(|_| None)
        .console(false)
        .otlp_level("trace")
        .span_exporter(exporter.clone());
    let builder = match setup {
        Setup::OtlpOnly | Setup::BuildLayer => builder,
        Setup::Console => builder.console(true).console_writer(std::io::sink),
        Setup::ConsolePretty => builder
            .console(true)
            .console_format(semtrace::config::ConsoleFormat::Pretty)
            .console_writer(std::io::sink),
        Setup::File => builder.file_dir(logs.path()).file_level("trace"),
        Setup::WithLayer => {
            builder.with_layer(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        }
    };
    let guard = if let Setup::BuildLayer = setup {
        let (layer, guard) = builder.build_layer().unwrap();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
            .with(layer);
        tracing::subscriber::with_default(subscriber, program);
        guard
    } else {
        let (dispatch, guard) = builder.build().unwrap();
        tracing::dispatcher::with_default(&dispatch, program);
        guard
    };
    guard.shutdown().unwrap();
    seen(&exporter.spans())
}

#[test]
fn semtrace_and_tracing_opentelemetry_produce_the_same_spans() {
    let oracle = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(oracle.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("oracle")));
    tracing::subscriber::with_default(subscriber, program);
    provider.force_flush().unwrap();
    let theirs = seen(&oracle.get_finished_spans().unwrap());

    // Whatever the outputs beside the pipeline, and whichever subscriber it runs on,
    // the exported spans are the same.
    for setup in [
        Setup::OtlpOnly,
        Setup::Console,
        Setup::ConsolePretty,
        Setup::File,
        Setup::WithLayer,
        Setup::BuildLayer,
    ] {
        let ours = semtrace_spans(setup);
        assert_eq!(ours.len(), 9, "{setup:?}: {ours:#?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(
                a, b,
                "semtrace under {setup:?} (left) and tracing-opentelemetry (right) differ"
            );
        }
        assert_eq!(ours.len(), theirs.len(), "{setup:?}");
    }
}
