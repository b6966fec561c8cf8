//! semtrace's pipeline as one layer of the user's own subscriber
//! (`TelemetryBuilder::build_layer`): the same program exports the same spans as
//! through `build()` (names, kinds, attributes, parents, traces, status, events,
//! links), `fmt::layer()` beside it still writes its lines (also below the
//! pipeline's level), the guard counts the spans, and the annotations' metrics
//! record. No global subscriber.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use opentelemetry_sdk::trace::SpanData;
use semtrace::TelemetryBuilder;
use semtrace_tests::buffer::Buffer;
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

/// The differential test's program, and a call whose context goes into headers
/// (propagation finds the span's record through the user's subscriber).
fn program() -> HashMap<String, String> {
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
    let mut headers = HashMap::new();
    tracing::info_span!("outgoing").in_scope(|| {
        tracing::debug!("below the pipeline's level");
        semtrace::propagation::inject_map(&mut headers);
    });
    headers
}

/// A span as compared: everything but its ids and times; parent by name, and the
/// names of the spans of its trace.
#[derive(Debug, PartialEq)]
struct Seen {
    name: String,
    kind: String,
    parent: Option<String>,
    trace: Vec<String>,
    status: String,
    attributes: BTreeMap<String, String>,
    events: Vec<(String, BTreeMap<String, String>)>,
    links: usize,
    scope: String,
}

fn attributes(kvs: &[opentelemetry::KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.to_string(), format!("{:?}", kv.value)))
        .collect()
}

fn seen(spans: &[SpanData]) -> Vec<Seen> {
    let names: HashMap<SpanId, String> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s.name.to_string()))
        .collect();
    let mut traces: HashMap<TraceId, Vec<String>> = HashMap::new();
    for s in spans {
        traces
            .entry(s.span_context.trace_id())
            .or_default()
            .push(s.name.to_string());
    }
    for names in traces.values_mut() {
        names.sort();
    }
    let mut out: Vec<Seen> = spans
        .iter()
        .map(|s| Seen {
            name: s.name.to_string(),
            kind: format!("{:?}", s.span_kind),
            parent: names.get(&s.parent_span_id).cloned(),
            trace: traces[&s.span_context.trace_id()].clone(),
            status: match &s.status {
                Status::Unset => "unset".into(),
                Status::Ok => "ok".into(),
                Status::Error { description } => format!("error {description}"),
            },
            attributes: attributes(&s.attributes),
            events: s
                .events
                .iter()
                .map(|e| (e.name.to_string(), attributes(&e.attributes)))
                .collect(),
            links: s.links.len(),
            scope: s.instrumentation_scope.name().to_owned(),
        })
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

fn builder(exporter: &TestExporter) -> TelemetryBuilder {
    semtrace::Telemetry::builder("build-layer-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
}

#[test]
fn build_layer_exports_what_build_exports() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    let headers = tracing::dispatcher::with_default(&dispatch, program);
    assert!(headers.contains_key("traceparent"), "{headers:?}");
    guard.shutdown().unwrap();
    let through_build = seen(&exporter.spans());

    let exporter = TestExporter::default();
    let lines = Buffer::default();
    let (layer, guard) = builder(&exporter).build_layer().unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(lines.clone()),
        )
        .with(layer);
    let headers = tracing::subscriber::with_default(subscriber, program);
    let traceparent = &headers["traceparent"];
    let during = guard.stats();
    assert_eq!(during.started, 10, "{during:?}");
    let stats = guard.shutdown().unwrap();
    assert_eq!((stats.started, stats.exported), (10, 10), "{stats:?}");
    let spans = exporter.spans();
    let outgoing = spans.iter().find(|s| s.name == "outgoing").unwrap();
    assert!(
        traceparent.contains(&outgoing.span_context.span_id().to_string()),
        "the header carries the exported span's id: {traceparent}"
    );
    let through_layer = seen(&spans);

    assert_eq!(through_build.len(), 10, "{through_build:#?}");
    for (a, b) in through_build.iter().zip(&through_layer) {
        assert_eq!(a, b, "build() (left) and build_layer() (right) differ");
    }
    assert_eq!(through_build.len(), through_layer.len());

    // The user's fmt layer writes its lines, in their spans, also below the
    // pipeline's `info` (the layer's filter is its own).
    let text = lines.text();
    for line in [
        "import{task.id=7",
        "loaded",
        "gave up",
        "below the pipeline's level",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
}

#[test]
fn build_layer_records_the_annotations_metrics() {
    let exporter = TestExporter::default();
    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (layer, guard) = builder(&exporter)
        .metric_reader(reader)
        .build_layer()
        .unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        .with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let _ = import(1, 1);
        let _ = import(13, 1);
    });
    guard.shutdown().unwrap();
    let all = metrics.get_finished_metrics().unwrap();
    let last = all.last().expect("an export at shutdown");
    let task = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == "task.duration")
        .expect("the task's duration histogram");
    let AggregatedMetrics::F64(MetricData::Histogram(h)) = task.data() else {
        panic!("`task.duration` is not an f64 histogram");
    };
    let count: u64 = h
        .data_points()
        .map(opentelemetry_sdk::metrics::data::HistogramDataPoint::count)
        .sum();
    assert_eq!(count, 2);
    assert!(
        h.data_points()
            .any(|p| p.attributes().any(|kv| kv.key.as_str() == "error.type")),
        "the failed call is recorded with its error type"
    );
}

#[test]
fn build_layer_leaves_console_settings_and_log_files_out() {
    let exporter = TestExporter::default();
    let dir = tempfile::tempdir().unwrap();
    let (layer, guard) = builder(&exporter)
        .console(true)
        .file_dir(dir.path())
        .build_layer()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("alone").in_scope(|| tracing::info!("a line"));
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 1, "{stats:?}");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(files.is_empty(), "no log file is written: {files:?}");
}

#[test]
fn build_layer_installs_the_log_bridge_when_asked() {
    let exporter = TestExporter::default();
    let lines = Buffer::default();
    let (layer, guard) = builder(&exporter).log_bridge(true).build_layer().unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(lines.clone()),
        )
        .with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("bridged").in_scope(|| log::warn!("a record of the log crate"));
    });
    guard.shutdown().unwrap();
    let text = lines.text();
    assert!(text.contains("a record of the log crate"), "{text}");
    let spans = exporter.spans();
    assert_eq!(spans[0].events.len(), 1, "{spans:?}");
}

/// With `build_layer` alone in a bare registry (nothing else to give the stack a
/// level), spans are exported with log export off and on, and an event in a span
/// becomes a log record with that span's ids.
#[test]
fn build_layer_alone_exports_spans_and_log_records() {
    use std::sync::{Arc, Mutex};

    for logs in [false, true] {
        let exporter = TestExporter::default();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut b = builder(&exporter);
        if logs {
            let into = Arc::clone(&received);
            b = b.log_exporter(move |request| {
                into.lock().unwrap().push(request);
                Ok(())
            });
        }
        let (layer, guard) = b.build_layer().unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let _ = import(1, 2);
        });
        let stats = guard.shutdown().unwrap();
        assert_eq!(
            (stats.started, stats.exported),
            (2, 2),
            "logs {logs}: {stats:?}"
        );
        let spans = exporter.spans();
        let records: Vec<_> = received
            .lock()
            .unwrap()
            .iter()
            .flat_map(|r| &r.resource_logs)
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| s.log_records.clone())
            .collect();
        if logs {
            let task = spans.iter().find(|s| s.name == "import").unwrap();
            assert_eq!(records.len(), 1, "{records:?}");
            assert_eq!(records[0].span_id, task.span_context.span_id().to_bytes());
            assert_eq!(records[0].trace_id, task.span_context.trace_id().to_bytes());
        } else {
            assert!(records.is_empty());
        }
    }
}
