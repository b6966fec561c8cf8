//! What the pipeline keeps per span: ids always, and for sampled spans the data to
//! export, typed as OpenTelemetry types it with static keys.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use opentelemetry::trace::{SpanKind, Status, TraceState};
use opentelemetry::{Key, KeyValue, Value};
use tracing::field::{Field, Visit};

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
    /// The local root's id in the registry; `None` for a local root itself.
    pub(crate) root: Option<tracing::span::Id>,
    /// Present while the span is sampled and an exporter runs.
    pub(crate) data: Option<Box<SpanData>>,
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

/// The exportable part of a sampled span.
#[derive(Debug)]
pub(crate) struct SpanData {
    pub(crate) name: Cow<'static, str>,
    pub(crate) kind: SpanKind,
    pub(crate) start: SystemTime,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) events: Vec<opentelemetry::trace::Event>,
    pub(crate) links: Vec<opentelemetry::trace::Link>,
    pub(crate) status: Status,
    /// Local roots only: the trace's spans that already ended, exported together with
    /// the root so a trace is shed or kept whole.
    pub(crate) finished: Vec<FinishedSpan>,
    /// Opt-in busy/idle timing.
    pub(crate) timing: Option<Timing>,
}

/// Busy and idle time of a span (opt-in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) busy_ns: u64,
    pub(crate) idle_ns: u64,
    pub(crate) last: std::time::Instant,
    pub(crate) entered: u32,
}

/// An ended span, waiting in its trace or in the export queue.
#[derive(Debug)]
pub(crate) struct FinishedSpan {
    pub(crate) ids: Ids,
    pub(crate) parent: u64,
    pub(crate) parent_remote: bool,
    pub(crate) trace_state: TraceState,
    pub(crate) end: SystemTime,
    pub(crate) data: Box<SpanData>,
}

impl SpanData {
    pub(crate) fn new(name: &'static str, start: SystemTime) -> Self {
        Self {
            name: Cow::Borrowed(name),
            kind: SpanKind::Internal,
            start,
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            status: Status::Unset,
            finished: Vec::new(),
            timing: None,
        }
    }

    /// Sets `key`, replacing an earlier value of the same key.
    pub(crate) fn set(&mut self, key: Key, value: Value) {
        if let Some(kv) = self.attributes.iter_mut().find(|kv| kv.key == key) {
            kv.value = value;
        } else {
            self.attributes.push(KeyValue::new(key, value));
        }
    }
}

/// Parses `otel.kind` values as tracing-opentelemetry does.
fn span_kind(value: &str) -> Option<SpanKind> {
    Some(match value {
        "server" | "SERVER" => SpanKind::Server,
        "client" | "CLIENT" => SpanKind::Client,
        "producer" | "PRODUCER" => SpanKind::Producer,
        "consumer" | "CONSUMER" => SpanKind::Consumer,
        "internal" | "INTERNAL" => SpanKind::Internal,
        _ => return None,
    })
}

/// Records span fields into [`SpanData`]: the `otel.*` fields set name, kind and
/// status; every other field becomes a typed attribute under its static name.
pub(crate) struct SpanVisitor<'a> {
    pub(crate) data: &'a mut SpanData,
    /// Set when `otel.status_description` arrives before `otel.status_code`.
    pub(crate) description: Option<String>,
}

impl SpanVisitor<'_> {
    fn special(&mut self, name: &str, value: &str) -> bool {
        match name {
            "otel.name" => self.data.name = Cow::Owned(value.to_owned()),
            "otel.kind" => {
                if let Some(kind) = span_kind(value) {
                    self.data.kind = kind;
                }
            }
            "otel.status_code" => {
                self.data.status = match value {
                    "ERROR" | "error" | "Error" => Status::Error {
                        description: Cow::Owned(self.description.take().unwrap_or_default()),
                    },
                    "OK" | "ok" | "Ok" => Status::Ok,
                    _ => return true,
                };
            }
            "otel.status_description" => match &mut self.data.status {
                Status::Error { description } => *description = Cow::Owned(value.to_owned()),
                _ => self.description = Some(value.to_owned()),
            },
            _ => return false,
        }
        true
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.data
            .set(Key::from_static_str(field.name()), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.data
            .set(Key::from_static_str(field.name()), u64_value(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let v = i64::try_from(value).map_or_else(|_| value.to_string().into(), Value::I64);
        self.data.set(Key::from_static_str(field.name()), v);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let v = i64::try_from(value).map_or_else(|_| value.to_string().into(), Value::I64);
        self.data.set(Key::from_static_str(field.name()), v);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.data
            .set(Key::from_static_str(field.name()), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.data
            .set(Key::from_static_str(field.name()), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.special(field.name(), value) {
            self.data
                .set(Key::from_static_str(field.name()), value.to_owned().into());
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if !self.special(field.name(), &text) {
            self.data
                .set(Key::from_static_str(field.name()), text.into());
        }
    }
}

fn u64_value(value: u64) -> Value {
    i64::try_from(value).map_or_else(|_| value.to_string().into(), Value::I64)
}

/// Records an event's fields: `message` becomes the event name, the rest attributes.
#[derive(Default)]
pub(crate) struct EventVisitor {
    pub(crate) message: Option<String>,
    pub(crate) attributes: Vec<KeyValue>,
}

impl Visit for EventVisitor {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.attributes.push(KeyValue::new(
            Key::from_static_str(field.name()),
            u64_value(value),
        ));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.attributes.push(KeyValue::new(
                Key::from_static_str(field.name()),
                value.to_owned(),
            ));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = Some(text);
        } else {
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), text));
        }
    }
}
