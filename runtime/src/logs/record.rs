//! What the log pipeline keeps of an event: one [`Row`] per record in a columnar
//! [`LogBatch`] (attributes and text shared by the batch's records), written
//! straight into the thread's batch while the event is visited (`capture.rs`), so
//! an event costs no allocation of its own.

use std::cell::RefCell;
use std::thread::LocalKey;

use crate::traces::queue::{Batched, Locals};
use crate::traces::record::{Name, Text, Val};

/// A batch this large in text or attributes per record is not kept for reuse.
const SPARE_TEXT_PER_RECORD: usize = 512;
const SPARE_ATTRS_PER_RECORD: usize = 16;

/// One log record (read by the OTLP request builder, which needs a protocol feature).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json")),
    allow(dead_code)
)]
pub(crate) struct Row {
    /// When the event happened (and was observed), Unix nanoseconds.
    pub(crate) time: u64,
    /// The current span's trace and span ids; zero outside every span.
    pub(crate) trace: u128,
    pub(crate) span: u64,
    /// W3C trace flags: 1 when the span is sampled.
    pub(crate) flags: u8,
    /// The OpenTelemetry severity number (1, 5, 9, 13, 17 for TRACE ..= ERROR).
    pub(crate) severity: u8,
    /// The instrumentation scope: the event's target.
    pub(crate) scope: Name,
    /// The message.
    pub(crate) body: Option<Text>,
    /// Where the record's text starts in the batch's text.
    pub(crate) text: u32,
    /// Its attributes in the batch's: start and count.
    pub(crate) attrs: (u32, u32),
    /// Attributes beyond the attribute count limit.
    pub(crate) dropped_attributes: u32,
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
impl Row {
    /// The severity text of the record's severity number.
    pub(crate) fn severity_text(&self) -> &'static str {
        match self.severity {
            1 => "TRACE",
            5 => "DEBUG",
            9 => "INFO",
            13 => "WARN",
            _ => "ERROR",
        }
    }
}

/// The OpenTelemetry severity number of a `tracing` level, as the specification
/// maps them.
pub(crate) fn severity(level: tracing::Level) -> u8 {
    match level {
        tracing::Level::TRACE => 1,
        tracing::Level::DEBUG => 5,
        tracing::Level::INFO => 9,
        tracing::Level::WARN => 13,
        tracing::Level::ERROR => 17,
    }
}

/// Log records on their way to the exporter.
#[derive(Debug, Default)]
pub(crate) struct LogBatch {
    pub(crate) rows: Vec<Row>,
    pub(crate) attrs: Vec<(&'static str, Val)>,
    /// UTF-8 text of the records' bodies, scopes and string values.
    pub(crate) text: Vec<u8>,
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
impl LogBatch {
    /// The text a record's [`Text`]s point into.
    pub(crate) fn text_of(&self, row: &Row) -> &[u8] {
        self.text.get(row.text as usize..).unwrap_or_default()
    }

    /// A record's attributes.
    pub(crate) fn attrs_of(&self, row: &Row) -> &[(&'static str, Val)] {
        let (start, len) = (row.attrs.0 as usize, row.attrs.1 as usize);
        self.attrs.get(start..start + len).unwrap_or_default()
    }

    /// A record's scope name.
    pub(crate) fn scope_of<'a>(&'a self, row: &Row) -> &'a str {
        match row.scope {
            Name::Static(name) => name,
            Name::Text(t) => t.of(self.text_of(row)),
        }
    }
}

thread_local! {
    /// This thread's buffer for each live log queue (usually one).
    static LOCAL: Locals<LogBatch> = const { RefCell::new(Vec::new()) };
}

impl Batched for LogBatch {
    const NOUN: &'static str = "log record";

    #[inline]
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn with_capacity(items: usize) -> Self {
        Self {
            rows: Vec::with_capacity(items),
            attrs: Vec::with_capacity(items * 2),
            text: Vec::with_capacity(items * 64),
        }
    }

    #[inline]
    fn unallocated(&self) -> bool {
        self.rows.capacity() == 0
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.attrs.clear();
        self.text.clear();
    }

    fn append(&mut self, other: Self) {
        let text_by = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let attrs_by = u32::try_from(self.attrs.len()).unwrap_or(u32::MAX);
        self.text.extend_from_slice(&other.text);
        self.attrs.extend_from_slice(&other.attrs);
        self.rows.extend(other.rows.into_iter().map(|mut r| {
            r.text += text_by;
            r.attrs.0 += attrs_by;
            r
        }));
    }

    fn too_large_to_keep(&self, items: usize) -> bool {
        self.text.capacity() > items.saturating_mul(SPARE_TEXT_PER_RECORD)
            || self.attrs.capacity() > items.saturating_mul(SPARE_ATTRS_PER_RECORD)
    }

    #[inline]
    fn locals() -> &'static LocalKey<Locals<Self>> {
        &LOCAL
    }
}
