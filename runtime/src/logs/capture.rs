//! An event into a log record, on the application thread: the current span's ids,
//! the severity, the message and the fields, typed, written straight into the
//! thread's batch within the limits ([`Capture`]).
//!
//! The span limits apply: beyond `attribute_count` fields are counted and not read,
//! string values (and the message) are cut to `attribute_value_length` characters,
//! and to [`MAX_VALUE_CHARS`] when no length limit is set, so one huge message
//! cannot pin megabytes in the queue.

use std::fmt;
use std::sync::Arc;

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata};
use tracing_log::NormalizeEvent as _;

use super::record::{LogBatch, Row, severity};
use crate::control::levels::LevelFilter;
use crate::store::{EventSink, SpanIds};
use crate::traces::limits::{Limits, write_debug_capped};
use crate::traces::queue::Queue;
use crate::traces::record::{Name, Text, Val};
use crate::traces::stats::LocalCounters;

/// The most characters a log record keeps of one value when the span limits set no
/// value length.
pub(crate) const MAX_VALUE_CHARS: u32 = 32 * 1024;

/// Where [`LimitCounts`](crate::LimitCounts)-style counts go in the thread's
/// counters: attributes, and truncated values.
const LIMITED_ATTRIBUTES: usize = 0;
const LIMITED_TRUNCATED: usize = 5;

/// Turns events into log records in the log queue.
#[derive(Debug)]
pub(crate) struct Capture {
    pub(crate) queue: Arc<Queue<LogBatch>>,
    pub(crate) filter: LevelFilter,
    /// Adds `code.file.path` and `code.line.number`.
    pub(crate) code: bool,
    /// Attributes per record.
    pub(crate) attributes: u32,
    /// Characters per value.
    pub(crate) value_length: u32,
}

impl Capture {
    pub(crate) fn new(
        queue: Arc<Queue<LogBatch>>,
        filter: LevelFilter,
        code: bool,
        limits: Limits,
    ) -> Self {
        Self {
            queue,
            filter,
            code,
            attributes: limits.attributes,
            value_length: limits.value_length.min(MAX_VALUE_CHARS),
        }
    }
}

impl EventSink for Capture {
    #[inline]
    fn wants(&self, meta: &Metadata<'_>) -> bool {
        self.filter.wants(meta)
    }

    fn event(&self, event: &Event<'_>, span: Option<SpanIds>) {
        let time = crate::clock::now_nanos();
        self.queue.with_local(|local| {
            self.queue.submit_with(local, |batch| {
                self.write(batch, event, span, time, &local.counters);
            });
        });
    }
}

impl Capture {
    /// Appends `event`'s record to `batch`.
    fn write(
        &self,
        batch: &mut LogBatch,
        event: &Event<'_>,
        span: Option<SpanIds>,
        time: u64,
        counters: &LocalCounters,
    ) {
        let text = u32::try_from(batch.text.len()).unwrap_or(u32::MAX);
        let attrs = u32::try_from(batch.attrs.len()).unwrap_or(u32::MAX);
        // A `log` record: its own target, file and line, not the bridge's.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut writer = Writer {
            batch,
            text,
            room: self.attributes,
            value_length: self.value_length,
            from_log: normalized.is_some(),
            body: None,
            dropped: 0,
            truncated: 0,
        };
        event.record(&mut writer);
        if self.code {
            if let Some(file) = meta.file() {
                let value = writer.string(file);
                writer.push("code.file.path", value);
            }
            if let Some(line) = meta.line() {
                writer.push("code.line.number", Val::I64(i64::from(line)));
            }
        }
        let scope = if normalized.is_some() {
            Name::Text(writer.text(meta.target()).0)
        } else {
            Name::Static(event.metadata().target())
        };
        let (body, dropped, truncated) = (writer.body, writer.dropped, writer.truncated);
        let count = u32::try_from(batch.attrs.len()).unwrap_or(u32::MAX) - attrs;
        let (trace, span, flags) =
            span.map_or((0, 0, 0), |s| (s.trace, s.span, u8::from(s.sampled)));
        batch.rows.push(Row {
            time,
            trace,
            span,
            flags,
            severity: severity(*meta.level()),
            scope,
            body,
            text,
            attrs: (attrs, count),
            dropped_attributes: dropped,
        });
        if dropped > 0 || truncated > 0 {
            LocalCounters::add(&counters.limited[LIMITED_ATTRIBUTES], u64::from(dropped));
            LocalCounters::add(&counters.limited[LIMITED_TRUNCATED], u64::from(truncated));
        }
    }
}

/// Visits an event's fields into the batch.
struct Writer<'b> {
    batch: &'b mut LogBatch,
    /// Where this record's text starts.
    text: u32,
    /// Attributes that may still be added.
    room: u32,
    value_length: u32,
    /// The event came through the `log` bridge: its `log.*` fields are metadata.
    from_log: bool,
    body: Option<Text>,
    dropped: u32,
    truncated: u32,
}

/// The batch's text as a `fmt::Write` target.
struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Writer<'_> {
    fn offset(&self) -> u32 {
        u32::try_from(self.batch.text.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(self.text)
    }

    /// `value` into the text, cut to the length limit; and whether it was cut.
    fn text(&mut self, value: &str) -> (Text, bool) {
        let (value, cut) = crate::traces::limits::within(value, self.value_length);
        let start = self.offset();
        self.batch.text.extend_from_slice(value.as_bytes());
        let len = u32::try_from(value.len()).unwrap_or(0);
        if cut {
            self.truncated += 1;
        }
        (Text::new(start, len), cut)
    }

    fn string(&mut self, value: &str) -> Val {
        Val::Str(self.text(value).0)
    }

    /// `value`'s `Debug` form into the text, cut to the length limit.
    fn debug(&mut self, value: &dyn fmt::Debug) -> Text {
        let start = self.offset();
        let cut = write_debug_capped(&mut Bytes(&mut self.batch.text), value, self.value_length);
        if cut {
            self.truncated += 1;
        }
        Text::new(start, self.offset() - start)
    }

    /// Whether one more attribute fits; counts it as dropped when not.
    fn take_room(&mut self, field: &Field) -> bool {
        if self.from_log && field.name().starts_with("log.") {
            return false;
        }
        if self.room == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        self.room -= 1;
        true
    }

    fn push(&mut self, key: &'static str, value: Val) {
        if self.room == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        self.room -= 1;
        self.batch.attrs.push((key, value));
    }
}

impl Visit for Writer<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.take_room(field) {
            self.batch.attrs.push((field.name(), Val::I64(value)));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(value) => self.record_i64(field, value),
            Err(_) => self.record_debug(field, &value),
        }
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        match i64::try_from(value) {
            Ok(value) => self.record_i64(field, value),
            Err(_) => self.record_debug(field, &value),
        }
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        match i64::try_from(value) {
            Ok(value) => self.record_i64(field, value),
            Err(_) => self.record_debug(field, &value),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.take_room(field) {
            self.batch.attrs.push((field.name(), Val::F64(value)));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.take_room(field) {
            self.batch.attrs.push((field.name(), Val::Bool(value)));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.body = Some(self.text(value).0);
        } else if self.take_room(field) {
            let value = self.string(value);
            self.batch.attrs.push((field.name(), value));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.take_room(field) {
            let value = self.debug(&format_args!("{value}"));
            self.batch.attrs.push((field.name(), Val::Str(value)));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.body = Some(self.debug(value));
        } else if self.take_room(field) {
            let value = self.debug(value);
            self.batch.attrs.push((field.name(), Val::Str(value)));
        }
    }
}

/// Checks the writer's cuts without a queue.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let mut batch = LogBatch::default();
        let mut writer = Writer {
            batch: &mut batch,
            text: 0,
            room: 1,
            value_length: 3,
            from_log: false,
            body: None,
            dropped: 0,
            truncated: 0,
        };
        let (text, cut) = writer.text("日本語のテキスト");
        assert!(cut);
        assert_eq!(text.of(&batch.text), "日本語");
    }
}
