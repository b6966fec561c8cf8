//! W3C Trace Context (`traceparent`, `tracestate`) and Baggage propagation.
//!
//! [`init`](crate::init) installs both as the global text-map propagator. These
//! functions use that global propagator, so they also honour one a program installs
//! itself afterwards. Spans have ids whether or not anything is exported, so a
//! propagated call joins one trace (and its log lines share a `trace_id`) even in
//! console-only mode. An empty `tracestate` is never sent.

use std::collections::HashMap;
use std::hash::BuildHasher;

use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::propagation::{Extractor, Injector, TextMapCompositePropagator};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use crate::traces::layer::RemoteContext;
use crate::traces::record::{Ids, RemoteState};

/// Installs the W3C Trace Context + Baggage propagator globally.
pub(crate) fn install() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

/// Leaves out empty values (the SDK's propagator writes an empty `tracestate`).
struct SkipEmpty<'a>(&'a mut dyn Injector);

impl Injector for SkipEmpty<'_> {
    fn set(&mut self, key: &str, value: String) {
        if !value.is_empty() {
            self.0.set(key, value);
        }
    }
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

/// The OpenTelemetry context of a `tracing` span: its span context (also when it is
/// not sampled) and the baggage its trace received. Empty for spans semtrace does
/// not record.
pub fn context_of(span: &tracing::Span) -> Context {
    match crate::traces::span_context(span) {
        Some((sc, baggage)) => {
            let cx = Context::new().with_remote_span_context(sc);
            if baggage.is_empty() {
                cx
            } else {
                cx.with_baggage(
                    baggage
                        .into_iter()
                        .collect::<opentelemetry::baggage::Baggage>(),
                )
            }
        }
        None => Context::new(),
    }
}

/// Writes the context of the current `tracing` span into `headers`.
pub fn inject(headers: &mut http::HeaderMap) {
    inject_context(&context_of(&tracing::Span::current()), headers);
}

/// Writes `cx` into `headers`.
pub fn inject_context(cx: &Context, headers: &mut http::HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut SkipEmpty(&mut HeaderInjector(headers)));
    });
}

/// Reads a remote context from `headers` (an empty context when there is none).
pub fn extract(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// Writes the context of the current `tracing` span into a string map (message
/// headers, job metadata, …).
pub fn inject_map<S: BuildHasher>(map: &mut HashMap<String, String, S>) {
    let cx = context_of(&tracing::Span::current());
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&cx, &mut SkipEmpty(map));
    });
}

/// Reads a remote context from a string map.
pub fn extract_map<S: BuildHasher>(map: &HashMap<String, String, S>) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(map))
}

/// Makes the remote context in `headers` the parent of `span`. Does nothing when the
/// headers carry no valid context, or when `span` is a child of a local span.
pub fn set_parent(span: &tracing::Span, headers: &http::HeaderMap) {
    if let Some(remote) = remote_context(&extract(headers)) {
        crate::traces::set_remote_parent(span, remote);
    }
}

/// Makes the remote context in a string map the parent of `span`.
pub fn set_parent_from_map<S: BuildHasher>(span: &tracing::Span, map: &HashMap<String, String, S>) {
    if let Some(remote) = remote_context(&extract_map(map)) {
        crate::traces::set_remote_parent(span, remote);
    }
}

/// The parts of an extracted context the pipeline keeps.
pub(crate) fn remote_context(cx: &Context) -> Option<RemoteContext> {
    let span = cx.span();
    let sc = span.span_context();
    if !sc.is_valid() {
        return None;
    }
    let baggage = cx.baggage();
    Some(RemoteContext {
        ids: Ids {
            trace: u128::from_be_bytes(sc.trace_id().to_bytes()),
            span: u64::from_be_bytes(sc.span_id().to_bytes()),
        },
        sampled: sc.is_sampled(),
        state: RemoteState {
            trace_state: sc.trace_state().clone(),
            baggage: baggage
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
    })
}
