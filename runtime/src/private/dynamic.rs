//! Metric attributes known only per call (`db.collection.name = %table`, a client's
//! server found in its URL): generated code evaluates the field once, hands the span
//! its value, and keeps a [`MetricValue`] for the call's metric when the call is
//! timed.
//!
//! Text is interned, so a metric's bound attribute sets can hold it as
//! `&'static str` and a call finds its bound set without allocating: up to
//! [`INTERNED`] distinct texts per process, each thread remembering its
//! [`RECENT`] latest. Past that, a value is recorded as owned text (its metric then
//! records without a bound set). Per-call attributes of a metric should have few
//! values, as the conventions ask.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::{Mutex, PoisonError};

/// Distinct texts interned per process.
const INTERNED: usize = 4096;
/// Texts a thread remembers, most recent first.
const RECENT: usize = 8;
/// The longest text formatted from a `Display` value.
const PREFIX: usize = 512;

/// A per-call attribute value for a call's metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MetricValue {
    /// Not known (the call is not timed, or the value was `None`).
    #[default]
    None,
    /// A string.
    Str(Cow<'static, str>),
    /// An int.
    Int(i64),
}

impl MetricValue {
    /// Text, when the call is timed.
    #[inline]
    pub fn text(text: Option<&str>, timed: bool) -> Self {
        match text {
            Some(text) if timed => Self::Str(intern(text)),
            _ => Self::None,
        }
    }

    /// An int, when the call is timed.
    #[inline]
    pub fn int(value: Option<i64>, timed: bool) -> Self {
        match value {
            Some(v) if timed => Self::Int(v),
            _ => Self::None,
        }
    }
}

/// `key = %value` for a per-call metric attribute: the span's value, and the text
/// for the metric when the call is timed. The span's value does not name `T`, so a
/// value that is not `Display` gets one error, at this call on the user's field.
#[inline]
pub fn metric_display<T: fmt::Display>(
    value: &T,
    timed: bool,
) -> (tracing::field::DisplayValue<&dyn fmt::Display>, MetricValue) {
    let metric = if timed {
        Prefix::of(value).with_text(|text| MetricValue::text(Some(text), true))
    } else {
        MetricValue::None
    };
    (tracing::field::display(value), metric)
}

/// A fixed buffer a `Display` value is formatted into, keeping what fits.
pub(super) struct Prefix {
    bytes: [u8; PREFIX],
    len: usize,
}

impl Prefix {
    /// `value` formatted, cut at [`PREFIX`] bytes.
    pub(super) fn of<T: fmt::Display + ?Sized>(value: &T) -> Self {
        let mut prefix = Self {
            bytes: [0; PREFIX],
            len: 0,
        };
        let _ = write!(prefix, "{value}");
        prefix
    }

    /// Runs `f` on the text (cut before a character the buffer cut through).
    pub(super) fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        let bytes = &self.bytes[..self.len];
        match std::str::from_utf8(bytes) {
            Ok(text) => f(text),
            Err(e) => f(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()),
        }
    }
}

impl fmt::Write for Prefix {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(PREFIX - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() { Err(fmt::Error) } else { Ok(()) }
    }
}

thread_local! {
    static RECENT_TEXTS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Every interned text.
static ALL: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// `text` as `&'static str` (a thread's recent texts first, then the process's), or
/// owned once the process has interned [`INTERNED`].
pub(super) fn intern(text: &str) -> Cow<'static, str> {
    let recent = RECENT_TEXTS
        .try_with(|r| {
            let mut r = r.borrow_mut();
            let i = r.iter().position(|t| *t == text)?;
            let found = r[i];
            // Most recent first, so a thread using a few values finds them at once.
            r[..=i].rotate_right(1);
            Some(found)
        })
        .ok()
        .flatten();
    if let Some(found) = recent {
        return Cow::Borrowed(found);
    }
    let interned = {
        let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
        let all = all.get_or_insert_with(HashSet::new);
        match all.get(text) {
            Some(found) => Some(*found),
            None if all.len() < INTERNED => {
                let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
                all.insert(leaked);
                Some(leaked)
            }
            None => None,
        }
    };
    let Some(interned) = interned else {
        return Cow::Owned(text.to_owned());
    };
    let _ = RECENT_TEXTS.try_with(|r| {
        let mut r = r.borrow_mut();
        if r.len() == RECENT {
            r.pop();
        }
        r.insert(0, interned);
    });
    Cow::Borrowed(interned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_interned_once() {
        let a = intern("interned-once.example");
        let b = std::thread::spawn(|| intern("interned-once.example"))
            .join()
            .unwrap();
        match (a, b) {
            (Cow::Borrowed(a), Cow::Borrowed(b)) => assert!(std::ptr::eq(a, b)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_only_for_timed_calls() {
        assert_eq!(MetricValue::text(Some("users"), false), MetricValue::None);
        assert_eq!(
            MetricValue::text(Some("users"), true),
            MetricValue::Str(Cow::Borrowed("users"))
        );
        assert_eq!(MetricValue::int(Some(5432), true), MetricValue::Int(5432));
        assert_eq!(MetricValue::int(None, true), MetricValue::None);
        let (_, m) = metric_display(&format_args!("{}-{}", "orders", 7), true);
        assert_eq!(m, MetricValue::Str(Cow::Borrowed("orders-7")));
        let long = "€".repeat(400);
        let (_, m) = metric_display(&long, true);
        let MetricValue::Str(text) = m else { panic!() };
        assert_eq!(
            text.len(),
            510,
            "cut before the character the buffer cut through"
        );
    }
}
