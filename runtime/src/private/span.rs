//! An annotated function's span, made with `tracing::span!`'s own steps, except that
//! a field declared for later (`Empty`: status, error type, fields set by
//! `record!`) has no value at all in the span's value set instead of an `Empty`
//! one. A `#[traced_task]` span declares a dozen fields and starts with two or
//! three; every layer visiting its values made a call per declared field, and
//! the value set's own walk passed over every declared field.

use tracing::callsite::{Callsite as _, DefaultCallsite};
use tracing::field::{Field, Value};
use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
use tracing::{Level, Span, dispatcher};

/// Whether a span of `callsite` is wanted now, decided as `tracing::span!` decides:
/// the compile-time and current maximum levels, the callsite's cached interest, and
/// the subscriber when the interest is "sometimes".
#[inline]
#[must_use]
pub fn span_enabled(callsite: &'static DefaultCallsite, level: Level) -> bool {
    if !(level <= STATIC_MAX_LEVEL && level <= LevelFilter::current()) {
        return false;
    }
    let interest = callsite.interest();
    !interest.is_never()
        && (interest.is_always()
            || dispatcher::get_default(|current| current.enabled(callsite.metadata())))
}

/// A new span of `callsite` with `values` for its first `N` fields, in order (the
/// fields that start with a value come first; the rest are declared for later).
///
/// # Panics
/// When the callsite declares fewer than `N` fields: generated code never does.
#[inline]
#[must_use]
pub fn new_span<const N: usize>(
    callsite: &'static DefaultCallsite,
    values: [&dyn Value; N],
) -> Span {
    let meta = callsite.metadata();
    let fieldset = meta.fields();
    let mut names = fieldset.iter();
    let fields: [Field; N] =
        std::array::from_fn(|_| names.next().expect("a field for every value"));
    let pairs: [(&Field, Option<&dyn Value>); N] =
        std::array::from_fn(|i| (&fields[i], Some(values[i])));
    Span::new(meta, &fieldset.value_set(&pairs))
}

/// The span of `callsite` when it is not wanted.
#[inline]
#[must_use]
pub fn disabled_span(callsite: &'static DefaultCallsite) -> Span {
    Span::new_disabled(callsite.metadata())
}

/// The target and name of `semtrace::http::ServerLayer`'s span for a request.
pub(crate) const LAYER_SERVER_TARGET: &str = "semtrace::http";
/// See [`LAYER_SERVER_TARGET`].
pub(crate) const LAYER_SERVER_NAME: &str = "HTTP request";

/// The current span when it is `semtrace::http::ServerLayer`'s span for the
/// request being handled: a `#[traced_http]` server function adds to it rather
/// than making a second server span. `None` at once when no level is on (no
/// subscriber), so the disabled path does not look for the current span.
#[inline]
#[must_use]
pub fn layer_server_span() -> Option<Span> {
    if LevelFilter::current() == LevelFilter::OFF {
        return None;
    }
    layer_server_span_slow()
}

#[inline(never)]
fn layer_server_span_slow() -> Option<Span> {
    let current = Span::current();
    let meta = current.metadata()?;
    (meta.target() == LAYER_SERVER_TARGET && meta.name() == LAYER_SERVER_NAME).then_some(current)
}

/// Adds a `#[traced_http]` function's starting fields to the layer's span it
/// adopted (`values` for the first `N` fields of `callsite`, as in [`new_span`]).
/// Its `otel.kind` is the layer's already; its name replaces the layer's only
/// when it states a route (`{method} {route}`).
pub fn adopt_fields<const N: usize>(
    span: &Span,
    callsite: &'static DefaultCallsite,
    values: [&dyn Value; N],
) {
    if span.is_disabled() {
        return;
    }
    let meta = callsite.metadata();
    let names = meta.fields().iter().take(N).map(|f| f.name());
    let states_route = meta
        .fields()
        .iter()
        .take(N)
        .any(|f| f.name() == "http.route");
    for (name, value) in names.zip(values) {
        match name {
            "otel.kind" => {}
            "otel.name" if !states_route => {}
            _ => super::record(span, name, value),
        }
    }
    if states_route
        && meta
            .fields()
            .field("otel.name")
            .is_none_or(|f| f.index() >= N)
    {
        span.record("otel.name", meta.name());
    }
}
