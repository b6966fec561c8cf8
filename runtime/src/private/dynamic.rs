//! Metric attributes known only per call (`db.collection.name = %table`, a client's
//! server found in its URL): generated code evaluates the field once, hands the span
//! its value, and keeps a [`MetricValue`] for the call's metric when the call is
//! timed.
//!
use std::fmt::{self, Write as _};

use crate::metrics::value::MetricValue;

/// The longest text formatted from a `Display` value.
const PREFIX: usize = 512;

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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

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
