//! The specification's span limits as a span applies them: [`Limits`], copied into
//! each recorded span, and [`Dropped`], what a span cut. Whatever is beyond a limit
//! is never stored: a long value is cut while it is written, an event beyond the
//! count is not even read.

use std::fmt;

use crate::config::SpanLimits;

/// The limits one span applies, compact (a span carries a copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) attributes: u32,
    pub(crate) events: u32,
    pub(crate) links: u32,
    pub(crate) event_attributes: u32,
    pub(crate) link_attributes: u32,
    /// Characters of a string value; [`NO_LENGTH_LIMIT`] when unlimited.
    pub(crate) value_length: u32,
}

/// No value length limit (a span's text cannot exceed `u32::MAX` bytes anyway).
pub(crate) const NO_LENGTH_LIMIT: u32 = u32::MAX;

impl Limits {
    pub(crate) fn new(limits: &SpanLimits) -> Self {
        let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            attributes: small(limits.attribute_count),
            events: small(limits.event_count),
            links: small(limits.link_count),
            event_attributes: small(limits.event_attribute_count),
            link_attributes: small(limits.link_attribute_count),
            value_length: limits.attribute_value_length.map_or(NO_LENGTH_LIMIT, small),
        }
    }

    /// Whether string values are written as they are.
    #[inline]
    pub(crate) fn unlimited_length(self) -> bool {
        self.value_length == NO_LENGTH_LIMIT
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(&SpanLimits::default())
    }
}

/// What the limits cut from one span (kept in its `Extra`, allocated only when
/// something was cut).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub(crate) attributes: Count,
    pub(crate) events: Count,
    pub(crate) links: Count,
    /// Attributes dropped from the span's events (also in each event's own count).
    pub(crate) event_attributes: Count,
    /// Attributes dropped from the span's links (also in each link's own count).
    pub(crate) link_attributes: Count,
    /// String values cut to the length limit (span, event and link attributes).
    pub(crate) truncated: Count,
}

/// A count that stops at `u32::MAX` (a long-lived span may drop events for ever).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) u32);

impl Count {
    pub(crate) fn add(&mut self, n: u32) {
        self.0 = self.0.saturating_add(n);
    }
}

impl Dropped {
    pub(crate) fn any(&self) -> bool {
        *self != Self::default()
    }
}

/// `value` cut to `limit` characters, on a character boundary; `None` when it fits.
/// Callers test `value.len() > limit` first: a string of at most `limit` bytes has
/// at most `limit` characters.
#[cold]
pub(crate) fn cut(value: &str, limit: u32) -> Option<&str> {
    let (end, _) = value.char_indices().nth(limit as usize)?;
    Some(&value[..end])
}

/// `value` within `limit` characters, and whether it was cut.
#[inline]
pub(crate) fn within(value: &str, limit: u32) -> (&str, bool) {
    if value.len() > limit as usize
        && let Some(short) = cut(value, limit)
    {
        return (short, true);
    }
    (value, false)
}

/// A writer that keeps the first `left` characters of what is written into `out`
/// and then stops the formatting (an error ends `write!` early, so a huge `Debug`
/// value is not formatted to its end).
pub(crate) struct Capped<'a, W: fmt::Write> {
    pub(crate) out: &'a mut W,
    pub(crate) left: u32,
    pub(crate) cut: bool,
}

impl<W: fmt::Write> fmt::Write for Capped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        if s.len() <= self.left as usize {
            // At most `left` bytes: at most `left` characters.
            self.left -= u32::try_from(s.chars().count()).unwrap_or(self.left);
            return self.out.write_str(s);
        }
        match cut(s, self.left) {
            None => {
                self.left -= u32::try_from(s.chars().count()).unwrap_or(self.left);
                self.out.write_str(s)
            }
            Some(short) => {
                self.out.write_str(short)?;
                self.left = 0;
                self.cut = true;
                Err(fmt::Error)
            }
        }
    }
}

/// Writes `value`'s `Debug` form into `out`, at most `limit` characters; true when
/// it was cut.
pub(crate) fn write_debug_capped<W: fmt::Write>(
    out: &mut W,
    value: &dyn fmt::Debug,
    limit: u32,
) -> bool {
    let mut capped = Capped {
        out,
        left: limit,
        cut: false,
    };
    let _ = fmt::write(&mut capped, format_args!("{value:?}"));
    capped.cut
}

/// Cuts each string of a string array to `limit` characters; the number cut.
pub(crate) fn cut_array(array: &mut opentelemetry::Array, limit: u32) -> u32 {
    let opentelemetry::Array::String(strings) = array else {
        return 0;
    };
    let mut n = 0;
    for s in strings.iter_mut() {
        if let (short, true) = within(s.as_str(), limit) {
            *s = short.to_owned().into();
            n += 1;
        }
    }
    n
}

/// Cuts string values (and string arrays) of `attributes` to `limit` characters;
/// the number of values cut.
pub(crate) fn cut_values(attributes: &mut [opentelemetry::KeyValue], limit: u32) -> u32 {
    let mut n = 0;
    for kv in attributes {
        match &mut kv.value {
            opentelemetry::Value::String(s) => {
                if let (short, true) = within(s.as_str(), limit) {
                    *s = short.to_owned().into();
                    n += 1;
                }
            }
            opentelemetry::Value::Array(array) => n += cut_array(array, limit),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(within("héllo", 2), ("hé", true));
        assert_eq!(within("héllo", 5), ("héllo", false));
        // Five characters in more than five bytes: not cut.
        assert_eq!(within("ééééé", 5), ("ééééé", false));
        assert_eq!(within("日本語", 1), ("日", true));
        assert_eq!(within("abc", 0), ("", true));
        assert_eq!(within("", 0), ("", false));
    }

    #[test]
    fn a_capped_writer_stops_the_formatting() {
        let mut out = String::new();
        assert!(write_debug_capped(&mut out, &vec!["ab"; 1000], 7));
        assert_eq!(out, "[\"ab\", ");
        let mut out = String::new();
        assert!(!write_debug_capped(&mut out, &"é", 3));
        assert_eq!(out, "\"é\"");
        let mut out = String::new();
        assert!(write_debug_capped(&mut out, &"日本語", 2));
        assert_eq!(out, "\"日");
    }

    #[test]
    fn string_arrays_are_cut_per_string() {
        let mut array = opentelemetry::Array::String(vec!["short".into(), "a longer one".into()]);
        assert_eq!(cut_array(&mut array, 5), 1);
        assert_eq!(
            array,
            opentelemetry::Array::String(vec!["short".into(), "a lon".into()])
        );
        let mut ints = opentelemetry::Array::I64(vec![1, 2]);
        assert_eq!(cut_array(&mut ints, 0), 0);
    }
}
