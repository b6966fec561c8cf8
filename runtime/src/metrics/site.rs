//! A call site's metric as the macro writes it: a `static` with the metric's name,
//! unit, description and the attributes known at compile time. A leaf: the
//! recorder ([`super::recorder`]) keeps the per-site state behind it.

use std::sync::atomic::{AtomicUsize, Ordering};

use opentelemetry::KeyValue;

/// A value known at compile time.
#[derive(Debug, Clone, Copy)]
pub enum StaticValue {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Bool(bool),
}

impl StaticValue {
    pub(crate) fn key_value(self, key: &'static str) -> KeyValue {
        match self {
            Self::Str(s) => KeyValue::new(key, s),
            Self::Int(i) => KeyValue::new(key, i),
            Self::Double(d) => KeyValue::new(key, d),
            Self::Bool(b) => KeyValue::new(key, b),
        }
    }
}

/// The unit a call's duration is recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// `s`
    Seconds,
    /// `ms`
    Millis,
}

/// A call site's metric. Written by the macros as a `static`.
#[derive(Debug)]
pub struct MetricSite {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) time_unit: TimeUnit,
    pub(crate) description: &'static str,
    pub(crate) attributes: &'static [(&'static str, StaticValue)],
    /// The slot of this site in every recorder, plus one; 0 until first used.
    index: AtomicUsize,
}

impl MetricSite {
    /// A site recording `name` (a histogram in `unit`) with `attributes`.
    pub const fn new(
        name: &'static str,
        unit: &'static str,
        time_unit: TimeUnit,
        description: &'static str,
        attributes: &'static [(&'static str, StaticValue)],
    ) -> Self {
        Self {
            name,
            unit,
            time_unit,
            description,
            attributes,
            index: AtomicUsize::new(0),
        }
    }

    #[inline]
    pub(crate) fn index(&self) -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let i = self.index.load(Ordering::Relaxed);
        if i != 0 {
            return i - 1;
        }
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .index
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh - 1,
            Err(won) => won - 1,
        }
    }
}

/// The boundaries the HTTP and database conventions advise for durations in seconds.
pub(crate) const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
