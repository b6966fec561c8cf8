//! Trace context that generated code moves between a span and carriers: a remote
//! parent read before the span starts, the span's context written into outgoing
//! headers, received messages and `links = …` as span links.

use opentelemetry::trace::SpanContext;
use tracing::Span;

use crate::propagation::{Carrier, Link};

/// Lets generated code take a carrier expression by reference whether the user wrote
/// `headers`, `&headers`, `&mut headers` or a `&mut` argument: method-call
/// resolution strips or adds the one reference, as it does for `self`.
pub trait CarrierArg {
    /// `self`, shared.
    #[inline]
    fn __semtrace_ref(&self) -> &Self {
        self
    }
    /// `self`, unique.
    #[inline]
    fn __semtrace_mut(&mut self) -> &mut Self {
        self
    }
}

impl<T: ?Sized> CarrierArg for T {}

/// While it lives, the next span this thread starts gets the remote context carried
/// by a carrier as its parent (before it starts, so the sampler decides with it).
#[derive(Debug)]
pub struct ParentScope(#[allow(dead_code)] crate::traces::layer::RemoteParent);

/// Reads `carrier` and makes its context the parent of the next span started here.
#[inline]
pub fn remote_parent<C: Carrier + ?Sized>(carrier: &C) -> ParentScope {
    ParentScope(crate::traces::layer::RemoteParent::set(
        crate::propagation::remote_context_of(carrier),
    ))
}

/// [`remote_parent`] for request headers (the HTTP and gRPC server layers).
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) fn remote_parent_headers(headers: &http::HeaderMap) -> ParentScope {
    ParentScope(crate::traces::layer::RemoteParent::set(
        crate::propagation::remote_context_of_headers(headers),
    ))
}

/// Writes `span`'s context into `carrier`, or the current span's when `span` is not
/// recorded (its level is off), so the message still carries its trace.
pub fn inject<C: Carrier + ?Sized>(span: &Span, carrier: &mut C) {
    let mut cx = crate::propagation::context_of(span);
    if !opentelemetry::trace::TraceContextExt::has_active_span(&cx) {
        cx = crate::propagation::context_of(&Span::current());
    }
    crate::propagation::inject_context_into(&cx, carrier);
}

/// Received messages' carriers: one carrier, or a batch of them (a slice, an array,
/// a `Vec`, a `VecDeque`).
pub trait Received {
    /// Calls `f` with each carrier.
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier));
}

impl<C: Carrier> Received for C {
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier)) {
        f(self);
    }
}

impl<C: Carrier> Received for [C] {
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier)) {
        for c in self {
            f(c);
        }
    }
}

impl<C: Carrier, const N: usize> Received for [C; N] {
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier)) {
        self.as_slice().each_carrier(f);
    }
}

impl<C: Carrier> Received for Vec<C> {
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier)) {
        self.as_slice().each_carrier(f);
    }
}

impl<C: Carrier> Received for std::collections::VecDeque<C> {
    fn each_carrier(&self, f: &mut dyn FnMut(&dyn Carrier)) {
        for c in self {
            f(c);
        }
    }
}

/// Links `span` to the context each received carrier holds.
pub fn link_received<R: Received + ?Sized>(span: &Span, received: &R) {
    if span.is_disabled() {
        return;
    }
    received.each_carrier(&mut |c| {
        if let Some(sc) = c.carried() {
            add_link(span, sc);
        }
    });
}

/// Links `span` to `link`'s span context, when it has a valid one.
#[inline]
pub fn link<L: Link + ?Sized>(span: &Span, link: &L) {
    if let Some(sc) = link.span_context() {
        add_link(span, sc);
    }
}

fn add_link(span: &Span, context: SpanContext) {
    crate::traces::with_record(span, |record, _| {
        if let Some(data) = record.data.as_mut() {
            data.push_link(opentelemetry::trace::Link::with_context(context));
        }
    });
}

/// The span context a carrier holds, through a trait object.
trait Carried {
    fn carried(&self) -> Option<SpanContext>;
}

impl Carried for dyn Carrier + '_ {
    fn carried(&self) -> Option<SpanContext> {
        let cx = crate::propagation::extract_from(self);
        let sc = opentelemetry::trace::TraceContextExt::span(&cx)
            .span_context()
            .clone();
        sc.is_valid().then_some(sc)
    }
}
