//! Recording what a function returned, chosen at the call site by autoref
//! specialisation: the generated code calls `(&&&&Outcome(&value)).__semtrace_record(&span)`
//! and method resolution picks the most specific impl the value's type allows —
//! an error with a user-given code, an error with `Display`, an error with `Debug`,
//! or nothing at all. Everything is resolved at compile time.

use core::fmt::{Debug, Display};
use std::borrow::Cow;

use semtrace_semconv::keys;
use tracing::Span;

use crate::error_type::ErrorType;
use crate::grpc::{code_name as grpc_code_name, is_error as grpc_is_error};

/// A borrowed return value, wrapped for method resolution.
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

/// `Err(e)` where `e` names its own `error.type`.
pub trait ErrCode {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
    /// The `error.type` of a failed call, for its metric.
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>>;
}
/// `Err(e)` where `e: Display`.
pub trait ErrDisplay {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
    /// The `error.type` of a failed call, for its metric.
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>>;
}
/// `Err(e)` where `e: Debug`.
pub trait ErrDebug {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
    /// The `error.type` of a failed call, for its metric.
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>>;
}
/// Anything else: nothing to record.
pub trait ErrNone {
    /// Does nothing.
    fn __semtrace_record(&self, span: &Span);
    /// `None`: the call did not fail.
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>>;
}

impl<T, E: ErrorType + Display> ErrCode for &&&Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, e, e.error_type());
        }
    }
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>> {
        self.0
            .as_ref()
            .err()
            .map(|e| Cow::Owned(e.error_type().to_owned()))
    }
}
impl<T, E: Display> ErrDisplay for &&Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, e, core::any::type_name::<E>());
        }
    }
    #[inline]
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>> {
        self.0
            .is_err()
            .then(|| Cow::Borrowed(core::any::type_name::<E>()))
    }
}
impl<T, E: Debug> ErrDebug for &Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, &DebugAsDisplay(e), core::any::type_name::<E>());
        }
    }
    #[inline]
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>> {
        self.0
            .is_err()
            .then(|| Cow::Borrowed(core::any::type_name::<E>()))
    }
}
impl<T: ?Sized> ErrNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_record(&self, _span: &Span) {}
    #[inline]
    fn __semtrace_error_type(&self) -> Option<Cow<'static, str>> {
        None
    }
}

struct DebugAsDisplay<'a, E>(&'a E);
impl<E: Debug> Display for DebugAsDisplay<'_, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        Debug::fmt(self.0, f)
    }
}

/// Marks `span` as failed, per the OpenTelemetry conventions for errors.
pub(crate) fn record_error(span: &Span, description: &dyn Display, error_type: &str) {
    if span.is_disabled() {
        return;
    }
    let Some(meta) = span.metadata() else {
        return;
    };
    let fields = meta.fields();
    let (Some(code), Some(text), Some(kind)) = status_fields(fields) else {
        // Spans the macros make declare all three; any other span gets what it has.
        span.record(keys::OTEL_STATUS_CODE, "ERROR");
        span.record(
            keys::OTEL_STATUS_DESCRIPTION,
            tracing::field::display(description),
        );
        span.record(keys::ERROR_TYPE, error_type);
        return;
    };
    // One visit of the span for all three: each `record` is a call into the
    // subscriber that finds the span and takes its lock again.
    let description = tracing::field::display(description);
    let values: [(&tracing::field::Field, Option<&dyn tracing::Value>); 3] = [
        (&code, Some(&"ERROR")),
        (&text, Some(&description)),
        (&kind, Some(&error_type)),
    ];
    span.record_all(&fields.value_set(&values));
}

/// The span's `otel.status_code`, `otel.status_description` and `error.type`. The
/// macros declare them last, in this order: three compares find them there, where
/// a search by name compares against every field before them.
fn status_fields(
    fields: &tracing::field::FieldSet,
) -> (
    Option<tracing::field::Field>,
    Option<tracing::field::Field>,
    Option<tracing::field::Field>,
) {
    let wanted = [
        keys::OTEL_STATUS_CODE,
        keys::OTEL_STATUS_DESCRIPTION,
        keys::ERROR_TYPE,
    ];
    let mut last = fields.iter().skip(fields.len().saturating_sub(3));
    if let (Some(a), Some(b), Some(c)) = (last.next(), last.next(), last.next())
        && [a.name(), b.name(), c.name()] == wanted
    {
        return (Some(a), Some(b), Some(c));
    }
    (
        fields.field(wanted[0]),
        fields.field(wanted[1]),
        fields.field(wanted[2]),
    )
}

/// Return types that carry an HTTP response status.
pub trait HttpStatus {
    /// The status code, if this value has one.
    fn http_status(&self) -> Option<u16>;
}

impl HttpStatus for u16 {
    fn http_status(&self) -> Option<u16> {
        Some(*self)
    }
}
impl HttpStatus for http::StatusCode {
    fn http_status(&self) -> Option<u16> {
        Some(self.as_u16())
    }
}
impl<B> HttpStatus for http::Response<B> {
    fn http_status(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}
impl<T: HttpStatus, E> HttpStatus for Result<T, E> {
    fn http_status(&self) -> Option<u16> {
        self.as_ref().ok().and_then(HttpStatus::http_status)
    }
}
/// `(StatusCode, body)`, as web frameworks return it.
impl<T: HttpStatus, B> HttpStatus for (T, B) {
    fn http_status(&self) -> Option<u16> {
        self.0.http_status()
    }
}

/// A return value with an HTTP status.
pub trait StatusSome {
    /// Records `http.response.status_code` and, for failures, the error status.
    fn __semtrace_status(&self, span: &Span, server: bool);
    /// The status code, for the metric.
    fn __semtrace_http_code(&self) -> Option<u16>;
}
/// A return value without one.
pub trait StatusNone {
    /// Does nothing.
    fn __semtrace_status(&self, span: &Span, server: bool);
    /// `None`.
    fn __semtrace_http_code(&self) -> Option<u16>;
}

impl<T: HttpStatus + ?Sized> StatusSome for &Outcome<'_, T> {
    fn __semtrace_status(&self, span: &Span, server: bool) {
        let Some(code) = self.0.http_status() else {
            return;
        };
        if span.is_disabled() {
            return;
        }
        span.record(keys::HTTP_RESPONSE_STATUS_CODE, i64::from(code));
        // Servers fail on 5xx only: a 4xx is the client's mistake, not the server's.
        let failed = if server { code >= 500 } else { code >= 400 };
        if failed {
            span.record(keys::OTEL_STATUS_CODE, "ERROR");
            // `error.type` is a string attribute: the code as text, per the HTTP conventions.
            span.record(keys::ERROR_TYPE, tracing::field::display(code));
        }
    }
    #[inline]
    fn __semtrace_http_code(&self) -> Option<u16> {
        self.0.http_status()
    }
}
impl<T: ?Sized> StatusNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_status(&self, _span: &Span, _server: bool) {}
    #[inline]
    fn __semtrace_http_code(&self) -> Option<u16> {
        None
    }
}

/// A gRPC status: its code (`0` is `OK`) and, for a failure, its message.
pub struct RpcCode<'a> {
    /// The numeric gRPC code.
    pub code: i32,
    /// The status message.
    pub message: &'a str,
}

/// Return types that carry a gRPC status (with the `tonic` feature: `tonic::Status`,
/// `tonic::Code`, and a `Result` whose error is a `tonic::Status`).
pub trait RpcStatus {
    /// The status, if this value has one.
    fn rpc_status(&self) -> Option<RpcCode<'_>>;
}

/// A return value with a gRPC status.
pub trait RpcSome {
    /// Records `rpc.response.status_code` and, for failures per the gRPC rules, the
    /// error status; `true` when the value had a status (so nothing else records).
    fn __semtrace_rpc(&self, span: &Span, server: bool) -> bool;
    /// The gRPC code, for the metric.
    fn __semtrace_rpc_code(&self) -> Option<i32>;
}
/// A return value without one.
pub trait RpcNone {
    /// Does nothing: the error rules of every span apply.
    fn __semtrace_rpc(&self, span: &Span, server: bool) -> bool;
    /// `None`.
    fn __semtrace_rpc_code(&self) -> Option<i32>;
}

impl<T: RpcStatus + ?Sized> RpcSome for &Outcome<'_, T> {
    fn __semtrace_rpc(&self, span: &Span, server: bool) -> bool {
        let Some(status) = self.0.rpc_status() else {
            return false;
        };
        record_rpc(span, status.code, status.message, server);
        true
    }
    #[inline]
    fn __semtrace_rpc_code(&self) -> Option<i32> {
        self.0.rpc_status().map(|s| s.code)
    }
}
impl<T: ?Sized> RpcNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_rpc(&self, _span: &Span, _server: bool) -> bool {
        false
    }
    #[inline]
    fn __semtrace_rpc_code(&self) -> Option<i32> {
        None
    }
}

/// Records gRPC code `code` on `span`: `rpc.response.status_code`, and the error
/// status when the side's gRPC rules make it a failure.
pub(crate) fn record_rpc(span: &Span, code: i32, message: &str, server: bool) {
    if span.is_disabled() {
        return;
    }
    let name = grpc_code_name(code);
    span.record(keys::RPC_RESPONSE_STATUS_CODE, &*name);
    if grpc_is_error(code, server) {
        span.record(keys::OTEL_STATUS_CODE, "ERROR");
        if !message.is_empty() {
            span.record(keys::OTEL_STATUS_DESCRIPTION, message);
        }
        span.record(keys::ERROR_TYPE, &*name);
    }
}

#[cfg(feature = "tonic")]
mod tonic_status {
    use super::{RpcCode, RpcStatus};

    impl RpcStatus for tonic::Status {
        fn rpc_status(&self) -> Option<RpcCode<'_>> {
            Some(RpcCode {
                code: self.code() as i32,
                message: self.message(),
            })
        }
    }

    impl RpcStatus for tonic::Code {
        fn rpc_status(&self) -> Option<RpcCode<'_>> {
            Some(RpcCode {
                code: *self as i32,
                message: "",
            })
        }
    }

    /// `Ok` is `OK`; `Err` is its status.
    impl<T> RpcStatus for Result<T, tonic::Status> {
        fn rpc_status(&self) -> Option<RpcCode<'_>> {
            match self {
                Ok(_) => Some(RpcCode {
                    code: 0,
                    message: "",
                }),
                Err(status) => status.rpc_status(),
            }
        }
    }
}
