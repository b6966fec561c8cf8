//! W3C Trace Context (`traceparent`, `tracestate`) and Baggage propagation.
//!
//! [`init`](crate::init) installs both as the global text-map propagator. These
//! functions use that global propagator, so they also honour one a program installs
//! itself afterwards.

use std::collections::HashMap;
use std::hash::BuildHasher;

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapCompositePropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Installs the W3C Trace Context + Baggage propagator globally.
pub(crate) fn install() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// Writes the context of the current `tracing` span into `headers`.
pub fn inject(headers: &mut http::HeaderMap) {
    inject_context(&tracing::Span::current().context(), headers);
}

/// Writes `cx` into `headers`.
pub fn inject_context(cx: &Context, headers: &mut http::HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut HeaderInjector(headers));
    });
}

/// Reads a remote context from `headers` (an empty context when there is none).
pub fn extract(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// Writes the context of the current `tracing` span into a string map (message
/// headers, job metadata, …).
pub fn inject_map<S: BuildHasher>(map: &mut HashMap<String, String, S>) {
    let cx = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, map));
}

/// Reads a remote context from a string map.
pub fn extract_map<S: BuildHasher>(map: &HashMap<String, String, S>) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(map))
}

/// Makes the remote context in `headers` the parent of `span`. Does nothing when the
/// headers carry no valid context, or when `span` was already started.
pub fn set_parent(span: &tracing::Span, headers: &http::HeaderMap) {
    set_parent_context(span, extract(headers));
}

/// Makes the remote context in a string map the parent of `span`.
pub fn set_parent_from_map<S: BuildHasher>(span: &tracing::Span, map: &HashMap<String, String, S>) {
    set_parent_context(span, extract_map(map));
}

fn set_parent_context(span: &tracing::Span, cx: Context) {
    use opentelemetry::trace::TraceContextExt as _;
    if cx.span().span_context().is_valid() {
        // An error only means no OpenTelemetry layer records this span.
        let _ = span.set_parent(cx);
    }
}
