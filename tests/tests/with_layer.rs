//! Layers of the user's in semtrace's subscriber (`TelemetryBuilder::with_layer`):
//! tracing-error's `ErrorLayer` captures `SpanTrace`s of semtrace's spans, a layer
//! of our own sees every span with its fields and parent, a filter of a layer's own
//! filters only that layer, and a layer without a filter still sees levels the
//! pipeline leaves out. The pipeline exports the same as without them. No global
//! subscriber.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use semtrace::TelemetryBuilder;
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing_error::{ErrorLayer, SpanTrace, SpanTraceStatus};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

/// A span as a layer of the user's sees it when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Opened {
    name: String,
    target: String,
    fields: BTreeMap<String, String>,
    parent: Option<String>,
}

/// Records every span it is given: name, target, fields and its parent's name
/// (found through the registry, as layers do).
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Opened>>>);

impl Recorder {
    fn opened(&self) -> Vec<Opened> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn named(&self, name: &str) -> Opened {
        let all = self.opened();
        all.iter()
            .find(|o| o.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no span `{name}` among {all:#?}"))
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<_> = self.opened().into_iter().map(|o| o.name).collect();
        names.sort();
        names
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let span = ctx.span(id).expect("a new span is in the registry");
        let parent = span.parent().map(|p| p.name().to_owned());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Opened {
                name: attrs.metadata().name().to_owned(),
                target: attrs.metadata().target().to_owned(),
                fields: fields.0,
                parent,
            });
    }
}

fn builder(exporter: &TestExporter) -> TelemetryBuilder {
    semtrace::Telemetry::builder("with-layer-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
}

#[semtrace::traced_task(task.id = %id, task.type = "import")]
fn import(id: u64) -> String {
    load_u(id)
}

#[semtrace::traced(task.priority = priority)]
fn load(priority: i64) -> String {
    // A span below the pipeline's `info`: only a layer that wants it sees it.
    tracing::debug_span!("detail", step = 2_i64).in_scope(|| {});
    SpanTrace::capture().to_string()
}

fn load_u(id: u64) -> String {
    load(i64::try_from(id).unwrap())
}

#[semtrace::traced_task(task.id = %id, task.type = "import")]
fn import_traced(id: u64) -> SpanTrace {
    nested(id)
}

#[semtrace::traced(task.priority = 1_i64)]
fn nested(_id: u64) -> SpanTrace {
    SpanTrace::capture()
}

#[test]
fn error_layer_captures_span_traces_of_semtrace_spans() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter)
        .with_layer(ErrorLayer::default())
        .build()
        .unwrap();
    let trace = tracing::dispatcher::with_default(&dispatch, || import_traced(7));
    assert_eq!(trace.status(), SpanTraceStatus::CAPTURED);
    let text = trace.to_string();
    // Innermost first, each with the fields it started with.
    let nested_at = text.find("nested").unwrap_or_else(|| panic!("{text}"));
    let import_at = text
        .find("import_traced")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(nested_at < import_at, "{text}");
    assert!(text.contains("task.id=7"), "{text}");
    assert!(text.contains("task.priority=1"), "{text}");
    // A `SpanTrace` holds its spans open: they end (and are exported) when it goes,
    // under the subscriber (the registry ends a parent through the current one).
    tracing::dispatcher::with_default(&dispatch, || drop(trace));
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 2, "{stats:?}");
    assert_eq!(exporter.names(), ["import_traced", "nested"]);
}

#[test]
fn a_layer_of_ours_sees_every_span_with_its_fields_and_parent() {
    let exporter = TestExporter::default();
    let recorder = Recorder::default();
    let (dispatch, guard) = builder(&exporter)
        .with_layer(recorder.clone())
        .with_layer(ErrorLayer::default())
        .build()
        .unwrap();
    let trace = tracing::dispatcher::with_default(&dispatch, || import(3));

    let import = recorder.named("import");
    assert_eq!(import.parent, None);
    assert_eq!(import.fields.get("task.id").map(String::as_str), Some("3"));
    assert_eq!(
        import.fields.get("task.type").map(String::as_str),
        Some("import")
    );
    let load = recorder.named("load");
    assert_eq!(load.parent.as_deref(), Some("import"));
    assert_eq!(
        load.fields.get("task.priority").map(String::as_str),
        Some("3")
    );
    // Below the pipeline's level, yet this layer (without a filter) sees it: the
    // pipeline's filter is its own, and the subscriber's level hint is not `info`.
    let detail = recorder.named("detail");
    assert_eq!(detail.parent.as_deref(), Some("load"));
    assert_eq!(detail.fields.get("step").map(String::as_str), Some("2"));
    assert!(
        trace.contains("load") && trace.contains("import"),
        "{trace}"
    );

    let stats = guard.shutdown().unwrap();
    assert_eq!((stats.started, stats.exported), (2, 2), "{stats:?}");
    assert_eq!(exporter.names(), ["import", "load"]);
    let spans = exporter.spans();
    let import = spans.iter().find(|s| s.name == "import").unwrap();
    let load = spans.iter().find(|s| s.name == "load").unwrap();
    assert_eq!(load.parent_span_id, import.span_context.span_id());
    assert_eq!(load.span_context.trace_id(), import.span_context.trace_id());
}

#[test]
fn a_filter_of_a_layer_filters_only_that_layer() {
    let exporter = TestExporter::default();
    let ours = Recorder::default();
    let elsewhere = Recorder::default();
    let (dispatch, guard) = builder(&exporter)
        .otlp_level("debug")
        .with_layer(ours.clone().with_filter(EnvFilter::new("with_layer=info")))
        .with_layer(
            elsewhere
                .clone()
                .with_filter(EnvFilter::new("elsewhere=debug")),
        )
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        load_u(5);
        tracing::info_span!(target: "elsewhere", "other", n = 1_i64).in_scope(|| {
            tracing::debug_span!(target: "elsewhere", "other detail").in_scope(|| {});
        });
    });
    assert_eq!(ours.names(), ["load"]);
    assert_eq!(elsewhere.names(), ["other", "other detail"]);
    assert_eq!(ours.named("load").target, "with_layer");
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 4, "{stats:?}");
    assert_eq!(
        exporter.names(),
        ["detail", "load", "other", "other detail"]
    );
}

#[test]
fn layers_sit_beside_console_output() {
    let exporter = TestExporter::default();
    let recorder = Recorder::default();
    let console = Buffer::default();
    let (dispatch, guard) = builder(&exporter)
        .console(true)
        .console_level("info")
        .console_writer(console.clone())
        .with_layer(recorder.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        import(9);
        tracing::info!("after the import");
    });
    guard.shutdown().unwrap();
    assert_eq!(recorder.names(), ["detail", "import", "load"]);
    assert_eq!(exporter.names(), ["import", "load"]);
    let text = console.text();
    assert!(text.contains("after the import"), "{text}");
}

#[test]
fn the_builder_says_how_many_layers_it_holds() {
    let builder = semtrace::Telemetry::builder("svc")
        .with_layer(Recorder::default())
        .with_layer(ErrorLayer::default());
    let debug = format!("{builder:?}");
    assert!(debug.contains("layers: 2"), "{debug}");
}

#[test]
fn layers_given_to_build_layer_are_an_error() {
    let err = semtrace::Telemetry::builder("svc")
        .env_lookup(|_| None)
        .with_layer(Recorder::default())
        .build_layer::<tracing_subscriber::Registry>()
        .map(|_| ())
        .expect_err("with_layer and build_layer do not mix");
    assert!(
        matches!(err, semtrace::InitError::LayersWithBuildLayer { count: 1 }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("add them to your subscriber"), "{message}");
}
