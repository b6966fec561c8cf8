//! Reading `tracing`'s fields into what the pipeline keeps: a span's fields into its
//! [`Live`] data (the `otel.*` fields set its name, kind and status instead of
//! attributes), an event's into a message and attributes.

use std::fmt::{self, Write as _};

use opentelemetry::trace::SpanKind;
use opentelemetry::{Key, KeyValue};
use tracing::field::{Field, Visit};

use super::limits::{self, Limits};
use super::record::{Code, Live, Name, Val};

/// Field names and values that are not attributes.
impl Live {
    /// The `otel.*` fields set name, kind and status instead of attributes. The
    /// test is inlined: most fields are not `otel.*`, and skip the call.
    #[inline]
    fn special(&mut self, name: &str, value: &dyn fmt::Debug, as_str: Option<&str>) -> bool {
        name.starts_with("otel.") && self.special_otel(name, value, as_str)
    }

    #[inline(never)]
    fn special_otel(&mut self, name: &str, value: &dyn fmt::Debug, as_str: Option<&str>) -> bool {
        match name {
            "otel.name" => {
                let text = match as_str {
                    Some(s) => self.write_text(|t| {
                        let _ = t.write_str(s);
                    }),
                    None => self.write_text(|t| {
                        let _ = write!(t, "{value:?}");
                    }),
                };
                self.name = Name::Text(text);
            }
            "otel.status_description" => {
                let text = match as_str {
                    Some(s) => self.write_text(|t| {
                        let _ = t.write_str(s);
                    }),
                    None => self.write_text(|t| {
                        let _ = write!(t, "{value:?}");
                    }),
                };
                self.description = Some(text);
            }
            "otel.kind" | "otel.status_code" => {
                let owned;
                let word = if let Some(s) = as_str {
                    s
                } else {
                    owned = format!("{value:?}");
                    &owned
                };
                if name == "otel.kind" {
                    if let Some(kind) = span_kind(word) {
                        self.kind = kind;
                    }
                } else {
                    match word {
                        "ERROR" | "error" | "Error" => self.code = Code::Error,
                        "OK" | "ok" | "Ok" => self.code = Code::Ok,
                        _ => {}
                    }
                }
            }
            _ => return false,
        }
        true
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

/// Records span fields into a [`Live`] span.
pub(crate) struct SpanVisitor<'a>(pub(crate) &'a mut Live);

/// Records the fields a span starts with: every key is new, no search for an
/// earlier value. `LIMITED` is false when the callsite has no more fields than the
/// attribute count limit and values have no length limit (the common case): then
/// nothing is checked per field.
pub(crate) struct NewSpanVisitor<'a, const LIMITED: bool>(pub(crate) &'a mut Live);

impl<const LIMITED: bool> NewSpanVisitor<'_, LIMITED> {
    #[inline]
    fn push(&mut self, key: &'static str, value: Val) {
        if LIMITED {
            self.0.push(key, value);
        } else {
            self.0.push_unchecked(key, value);
        }
    }
}

impl<const LIMITED: bool> Visit for NewSpanVisitor<'_, LIMITED> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field.name(), Val::I64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field.name(), Val::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field.name(), Val::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.0.special(field.name(), &value, Some(value)) {
            if LIMITED {
                self.0.push_str(field.name(), value);
            } else {
                let text = self.0.text_of(value);
                self.0.push_unchecked(field.name(), Val::Str(text));
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.special(field.name(), value, None) {
            if LIMITED {
                self.0.push_debug(field.name(), value);
            } else {
                let text = self.0.write_text(|t| {
                    let _ = write!(t, "{value:?}");
                });
                self.0.push_unchecked(field.name(), Val::Str(text));
            }
        }
    }

    // The rest are rare: through the general visitor.
    fn record_u64(&mut self, field: &Field, value: u64) {
        SpanVisitor(self.0).record_u64(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        SpanVisitor(self.0).record_i128(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        SpanVisitor(self.0).record_u128(field, value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        SpanVisitor(self.0).record_error(field, value);
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.set(field.name(), Val::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.set_u64(field.name(), value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        match i64::try_from(value) {
            Ok(v) => self.0.set(field.name(), Val::I64(v)),
            Err(_) => self.0.set_debug(field.name(), &value),
        }
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        match i64::try_from(value) {
            Ok(v) => self.0.set(field.name(), Val::I64(v)),
            Err(_) => self.0.set_debug(field.name(), &value),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.set(field.name(), Val::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.set(field.name(), Val::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.0.special(field.name(), &value, Some(value)) {
            self.0.set_str(field.name(), value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.special(field.name(), value, None) {
            self.0.set_debug(field.name(), value);
        }
    }
}

/// Records an event's fields: `message` becomes the event name, the rest attributes,
/// the first `room` of them kept (string values cut to the length limit); the rest
/// are counted, not stored.
pub(crate) struct EventVisitor {
    pub(crate) message: Option<String>,
    pub(crate) attributes: Vec<KeyValue>,
    /// Attributes that may still be kept.
    pub(crate) room: u32,
    pub(crate) value_length: u32,
    pub(crate) dropped: u32,
    /// String values cut to the length limit.
    pub(crate) truncated: u32,
}

impl EventVisitor {
    /// A visitor keeping `room` attributes at most.
    pub(crate) fn new(room: u32, limits: Limits) -> Self {
        Self {
            message: None,
            attributes: Vec::new(),
            room,
            value_length: limits.value_length,
            dropped: 0,
            truncated: 0,
        }
    }

    /// Whether one more attribute is kept; counts it when not.
    #[inline]
    fn take_room(&mut self) -> bool {
        if self.room == 0 {
            self.dropped = self.dropped.saturating_add(1);
            false
        } else {
            self.room -= 1;
            true
        }
    }

    fn push(&mut self, field: &Field, value: impl Into<opentelemetry::Value>) {
        if self.take_room() {
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), value));
        }
    }

    /// `value` as an attribute value, cut to the length limit.
    pub(crate) fn limited(&mut self, value: &str) -> String {
        let (value, cut) = limits::within(value, self.value_length);
        self.truncated += u32::from(cut);
        value.to_owned()
    }
}

impl Visit for EventVisitor {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.push(field, v),
            Err(_) => self.record_debug(field, &value),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else if self.take_room() {
            let value = self.limited(value);
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        } else if self.take_room() {
            let text = if self.value_length == limits::NO_LENGTH_LIMIT {
                format!("{value:?}")
            } else {
                let mut text = String::new();
                let cut = limits::write_debug_capped(&mut text, value, self.value_length);
                self.truncated += u32::from(cut);
                text
            };
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), text));
        }
    }
}
