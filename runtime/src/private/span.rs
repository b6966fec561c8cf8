//! An annotated function's span, made with `tracing::span!`'s own steps, except that
//! a field declared for later (`Empty`: status, error type, fields set by
//! `record!`) has no value at all in the span's value set instead of an `Empty`
//! one. A `#[traced_task]` span declares a dozen fields and starts with two or
//! three; every layer visiting its values made a call per declared field.

use tracing::callsite::{Callsite as _, DefaultCallsite};
use tracing::field::Value;
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

/// A new span of `callsite` with `values`, one per declared field in order (`None`
/// for a field declared for later).
#[inline]
#[must_use]
pub fn new_span(callsite: &'static DefaultCallsite, values: &[Option<&dyn Value>]) -> Span {
    let meta = callsite.metadata();
    Span::new(meta, &meta.fields().value_set_all(values))
}

/// The span of `callsite` when it is not wanted.
#[inline]
#[must_use]
pub fn disabled_span(callsite: &'static DefaultCallsite) -> Span {
    Span::new_disabled(callsite.metadata())
}
