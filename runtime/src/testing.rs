//! Asserting on spans in unit tests, without a collector and without a global
//! subscriber (feature `testing`).
//!
//! [`capture`] runs a closure under a subscriber of its own (semtrace's pipeline with
//! an in-memory exporter, installed for the current thread only) and returns what it
//! produced; [`capture_async`] does the same for a future, wherever it is polled.
//! Spans of tasks the code spawns elsewhere are not captured.
//!
//! ```
//! #[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "users")]
//! fn load(id: i64) -> Result<i64, String> {
//!     if id < 0 { Err(format!("no user {id}")) } else { Ok(id) }
//! }
//!
//! let (_, spans) = semtrace::testing::capture(|| load(-1));
//! let span = spans.named("SELECT users");
//! assert_eq!(span.kind(), &semtrace::testing::SpanKind::Client);
//! assert_eq!(span.attr("db.system.name"), Some(&"sqlite".into()));
//! assert!(span.is_error());
//! ```
//!
//! A failed lookup panics with the whole tree of captured spans, so the test output
//! shows what arrived instead.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

pub use opentelemetry::Value;
use opentelemetry::trace::{SpanContext, SpanId, TraceId};
pub use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
pub use semtrace_semconv::live::{Finding, FindingKind};

/// Keeps what it is given.
#[derive(Debug, Clone, Default)]
struct Keep(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Keep {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }
}

fn pipeline() -> (tracing::Dispatch, crate::Guard, Keep) {
    let keep = Keep::default();
    let (dispatch, guard) = crate::Telemetry::builder("semtrace-testing")
        .env_lookup(|_| None)
        .console(false)
        .otlp_level("trace")
        .span_exporter(keep.clone())
        .build()
        .expect("the testing pipeline has no settings that can fail");
    (dispatch, guard, keep)
}

fn finish(guard: crate::Guard, keep: &Keep) -> Spans {
    // Shutting down exports every ended trace; an open span is not captured.
    let _ = guard.shutdown();
    let spans = std::mem::take(&mut *keep.0.lock().unwrap_or_else(PoisonError::into_inner));
    Spans(spans.into_iter().map(Span).collect())
}

/// Runs `f` with a capturing subscriber on this thread; returns its result and the
/// spans it produced.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Spans) {
    let (dispatch, guard, keep) = pipeline();
    let out = tracing::dispatcher::with_default(&dispatch, f);
    (out, finish(guard, &keep))
}

/// Runs `future` with a capturing subscriber (on whatever thread polls it); returns
/// its output and the spans it produced.
pub async fn capture_async<F: Future>(future: F) -> (F::Output, Spans) {
    use tracing::instrument::WithSubscriber as _;
    let (dispatch, guard, keep) = pipeline();
    let out = future.with_subscriber(dispatch).await;
    (out, finish(guard, &keep))
}

/// One captured span.
#[derive(Debug, Clone)]
pub struct Span(SpanData);

impl Span {
    /// The span's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Its kind.
    pub fn kind(&self) -> &SpanKind {
        &self.0.span_kind
    }

    /// The value of attribute `key`, typed as it would be exported.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.0
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    /// Every attribute, in the order they were set.
    pub fn attrs(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0
            .attributes
            .iter()
            .map(|kv| (kv.key.as_str(), &kv.value))
    }

    /// The status (`otel.status_code` / `otel.status_description`).
    pub fn status(&self) -> &Status {
        &self.0.status
    }

    /// Whether the status is an error.
    pub fn is_error(&self) -> bool {
        matches!(self.0.status, Status::Error { .. })
    }

    /// The names of its events, in order.
    pub fn events(&self) -> impl Iterator<Item = &str> {
        self.0.events.iter().map(|e| e.name.as_ref())
    }

    /// The span contexts it links to.
    pub fn links(&self) -> impl Iterator<Item = &SpanContext> {
        self.0.links.iter().map(|l| &l.span_context)
    }

    /// Its trace.
    pub fn trace_id(&self) -> TraceId {
        self.0.span_context.trace_id()
    }

    /// Its id.
    pub fn span_id(&self) -> SpanId {
        self.0.span_context.span_id()
    }

    /// Its parent's id, when it has a parent (local or remote).
    pub fn parent_id(&self) -> Option<SpanId> {
        (self.0.parent_span_id != SpanId::INVALID).then_some(self.0.parent_span_id)
    }

    /// The span as the OpenTelemetry SDK types it.
    pub fn data(&self) -> &SpanData {
        &self.0
    }
}

/// The spans a capture produced, in the order their traces ended.
#[derive(Debug, Clone, Default)]
pub struct Spans(Vec<Span>);

impl Spans {
    /// Every span.
    pub fn iter(&self) -> std::slice::Iter<'_, Span> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none was captured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first span named `name`.
    pub fn find(&self, name: &str) -> Option<&Span> {
        self.0.iter().find(|s| s.name() == name)
    }

    /// The one span named `name`.
    ///
    /// # Panics
    /// Unless exactly one span has that name; the message shows every captured span.
    #[track_caller]
    pub fn named(&self, name: &str) -> &Span {
        let mut found = self.0.iter().filter(|s| s.name() == name);
        match (found.next(), found.next()) {
            (Some(span), None) => span,
            (None, _) => panic!("no span named {name:?}; captured:\n{self}"),
            (Some(_), Some(_)) => panic!("more than one span named {name:?}; captured:\n{self}"),
        }
    }

    /// The parent of `span`, when it was captured too.
    pub fn parent(&self, span: &Span) -> Option<&Span> {
        let parent = span.parent_id()?;
        self.0
            .iter()
            .find(|s| s.span_id() == parent && s.trace_id() == span.trace_id())
    }

    /// The captured children of `span`.
    pub fn children<'a>(&'a self, span: &'a Span) -> impl Iterator<Item = &'a Span> + 'a {
        self.0.iter().filter(move |s| {
            s.parent_id() == Some(span.span_id()) && s.trace_id() == span.trace_id()
        })
    }

    /// Asserts that the span named `name` has attribute `key` equal to `expected`.
    ///
    /// # Panics
    /// When it does not; the message shows every captured span.
    #[track_caller]
    pub fn assert_attr(&self, name: &str, key: &str, expected: impl Into<Value>) {
        let expected = expected.into();
        let actual = self.named(name).attr(key);
        assert!(
            actual == Some(&expected),
            "span {name:?}: expected `{key}` = {expected:?}, found {actual:?}; captured:\n{self}"
        );
    }

    fn write_tree(&self, f: &mut fmt::Formatter<'_>, span: &Span, depth: usize) -> fmt::Result {
        let status = match span.status() {
            Status::Unset => String::new(),
            Status::Ok => " ok".to_owned(),
            Status::Error { description } => format!(" ERROR {description:?}"),
        };
        writeln!(
            f,
            "{:indent$}{} ({:?}){status}",
            "",
            span.name(),
            span.kind(),
            indent = depth * 2
        )?;
        for (key, value) in span.attrs() {
            writeln!(f, "{:indent$}  {key} = {value}", "", indent = depth * 2)?;
        }
        for event in span.events() {
            writeln!(f, "{:indent$}  event {event:?}", "", indent = depth * 2)?;
        }
        for child in self.children(span) {
            self.write_tree(f, child, depth + 1)?;
        }
        Ok(())
    }
}

/// The captured spans as an indented tree: name, kind, status, attributes, events.
/// Spans exported some other way (an exporter of the test's own), to assert on
/// and [`live_check`] like captured ones.
impl FromIterator<SpanData> for Spans {
    fn from_iter<I: IntoIterator<Item = SpanData>>(iter: I) -> Self {
        Self(iter.into_iter().map(Span).collect())
    }
}

impl fmt::Display for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "(no spans)");
        }
        for root in self.0.iter().filter(|s| self.parent(s).is_none()) {
            self.write_tree(f, root, 0)?;
        }
        Ok(())
    }
}

/// Checks every attribute of `spans` against the registry the macros use: the
/// OpenTelemetry conventions, semtrace's own, and — when the test runs under cargo —
/// the testing crate's `semconv/` folder. Returns the findings, named as Weaver's
/// live-check names them (`missing_attribute`, `type_mismatch`, `deprecated`,
/// `undefined_enum_variant`).
///
/// ```
/// let (_, spans) = semtrace::testing::capture(|| {
///     tracing::info_span!("GET /", "http.request.method" = 1_i64).in_scope(|| {});
/// });
/// let findings = semtrace::testing::live_check(&spans);
/// assert_eq!(findings[0].kind, semtrace::testing::FindingKind::TypeMismatch);
/// ```
///
/// # Panics
/// When the crate's `semconv/` folder holds a broken registry file.
pub fn live_check(spans: &Spans) -> Vec<Finding> {
    live_check_with(spans, crate_registry())
}

/// [`live_check`] against a registry of your choosing.
pub fn live_check_with(spans: &Spans, registry: &semtrace_semconv::Registry) -> Vec<Finding> {
    use semtrace_semconv::live::{Observed, check_attribute};
    let mut findings = Vec::new();
    for span in spans {
        for (key, value) in span.attrs() {
            let observed = match value {
                Value::String(s) => Observed::Str(s.as_str()),
                Value::I64(i) => Observed::Int(*i),
                Value::F64(f) => Observed::Double(*f),
                Value::Bool(b) => Observed::Bool(*b),
                Value::Array(opentelemetry::Array::String(_)) => Observed::StrArray,
                Value::Array(opentelemetry::Array::I64(_)) => Observed::IntArray,
                Value::Array(opentelemetry::Array::F64(_)) => Observed::DoubleArray,
                Value::Array(opentelemetry::Array::Bool(_)) => Observed::BoolArray,
                _ => Observed::Other,
            };
            check_attribute(registry, span.name(), key, observed, &mut findings);
        }
    }
    findings
}

/// The built-in registry plus the `semconv/` folder of the crate under test, loaded
/// once.
fn crate_registry() -> &'static semtrace_semconv::Registry {
    static REGISTRY: std::sync::OnceLock<semtrace_semconv::Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let builtin = semtrace_semconv::Registry::builtin();
        let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(|d| std::path::PathBuf::from(d).join("semconv"))
            .filter(|d| d.is_dir())
        else {
            return builtin;
        };
        match semtrace_semconv::load::load_dir(&dir) {
            Ok(loaded) => builtin.with_table(Vec::leak(loaded.attributes)),
            Err(e) => panic!("semtrace::testing: {e}"),
        }
    })
}

impl<'a> IntoIterator for &'a Spans {
    type Item = &'a Span;
    type IntoIter = std::slice::Iter<'a, Span>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
