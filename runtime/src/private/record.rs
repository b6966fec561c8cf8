//! Recording fields after a span was created (`semtrace::record!`).

use tracing::{Span, field::Value};

/// Records `value` as `key` on `span`.
///
/// A `tracing` span only records fields declared when it was created. semtrace's
/// macros declare the fields of their domain up front; for any other key the value
/// goes straight to semtrace's span data, so a checked field is never dropped
/// silently on its way to the exporter.
pub fn record<V: Value + ?Sized>(span: &Span, key: &'static str, value: &V) {
    if span.has_field(key) {
        span.record(key, value);
        return;
    }
    if span.is_disabled() {
        return;
    }
    crate::traces::with_record(span, |record, _| {
        if let Some(data) = record.data.as_mut() {
            value.record(&callsite::value_field(), &mut Capture { data, key });
        }
    });
}

mod callsite {
    use tracing_core::{Kind, Level, Metadata, callsite::DefaultCallsite, field::Field};

    // A callsite of our own, only to obtain a `Field` through which a `Value`
    // reveals its type.
    static CALLSITE: DefaultCallsite = DefaultCallsite::new(&META);
    static META: Metadata<'static> = tracing_core::metadata! {
        name: "semtrace::record",
        target: "semtrace",
        level: Level::TRACE,
        fields: &["value"],
        callsite: &CALLSITE,
        kind: Kind::SPAN,
    };

    pub(super) fn value_field() -> Field {
        META.fields().field("value").expect("declared above")
    }
}

/// Sets one typed attribute from whatever a `Value` reports.
struct Capture<'a> {
    data: &'a mut crate::traces::record::Live,
    key: &'static str,
}

impl tracing::field::Visit for Capture<'_> {
    fn record_i64(&mut self, _: &tracing::field::Field, value: i64) {
        self.data
            .set(self.key, crate::traces::record::Val::I64(value));
    }
    fn record_u64(&mut self, _: &tracing::field::Field, value: u64) {
        self.data.set_u64(self.key, value);
    }
    fn record_f64(&mut self, _: &tracing::field::Field, value: f64) {
        self.data
            .set(self.key, crate::traces::record::Val::F64(value));
    }
    fn record_bool(&mut self, _: &tracing::field::Field, value: bool) {
        self.data
            .set(self.key, crate::traces::record::Val::Bool(value));
    }
    fn record_str(&mut self, _: &tracing::field::Field, value: &str) {
        self.data.set_str(self.key, value);
    }
    fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn core::fmt::Debug) {
        self.data.set_debug(self.key, value);
    }
}

/// Records an array attribute, typed (tracing fields cannot hold arrays).
pub fn record_array<A: super::values::ArrayValue + ?Sized>(
    span: &Span,
    key: &'static str,
    value: &A,
) {
    if span.is_disabled() {
        return;
    }
    crate::traces::with_record(span, |record, _| {
        if let Some(data) = record.data.as_mut() {
            data.set_array(key, value.to_otel());
        }
    });
}
