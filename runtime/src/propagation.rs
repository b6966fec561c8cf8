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

/// Where trace context rides between processes: request headers, message headers,
/// RPC metadata. semtrace implements it for `http::HeaderMap`, `http::Request<_>`,
/// string maps (`HashMap` and `BTreeMap` of `String`s), header lists such as Kafka's
/// `Vec<(String, Vec<u8>)>` (any `Vec<(K, V)>` with `K: AsRef<str> + From<String>`
/// and `V: AsRef<[u8]> + From<String>`), and, with the `tonic` feature, tonic's
/// `MetadataMap` and `Request<_>`. Implement it for your own message type:
///
/// ```
/// struct Envelope { headers: Vec<(String, String)> }
///
/// impl semtrace::propagation::Carrier for Envelope {
///     fn get(&self, key: &str) -> Option<&str> {
///         self.headers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
///     }
///     fn set(&mut self, key: &str, value: String) {
///         self.headers.retain(|(k, _)| k != key);
///         self.headers.push((key.to_owned(), value));
///     }
/// }
///
/// #[semtrace::traced_messaging(system = "rabbitmq", operation = "publish", destination = "jobs", carrier = envelope)]
/// fn publish(envelope: &mut Envelope) {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry trace context",
    label = "not a carrier",
    note = "carriers are `http::HeaderMap`, `http::Request<_>`, `HashMap<String, String>`, header lists such as `Vec<(String, Vec<u8>)>`, tonic's `MetadataMap` (feature `tonic`), or types implementing `semtrace::propagation::Carrier`"
)]
pub trait Carrier {
    /// The value of `key`, when present and text.
    fn get(&self, key: &str) -> Option<&str>;
    /// Sets `key` to `value`, replacing what was there.
    fn set(&mut self, key: &str, value: String);
    /// Every key present (the default, none, is enough for W3C trace context).
    fn keys(&self) -> Vec<&str> {
        Vec::new()
    }
}

/// Writes the context of the current `tracing` span into any carrier.
pub fn inject_into<C: Carrier + ?Sized>(carrier: &mut C) {
    inject_context_into(&context_of(&tracing::Span::current()), carrier);
}

/// Writes `cx` into any carrier.
pub fn inject_context_into<C: Carrier + ?Sized>(cx: &Context, carrier: &mut C) {
    let mut injector = CarrierInjector(carrier);
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut SkipEmpty(&mut injector));
    });
}

/// Reads a remote context from any carrier (an empty context when there is none).
pub fn extract_from<C: Carrier + ?Sized>(carrier: &C) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&CarrierExtractor(carrier)))
}

struct CarrierInjector<'a, C: ?Sized>(&'a mut C);

impl<C: Carrier + ?Sized> Injector for CarrierInjector<'_, C> {
    fn set(&mut self, key: &str, value: String) {
        self.0.set(key, value);
    }
}

struct CarrierExtractor<'a, C: ?Sized>(&'a C);

impl<C: Carrier + ?Sized> Extractor for CarrierExtractor<'_, C> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys()
    }
}

impl Carrier for http::HeaderMap {
    fn get(&self, key: &str) -> Option<&str> {
        http::HeaderMap::get(self, key).and_then(|v| v.to_str().ok())
    }
    fn set(&mut self, key: &str, value: String) {
        HeaderInjector(self).set(key, value);
    }
    fn keys(&self) -> Vec<&str> {
        http::HeaderMap::keys(self)
            .map(http::HeaderName::as_str)
            .collect()
    }
}

impl<B> Carrier for http::Request<B> {
    fn get(&self, key: &str) -> Option<&str> {
        Carrier::get(self.headers(), key)
    }
    fn set(&mut self, key: &str, value: String) {
        Carrier::set(self.headers_mut(), key, value);
    }
    fn keys(&self) -> Vec<&str> {
        Carrier::keys(self.headers())
    }
}

impl<S: BuildHasher> Carrier for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key).map(String::as_str)
    }
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_owned(), value);
    }
    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
}

impl Carrier for std::collections::BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<&str> {
        std::collections::BTreeMap::get(self, key).map(String::as_str)
    }
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_owned(), value);
    }
    fn keys(&self) -> Vec<&str> {
        std::collections::BTreeMap::keys(self)
            .map(String::as_str)
            .collect()
    }
}

/// A header list, as Kafka clients give message headers: keys are compared exactly,
/// values must be UTF-8 to be read, and `set` replaces every entry of its key.
impl<K, V> Carrier for Vec<(K, V)>
where
    K: AsRef<str> + From<String>,
    V: AsRef<[u8]> + From<String>,
{
    fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == key)
            .and_then(|(_, v)| std::str::from_utf8(v.as_ref()).ok())
    }
    fn set(&mut self, key: &str, value: String) {
        self.retain(|(k, _)| k.as_ref() != key);
        self.push((K::from(key.to_owned()), V::from(value)));
    }
    fn keys(&self) -> Vec<&str> {
        self.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

#[cfg(feature = "tonic")]
mod tonic_carriers {
    use super::Carrier;

    /// gRPC metadata: ASCII entries only (binary `-bin` entries carry no trace context).
    impl Carrier for tonic::metadata::MetadataMap {
        fn get(&self, key: &str) -> Option<&str> {
            tonic::metadata::MetadataMap::get(self, key).and_then(|v| v.to_str().ok())
        }
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                tonic::metadata::MetadataValue::try_from(value),
            ) {
                self.insert(key, value);
            }
        }
        fn keys(&self) -> Vec<&str> {
            tonic::metadata::MetadataMap::keys(self)
                .filter_map(|k| match k {
                    tonic::metadata::KeyRef::Ascii(k) => Some(k.as_str()),
                    tonic::metadata::KeyRef::Binary(_) => None,
                })
                .collect()
        }
    }

    impl<T> Carrier for tonic::Request<T> {
        fn get(&self, key: &str) -> Option<&str> {
            Carrier::get(self.metadata(), key)
        }
        fn set(&mut self, key: &str, value: String) {
            Carrier::set(self.metadata_mut(), key, value);
        }
        fn keys(&self) -> Vec<&str> {
            Carrier::keys(self.metadata())
        }
    }
}

/// What a span can link to: a span context, a context, a `tracing` span, or a
/// carrier holding a remote one (`#[traced…(links = …)]` takes an iterator of these).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a span context or a carrier to link to",
    label = "not a link",
    note = "links are `SpanContext`s, `opentelemetry::Context`s, `tracing::Span`s, or carriers of trace context (`HashMap<String, String>`, `http::HeaderMap`, …)"
)]
pub trait Link {
    /// The span context to link to, when there is a valid one.
    fn span_context(&self) -> Option<opentelemetry::trace::SpanContext>;
}

fn valid(sc: opentelemetry::trace::SpanContext) -> Option<opentelemetry::trace::SpanContext> {
    sc.is_valid().then_some(sc)
}

impl<C: Carrier> Link for C {
    fn span_context(&self) -> Option<opentelemetry::trace::SpanContext> {
        valid(extract_from(self).span().span_context().clone())
    }
}

impl Link for opentelemetry::trace::SpanContext {
    fn span_context(&self) -> Option<opentelemetry::trace::SpanContext> {
        valid(self.clone())
    }
}

impl Link for Context {
    fn span_context(&self) -> Option<opentelemetry::trace::SpanContext> {
        valid(self.span().span_context().clone())
    }
}

impl Link for tracing::Span {
    fn span_context(&self) -> Option<opentelemetry::trace::SpanContext> {
        context_of(self).span_context()
    }
}
