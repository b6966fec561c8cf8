//! An in-memory pipeline for behaviour tests: semtrace's own span pipeline with the
//! SDK's in-memory exporter, installed as the *thread's* default subscriber so tests
//! can run in parallel.

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tracing::subscriber::DefaultGuard;

/// A capturing pipeline, active on this thread while it lives.
pub struct Capture {
    exporter: InMemorySpanExporter,
    guard: semtrace::Guard,
    _default: DefaultGuard,
}

impl Capture {
    /// Installs the pipeline as this thread's default subscriber, recording every level.
    #[must_use]
    pub fn start() -> Self {
        Self::with_max_level(tracing::level_filters::LevelFilter::TRACE)
    }

    /// Installs the pipeline with spans above `max` disabled.
    ///
    /// # Panics
    /// If the pipeline cannot be built.
    #[must_use]
    pub fn with_max_level(max: tracing::level_filters::LevelFilter) -> Self {
        let exporter = InMemorySpanExporter::default();
        let (dispatch, guard) = semtrace::Telemetry::builder("semtrace-tests")
            .env_lookup(|_| None)
            .console(false)
            .otlp_level(max.to_string().to_ascii_lowercase())
            .span_exporter(exporter.clone())
            .build()
            .expect("pipeline");
        let default = tracing::dispatcher::set_default(&dispatch);
        Self {
            exporter,
            guard,
            _default: default,
        }
    }

    /// Every span of every trace that ended so far, in the order they ended.
    ///
    /// # Panics
    /// If the exporter fails.
    pub fn spans(&self) -> Vec<SpanData> {
        assert!(
            self.guard.flush(std::time::Duration::from_secs(10)),
            "flush"
        );
        self.exporter.get_finished_spans().expect("finished spans")
    }

    /// What the pipeline counted so far.
    pub fn stats(&self) -> semtrace::SpanStats {
        self.guard.stats()
    }

    /// The one finished span named `name`.
    ///
    /// # Panics
    /// Unless exactly one span has that name.
    pub fn span(&self, name: &str) -> SpanData {
        let spans = self.spans();
        let names: Vec<_> = spans.iter().map(|s| s.name.to_string()).collect();
        let mut found: Vec<_> = spans.into_iter().filter(|s| s.name == name).collect();
        assert_eq!(
            found.len(),
            1,
            "expected one span named {name:?}, finished spans: {names:?}"
        );
        found.remove(0)
    }
}

/// The value of attribute `key`, if the span has it.
pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

/// Every attribute key of the span, sorted.
pub fn keys(span: &SpanData) -> Vec<String> {
    let mut keys: Vec<_> = span
        .attributes
        .iter()
        .map(|kv| kv.key.to_string())
        .collect();
    keys.sort();
    keys
}

/// Shorthands for expected values, typed as OpenTelemetry types them.
pub fn string(s: &str) -> Option<Value> {
    Some(Value::String(s.to_owned().into()))
}

/// An `int` attribute value.
pub fn int(i: i64) -> Option<Value> {
    Some(Value::I64(i))
}

/// A `double` attribute value.
pub fn double(f: f64) -> Option<Value> {
    Some(Value::F64(f))
}

/// A `boolean` attribute value.
pub fn boolean(b: bool) -> Option<Value> {
    Some(Value::Bool(b))
}

/// Whether the status is an error with `description`.
pub fn is_error(span: &SpanData, description: &str) -> bool {
    matches!(&span.status, Status::Error { description: d } if d == description)
}

pub use opentelemetry::trace::SpanKind as Kind;

/// The span's kind.
pub fn kind(span: &SpanData) -> SpanKind {
    span.span_kind.clone()
}
