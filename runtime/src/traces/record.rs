//! What the pipeline keeps per span, laid out so that the application thread
//! allocates as little as possible and frees what it allocates itself: attribute
//! values sit inline (strings in one text buffer per span), ended spans are copied
//! into a thread's [`Batch`] (three vectors per batch, not a heap object per span),
//! and only the exporter thread builds OpenTelemetry's own types from them.

use std::fmt::{self, Write as _};

use opentelemetry::trace::{Event, Link, SpanKind, TraceState};
use opentelemetry::{Key, KeyValue};

use super::limits::{self, Dropped, Limits};

/// The ids of a span, as W3C trace context carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ids {
    pub(crate) trace: u128,
    pub(crate) span: u64,
}

/// Stored in the registry's extensions of every span the pipeline sees.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) ids: Ids,
    /// 0 when the span is a root.
    pub(crate) parent: u64,
    pub(crate) parent_remote: bool,
    pub(crate) sampled: bool,
    /// Recorded while the head decision said no, for the decision when the local
    /// root ends (errors, latency: `[sampling.tail]`).
    pub(crate) provisional: bool,
    /// Local roots, with latency-triggered sampling on: start, in the sampler's
    /// clock (Unix nanos).
    pub(crate) started_ns: u64,
    /// The local root's id in the registry; `None` for a local root itself.
    pub(crate) root: Option<tracing::span::Id>,
    /// Present while the span is sampled and an exporter runs (boxed: one
    /// allocation the closing thread frees, instead of copying it around).
    pub(crate) data: Option<Box<Live>>,
    /// Local roots only: what the trace carries in from a remote parent.
    pub(crate) remote: Option<Box<RemoteState>>,
}

/// Baggage entries as kept (the SDK's `Baggage` cannot be cloned).
pub(crate) type BaggageEntries = Vec<(
    Key,
    (
        opentelemetry::StringValue,
        opentelemetry::baggage::BaggageMetadata,
    ),
)>;

/// State a local root inherits from a remote parent.
#[derive(Debug, Default, Clone)]
pub(crate) struct RemoteState {
    pub(crate) trace_state: TraceState,
    pub(crate) baggage: BaggageEntries,
}

/// A range of a span's text (in a [`Batch`], from the span's [`Finished::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    start: u32,
    len: u32,
}

impl Text {
    /// `len` bytes from `start` of an item's text.
    pub(crate) fn new(start: u32, len: u32) -> Self {
        Self { start, len }
    }

    /// The text in `text`: validated here, on the exporter thread, not when the
    /// application thread copies it (only whole `str`s are ever written).
    pub(crate) fn of(self, text: &[u8]) -> &str {
        let start = self.start as usize;
        text.get(start..start + self.len as usize)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or_default()
    }
}

/// An attribute value, stored without a heap object of its own.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val {
    I64(i64),
    F64(f64),
    Bool(bool),
    Str(Text),
    /// Index into the span's [`Extra::arrays`].
    Array(u32),
}

/// The span's name: the callsite's, or one given at run time (`otel.name`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Name {
    Static(&'static str),
    Text(Text),
}

/// The span's status, as `otel.status_code` and `otel.status_description` set it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Code {
    #[default]
    Unset,
    Ok,
    Error,
}

/// What a span has that most spans do not: kept behind one box.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    pub(crate) arrays: Vec<opentelemetry::Array>,
    pub(crate) events: Vec<Event>,
    pub(crate) links: Vec<Link>,
    pub(crate) timing: Option<Timing>,
    /// Local roots only: the trace's spans that already ended, exported together
    /// with the root so a trace is shed or kept whole.
    pub(crate) children: Option<Batch>,
    /// Local roots with a remote parent: its non-empty trace state.
    pub(crate) trace_state: Option<TraceState>,
    /// Local roots: how many of `children` hold room in the queue.
    pub(crate) held: usize,
    /// Local roots: the trace found the queue full while open and was shed; its
    /// spans that end from now on are dropped and counted.
    pub(crate) shed: bool,
    /// What the span limits cut from this span.
    pub(crate) dropped: Dropped,
}

/// Busy and idle time of a span (opt-in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) busy_ns: u64,
    pub(crate) idle_ns: u64,
    pub(crate) last: std::time::Instant,
    pub(crate) entered: u32,
}

/// The exportable part of a sampled span while it is open.
#[derive(Debug)]
pub(crate) struct Live {
    pub(crate) name: Name,
    pub(crate) kind: SpanKind,
    /// Unix nanoseconds.
    pub(crate) start: u64,
    pub(crate) code: Code,
    pub(crate) description: Option<Text>,
    /// Vectors, not inline arrays: the box is reused for the thread's next span
    /// (see [`Live::boxed`]), so they keep their capacity and a warm thread
    /// allocates nothing here.
    pub(crate) attrs: Vec<(&'static str, Val)>,
    /// UTF-8 text of string values.
    pub(crate) text: TextBuf,
    pub(crate) extra: Option<Box<Extra>>,
    /// The span limits, copied in when the span starts: what is beyond them is
    /// never stored.
    pub(crate) limits: Limits,
}

/// Bytes written only as whole UTF-8 strings.
#[derive(Debug, Default)]
pub(crate) struct TextBuf(Vec<u8>);

impl fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl TextBuf {
    fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
impl TextBuf {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

thread_local! {
    /// Span buffers of this thread's ended spans, reused for its next ones: a
    /// span's data costs no allocation once a thread is warm. Boxes, because a
    /// span's record holds its data boxed: reusing the box is the point.
    #[allow(clippy::vec_box)]
    static SPARE: std::cell::RefCell<Vec<Box<Live>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Spare buffers a thread keeps (a few kilobytes).
const SPARES: usize = 16;
/// A spare keeps its vectors up to these capacities; a span that grew them
/// further (a long string, many attributes) gives its buffer back to the
/// allocator instead.
const SPARE_TEXT: usize = 1024;
const SPARE_ATTRS: usize = 32;

impl Live {
    /// A span's data in a spare buffer of this thread, or a new one.
    pub(crate) fn boxed(name: &'static str, start: u64, limits: Limits) -> Box<Self> {
        let spare = SPARE
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
            .ok()
            .flatten();
        let mut live = match spare {
            Some(mut live) => {
                live.name = Name::Static(name);
                live.start = start;
                live
            }
            None => Box::new(Self::new(name, start)),
        };
        live.limits = limits;
        live
    }

    /// Empties `live` and keeps it for this thread's next span.
    fn recycle(mut live: Box<Self>) {
        if live.text.0.capacity() > SPARE_TEXT || live.attrs.capacity() > SPARE_ATTRS {
            return;
        }
        live.kind = SpanKind::Internal;
        live.code = Code::Unset;
        live.description = None;
        live.attrs.clear();
        live.text.0.clear();
        live.extra = None;
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARES
            {
                s.push(live);
            }
        });
    }

    pub(crate) fn new(name: &'static str, start: u64) -> Self {
        Self {
            name: Name::Static(name),
            kind: SpanKind::Internal,
            start,
            code: Code::Unset,
            description: None,
            attrs: Vec::new(),
            text: TextBuf::default(),
            extra: None,
            limits: Limits::default(),
        }
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Whether one more attribute fits the count limit.
    #[inline]
    fn has_room(&self) -> bool {
        self.attrs.len() < self.limits.attributes as usize
    }

    /// Whether `key` may be set: it has a value already, or one more fits.
    fn may_set(&self, key: &str) -> bool {
        self.has_room() || self.attrs.iter().any(|(k, _)| *k == key)
    }

    /// Counts an attribute the count limit dropped.
    #[cold]
    fn drop_attribute(&mut self) {
        self.extra().dropped.attributes.add(1);
    }

    /// Sets `key`, replacing an earlier value of the same key; a new key beyond the
    /// count limit is dropped.
    pub(crate) fn set(&mut self, key: &'static str, value: Val) {
        if let Some(slot) = self.attrs.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else if self.has_room() {
            self.attrs.push((key, value));
        } else {
            self.drop_attribute();
        }
    }

    /// Sets a key known to be new (while the span's fields are first recorded),
    /// within the count limit.
    #[inline]
    pub(crate) fn push(&mut self, key: &'static str, value: Val) {
        if self.has_room() {
            self.attrs.push((key, value));
        } else {
            self.drop_attribute();
        }
    }

    /// Sets a key known to be new on a span whose fields are known to fit the
    /// count limit (see `NewSpanVisitor`).
    #[inline]
    pub(crate) fn push_unchecked(&mut self, key: &'static str, value: Val) {
        self.attrs.push((key, value));
    }

    /// A new key's string value, cut to the length limit, within the count limit:
    /// nothing is written for a dropped one.
    pub(crate) fn push_str(&mut self, key: &'static str, value: &str) {
        if !self.has_room() {
            return self.drop_attribute();
        }
        let text = self.limited_text(value);
        self.attrs.push((key, Val::Str(text)));
    }

    /// A new key's `Debug` value, as [`push_str`](Self::push_str).
    pub(crate) fn push_debug(&mut self, key: &'static str, value: &dyn fmt::Debug) {
        if !self.has_room() {
            return self.drop_attribute();
        }
        let text = self.limited_debug(value);
        self.attrs.push((key, Val::Str(text)));
    }

    /// Stores a string value, cut to the length limit.
    fn limited_text(&mut self, value: &str) -> Text {
        let (value, cut) = limits::within(value, self.limits.value_length);
        if cut {
            self.extra().dropped.truncated.add(1);
        }
        self.text_of(value)
    }

    /// Stores a `Debug` value, cut to the length limit while it is formatted.
    fn limited_debug(&mut self, value: &dyn fmt::Debug) -> Text {
        if self.limits.unlimited_length() {
            return self.write_text(|t| {
                let _ = write!(t, "{value:?}");
            });
        }
        let limit = self.limits.value_length;
        let mut cut = false;
        let text = self.write_text(|t| cut = limits::write_debug_capped(t, value, limit));
        if cut {
            self.extra().dropped.truncated.add(1);
        }
        text
    }

    /// Before `key` gets a new string value: the old value's text is given back
    /// when it is the last text written, so a field recorded again and again does
    /// not grow the span.
    fn reclaim(&mut self, key: &str) {
        if let Some((_, Val::Str(old))) = self.attrs.iter().find(|(k, _)| *k == key)
            && (old.start as usize).saturating_add(old.len as usize) == self.text.len()
        {
            self.text.0.truncate(old.start as usize);
        }
    }

    /// Appends text written by `write` and returns its range.
    pub(super) fn write_text(&mut self, write: impl FnOnce(&mut TextBuf)) -> Text {
        let start = self.text.len();
        write(&mut self.text);
        Text {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(self.text.len() - start).unwrap_or(0),
        }
    }

    /// Stores `value` in the span's text.
    pub(crate) fn text_of(&mut self, value: &str) -> Text {
        self.write_text(|t| {
            let _ = t.write_str(value);
        })
    }

    pub(crate) fn set_str(&mut self, key: &'static str, value: &str) {
        if !self.may_set(key) {
            return self.drop_attribute();
        }
        self.reclaim(key);
        let text = self.limited_text(value);
        self.set(key, Val::Str(text));
    }

    pub(crate) fn set_debug(&mut self, key: &'static str, value: &dyn fmt::Debug) {
        if !self.may_set(key) {
            return self.drop_attribute();
        }
        self.reclaim(key);
        let text = self.limited_debug(value);
        self.set(key, Val::Str(text));
    }

    pub(crate) fn set_u64(&mut self, key: &'static str, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.set(key, Val::I64(v)),
            Err(_) => self.set_debug(key, &value),
        }
    }

    pub(crate) fn set_array(&mut self, key: &'static str, mut value: opentelemetry::Array) {
        if !self.may_set(key) {
            return self.drop_attribute();
        }
        let cut = limits::cut_array(&mut value, self.limits.value_length);
        let extra = self.extra();
        extra.dropped.truncated.add(cut);
        let arrays = &mut extra.arrays;
        let index = u32::try_from(arrays.len()).unwrap_or(u32::MAX);
        arrays.push(value);
        self.set(key, Val::Array(index));
    }

    /// Whether one more event fits the event count limit.
    pub(crate) fn has_event_room(&self) -> bool {
        let events = self.extra.as_ref().map_or(0, |e| e.events.len());
        events < self.limits.events as usize
    }

    /// Counts an event the count limit dropped.
    #[cold]
    pub(crate) fn drop_event(&mut self) {
        self.extra().dropped.events.add(1);
    }

    /// Adds an event within the event count limit (its attributes were limited
    /// while they were read: `EventVisitor`).
    pub(crate) fn push_event(&mut self, event: Event) {
        if self.has_event_room() {
            self.extra().events.push(event);
        } else {
            self.drop_event();
        }
    }

    /// Adds a link within the link count limit, its attributes within theirs.
    pub(crate) fn push_link(&mut self, mut link: Link) {
        let limits = self.limits;
        let extra = self.extra();
        if extra.links.len() >= limits.links as usize {
            extra.dropped.links.add(1);
            return;
        }
        let keep = limits.link_attributes as usize;
        if link.attributes.len() > keep {
            let n = u32::try_from(link.attributes.len() - keep).unwrap_or(u32::MAX);
            link.attributes.truncate(keep);
            link.dropped_attributes_count = link.dropped_attributes_count.saturating_add(n);
            extra.dropped.link_attributes.add(n);
        }
        if !limits.unlimited_length() {
            extra.dropped.truncated.add(limits::cut_values(
                &mut link.attributes,
                limits.value_length,
            ));
        }
        extra.links.push(link);
    }
}

/// An ended span in a [`Batch`]: ranges into the batch's attribute list and text.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) ids: Ids,
    pub(crate) parent: u64,
    pub(crate) parent_remote: bool,
    pub(crate) name: Name,
    pub(crate) kind: SpanKind,
    /// Unix nanoseconds.
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) code: Code,
    pub(crate) description: Option<Text>,
    /// Where the span's text starts in the batch's: its [`Text`]s are relative to
    /// it, so neither they nor its attributes are rewritten when spans move
    /// between batches.
    pub(crate) text: u32,
    pub(crate) attrs: (u32, u32),
    pub(crate) extra: Option<Box<Extra>>,
}

/// Ended spans, laid out in three vectors: what a thread hands to the queue, and
/// what a local root collects of its trace.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) spans: Vec<Finished>,
    pub(crate) attrs: Vec<(&'static str, Val)>,
    /// UTF-8 text of the spans' string values, in [`Text`] ranges.
    pub(crate) text: Vec<u8>,
}

impl Batch {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn with_capacity(spans: usize) -> Self {
        Self {
            spans: Vec::with_capacity(spans),
            attrs: Vec::with_capacity(spans * 4),
            text: Vec::with_capacity(spans * 32),
        }
    }

    /// Empties the batch, keeping its capacity.
    pub(crate) fn clear(&mut self) {
        self.spans.clear();
        self.attrs.clear();
        self.text.clear();
    }

    fn text_offset(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }

    /// Copies an ended span in; its buffers go back to the calling thread's spares.
    pub(crate) fn push(&mut self, ended: Ended) {
        let Ended {
            ids,
            parent,
            parent_remote,
            end,
            mut live,
        } = ended;
        let text = self.text_offset();
        self.text.extend_from_slice(&live.text.0);
        let start = u32::try_from(self.attrs.len()).unwrap_or(u32::MAX);
        self.attrs.extend_from_slice(&live.attrs);
        self.spans.push(Finished {
            ids,
            parent,
            parent_remote,
            name: live.name,
            kind: live.kind.clone(),
            start: live.start,
            end,
            code: live.code,
            description: live.description,
            text,
            attrs: (start, u32::try_from(live.attrs.len()).unwrap_or(0)),
            extra: live.extra.take(),
        });
        Live::recycle(live);
    }

    /// Moves every span of `other` in.
    pub(crate) fn append(&mut self, other: Self) {
        let text_by = self.text_offset();
        let attrs_by = u32::try_from(self.attrs.len()).unwrap_or(u32::MAX);
        self.text.extend_from_slice(&other.text);
        self.attrs.extend_from_slice(&other.attrs);
        self.spans.extend(other.spans.into_iter().map(|mut s| {
            s.text += text_by;
            s.attrs.0 += attrs_by;
            s
        }));
    }

    /// The text a span's [`Text`]s point into.
    pub(crate) fn text_of(&self, span: &Finished) -> &[u8] {
        self.text.get(span.text as usize..).unwrap_or_default()
    }

    /// The attributes of one span, and the arrays its [`Val::Array`]s index.
    pub(crate) fn attrs_of<'a>(
        &'a self,
        span: &'a Finished,
    ) -> (&'a [(&'static str, Val)], &'a [opentelemetry::Array]) {
        let (start, len) = (span.attrs.0 as usize, span.attrs.1 as usize);
        let arrays = span
            .extra
            .as_ref()
            .map(|e| e.arrays.as_slice())
            .unwrap_or_default();
        (
            self.attrs.get(start..start + len).unwrap_or_default(),
            arrays,
        )
    }

    /// The attributes of one span, as OpenTelemetry key-values.
    pub(crate) fn key_values(&self, span: &Finished) -> Vec<KeyValue> {
        let (attrs, arrays) = self.attrs_of(span);
        attrs
            .iter()
            .map(|(k, v)| {
                let value: opentelemetry::Value = match *v {
                    Val::I64(i) => i.into(),
                    Val::F64(f) => f.into(),
                    Val::Bool(b) => b.into(),
                    Val::Str(t) => t.of(self.text_of(span)).to_owned().into(),
                    Val::Array(i) => arrays
                        .get(i as usize)
                        .cloned()
                        .map_or_else(|| "".into(), opentelemetry::Value::Array),
                };
                KeyValue::new(Key::from_static_str(k), value)
            })
            .collect()
    }

    pub(crate) fn name(&self, span: &Finished) -> std::borrow::Cow<'static, str> {
        match span.name {
            Name::Static(n) => n.into(),
            Name::Text(t) => t.of(self.text_of(span)).to_owned().into(),
        }
    }
}

/// A span that just ended, before it is copied into a batch.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) ids: Ids,
    pub(crate) parent: u64,
    pub(crate) parent_remote: bool,
    /// Unix nanoseconds.
    pub(crate) end: u64,
    pub(crate) live: Box<Live>,
}

impl Ended {
    /// Drops the span, keeping its buffers for the thread's next one.
    pub(crate) fn discard(self) {
        Live::recycle(self.live);
    }
}
