//! Recording fields after a span was created (`semtrace::record!`) and linking a span
//! to a remote parent.

use tracing::{Span, field::Value};

/// Records `value` as `key` on `span`.
///
/// A `tracing` span only records fields declared when it was created. semtrace's
/// macros declare the fields of their domain up front; for any other key the value
/// goes straight to the OpenTelemetry span (with the `otel` feature), so a checked
/// field is never dropped silently on its way to the exporter.
pub fn record<V: Value + ?Sized>(span: &Span, key: &'static str, value: &V) {
    if span.has_field(key) {
        span.record(key, value);
        return;
    }
    #[cfg(feature = "otel")]
    otel_fallback::record(span, key, value);
}

#[cfg(feature = "otel")]
mod otel_fallback {
    use opentelemetry::Value as OtelValue;
    use tracing::{Span, field::Value};
    use tracing_core::{
        Kind, Level, Metadata, callsite::DefaultCallsite, field::Field, field::Visit,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt;

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

    #[derive(Default)]
    struct Capture(Option<OtelValue>);

    impl Visit for Capture {
        fn record_i64(&mut self, _: &Field, value: i64) {
            self.0 = Some(value.into());
        }
        fn record_u64(&mut self, _: &Field, value: u64) {
            self.0 =
                Some(i64::try_from(value).map_or_else(|_| value.to_string().into(), Into::into));
        }
        fn record_f64(&mut self, _: &Field, value: f64) {
            self.0 = Some(value.into());
        }
        fn record_bool(&mut self, _: &Field, value: bool) {
            self.0 = Some(value.into());
        }
        fn record_str(&mut self, _: &Field, value: &str) {
            self.0 = Some(value.to_owned().into());
        }
        fn record_debug(&mut self, _: &Field, value: &dyn core::fmt::Debug) {
            self.0 = Some(format!("{value:?}").into());
        }
    }

    pub(super) fn record<V: Value + ?Sized>(span: &Span, key: &'static str, value: &V) {
        if span.is_disabled() {
            return;
        }
        let Some(field) = META.fields().field("value") else {
            return;
        };
        let mut capture = Capture::default();
        value.record(&field, &mut capture);
        if let Some(v) = capture.0 {
            span.set_attribute(key, v);
        }
    }
}

/// Records an array attribute: typed on the OpenTelemetry span with the `otel`
/// feature (tracing fields cannot hold arrays), as `Debug` text otherwise.
pub fn record_array<A: super::values::ArrayValue + ?Sized>(
    span: &Span,
    key: &'static str,
    value: &A,
) {
    if span.is_disabled() {
        return;
    }
    #[cfg(feature = "otel")]
    {
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        span.set_attribute(key, opentelemetry::Value::Array(value.to_otel()));
    }
    #[cfg(not(feature = "otel"))]
    span.record(key, tracing::field::debug(value));
}

/// What `#[traced_http(parent = …)]` accepts: request headers, a request, or a
/// string map.
#[diagnostic::on_unimplemented(
    message = "`parent` cannot read a trace context from `{Self}`",
    label = "expected request headers",
    note = "`parent` takes `http::HeaderMap`, `http::Request<_>` or `HashMap<String, String>` (or a reference to one)"
)]
pub trait Carrier {
    /// Makes the remote context this carries the parent of `span`.
    fn set_parent_of(&self, span: &Span);
}

impl Carrier for http::HeaderMap {
    fn set_parent_of(&self, span: &Span) {
        #[cfg(feature = "otel")]
        crate::propagation::set_parent(span, self);
        #[cfg(not(feature = "otel"))]
        let _ = span;
    }
}

impl<B> Carrier for http::Request<B> {
    fn set_parent_of(&self, span: &Span) {
        self.headers().set_parent_of(span);
    }
}

#[allow(clippy::implicit_hasher)] // `propagation::extract_map` takes the default hasher
impl Carrier for std::collections::HashMap<String, String> {
    fn set_parent_of(&self, span: &Span) {
        #[cfg(feature = "otel")]
        crate::propagation::set_parent_from_map(span, self);
        #[cfg(not(feature = "otel"))]
        let _ = span;
    }
}

impl<T: Carrier + ?Sized> Carrier for &T {
    fn set_parent_of(&self, span: &Span) {
        (**self).set_parent_of(span);
    }
}

/// Makes the remote context carried by `carrier` the parent of `span`.
#[inline]
pub fn set_parent_from_headers<C: Carrier + ?Sized>(span: &Span, carrier: &C) {
    if !span.is_disabled() {
        carrier.set_parent_of(span);
    }
}
