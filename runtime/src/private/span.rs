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
