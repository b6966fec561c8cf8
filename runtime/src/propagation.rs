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
use crate::traces::record::{BaggageEntries, Ids, RemoteState};

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

/// The remote context `carrier` holds, as the pipeline keeps it.
///
/// A request's `traceparent` is read on every request a server layer sees; through
/// the propagator it is split into a `Vec`, parsed, made a `Context` and taken
/// apart again (a profile of the HTTP server layer put it at an eighth of the
/// request's cost). When the global propagator is W3C Trace Context (with or
/// without Baggage) and the carrier has no `baggage`, a well-formed version-00
/// `traceparent` is parsed here instead, to the same result; anything else goes
/// through the propagator.
pub(crate) fn remote_context_of<C: Carrier + ?Sized>(carrier: &C) -> Option<RemoteContext> {
    let get = |field: W3c| carrier.get(field.name());
    if get(W3c::Baggage).is_none()
        && global_is_w3c()
        && let Fast::Decided(remote) = w3c_decide(get)
    {
        return remote;
    }
    remote_context(&extract_from(carrier))
}

/// [`remote_context_of`] for request headers: the header names are made once, not
/// parsed from text on every lookup.
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) fn remote_context_of_headers(headers: &http::HeaderMap) -> Option<RemoteContext> {
    static NAMES: [http::HeaderName; 3] = [
        http::HeaderName::from_static("traceparent"),
        http::HeaderName::from_static("tracestate"),
        http::HeaderName::from_static("baggage"),
    ];
    let get = |field: W3c| {
        headers
            .get(&NAMES[field as usize])
            .and_then(|v| v.to_str().ok())
    };
    if get(W3c::Baggage).is_none()
        && global_is_w3c()
        && let Fast::Decided(remote) = w3c_decide(get)
    {
        return remote;
    }
    remote_context(&extract(headers))
}

/// The headers of W3C Trace Context and Baggage.
#[derive(Clone, Copy)]
enum W3c {
    TraceParent = 0,
    TraceState = 1,
    Baggage = 2,
}

impl W3c {
    fn name(self) -> &'static str {
        match self {
            Self::TraceParent => "traceparent",
            Self::TraceState => "tracestate",
            Self::Baggage => "baggage",
        }
    }
}

/// What the fast path of [`remote_context_of`] made of a carrier.
enum Fast {
    /// The carrier's remote context, or that it has none.
    Decided(Option<RemoteContext>),
    /// A form the propagator has to read.
    Undecided,
}

/// The fast path of [`remote_context_of`], once the propagator is known to be W3C's.
#[cfg(test)]
fn w3c_parse<C: Carrier + ?Sized>(carrier: &C) -> Fast {
    w3c_decide(|field: W3c| carrier.get(field.name()))
}

/// The fast path of [`remote_context_of`] over a lookup of the W3C headers.
fn w3c_decide<'a>(get: impl Fn(W3c) -> Option<&'a str>) -> Fast {
    let Some(header) = get(W3c::TraceParent) else {
        return Fast::Decided(None);
    };
    let Some((trace, span, flags)) = parse_traceparent(header.trim()) else {
        return Fast::Undecided;
    };
    if trace == 0 || span == 0 {
        return Fast::Decided(None);
    }
    let trace_state = get(W3c::TraceState)
        .map(|s| {
            s.parse::<opentelemetry::trace::TraceState>()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Fast::Decided(Some(RemoteContext {
        ids: Ids { trace, span },
        sampled: flags & 1 == 1,
        state: RemoteState {
            trace_state,
            baggage: BaggageEntries::default(),
        },
    }))
}

/// Whether the global propagator reads W3C Trace Context and at most Baggage
/// besides (its fields say so): semtrace's default, or the same installed again.
fn global_is_w3c() -> bool {
    opentelemetry::global::get_text_map_propagator(|p| {
        let mut trace_context = false;
        for field in p.fields() {
            match field {
                "traceparent" => trace_context = true,
                "tracestate" | "baggage" => {}
                _ => return false,
            }
        }
        trace_context
    })
}

/// A version-00 `traceparent` exactly as the W3C spec writes it
/// (`00-{32 hex}-{16 hex}-{2 hex}`, lower case): its trace id, span id and flags.
/// `None` for anything else (the propagator then decides).
fn parse_traceparent(header: &str) -> Option<(u128, u64, u8)> {
    let b = header.as_bytes();
    if b.len() != 55 || &b[..3] != b"00-" || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let trace = hex(&b[3..35])?;
    let span = u64::try_from(hex(&b[36..52])?).ok()?;
    let flags = u8::try_from(hex(&b[53..55])?).ok()?;
    Some((trace, span, flags))
}

/// Lower-case hex digits as a number (at most 32 of them).
fn hex(bytes: &[u8]) -> Option<u128> {
    let mut v: u128 = 0;
    for &c in bytes {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u128::from(d);
    }
    Some(v)
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

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::propagation::TextMapPropagator as _;

    /// What the SDK's propagators make of `carrier`.
    fn through_sdk(carrier: &HashMap<String, String>) -> Option<RemoteContext> {
        let propagator = TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]);
        remote_context(&propagator.extract(carrier))
    }

    fn same(a: Option<&RemoteContext>, b: Option<&RemoteContext>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.ids.trace == b.ids.trace
                    && a.ids.span == b.ids.span
                    && a.sampled == b.sampled
                    && a.state.trace_state.header() == b.state.trace_state.header()
                    && a.state.baggage == b.state.baggage
            }
            _ => false,
        }
    }

    /// Every header the fast path decides, it decides as the SDK does: a valid one
    /// with every single-character change, lengths off by one, other versions, zero
    /// ids, with and without a (valid or broken) `tracestate`.
    #[test]
    fn the_fast_path_agrees_with_the_sdk() {
        let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let mut headers = vec![
            valid.to_owned(),
            format!(" {valid} "),
            valid.replace("-01", "-00"),
            valid.replace("-01", "-03"),
            valid.replace("00-", "01-"),
            valid.replace("00-", "ff-"),
            format!("{valid}-extra"),
            valid[..54].to_owned(),
            format!("{valid}0"),
            "00-00000000000000000000000000000000-b7ad6b7169203331-01".to_owned(),
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01".to_owned(),
            String::new(),
        ];
        for i in 0..valid.len() {
            for c in ['0', '9', 'a', 'f', 'g', 'A', 'F', '-', ' ', '+', 'é'] {
                let mut h = valid.to_owned();
                h.replace_range(i..=i, &c.to_string());
                headers.push(h);
            }
        }
        let mut decided = 0;
        for header in &headers {
            for state in [None, Some("vendor=opaque,other=x"), Some("bad state!")] {
                let mut carrier = HashMap::new();
                carrier.insert("traceparent".to_owned(), header.clone());
                if let Some(state) = state {
                    carrier.insert("tracestate".to_owned(), state.to_owned());
                }
                if let Fast::Decided(fast) = w3c_parse(&carrier) {
                    decided += 1;
                    assert!(
                        same(fast.as_ref(), through_sdk(&carrier).as_ref()),
                        "{header:?} {state:?}"
                    );
                }
            }
        }
        assert!(
            decided > 100,
            "the fast path decides the common forms: {decided}"
        );
        // No header: no parent, either way.
        assert!(matches!(
            w3c_parse(&HashMap::<String, String>::new()),
            Fast::Decided(None)
        ));
    }
}
