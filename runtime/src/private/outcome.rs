//! Recording what a function returned, chosen at the call site by autoref
//! specialisation: the generated code calls `(&&&&Outcome(&value)).__semtrace_record(&span)`
//! and method resolution picks the most specific impl the value's type allows —
//! an error with a user-given code, an error with `Display`, an error with `Debug`,
//! or nothing at all. Everything is resolved at compile time.

use core::fmt::{Debug, Display};

use tracing::Span;

use crate::ErrorType;

/// A borrowed return value, wrapped for method resolution.
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

/// `Err(e)` where `e` names its own `error.type`.
pub trait ErrCode {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
}
/// `Err(e)` where `e: Display`.
pub trait ErrDisplay {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
}
/// `Err(e)` where `e: Debug`.
pub trait ErrDebug {
    /// Records the outcome on `span`.
    fn __semtrace_record(&self, span: &Span);
}
/// Anything else: nothing to record.
pub trait ErrNone {
    /// Does nothing.
    fn __semtrace_record(&self, span: &Span);
}

impl<T, E: ErrorType + Display> ErrCode for &&&Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, e, e.error_type());
        }
    }
}
impl<T, E: Display> ErrDisplay for &&Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, e, core::any::type_name::<E>());
        }
    }
}
impl<T, E: Debug> ErrDebug for &Outcome<'_, Result<T, E>> {
    fn __semtrace_record(&self, span: &Span) {
        if let Err(e) = self.0 {
            record_error(span, &DebugAsDisplay(e), core::any::type_name::<E>());
        }
    }
}
impl<T: ?Sized> ErrNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_record(&self, _span: &Span) {}
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
    span.record("otel.status_code", "ERROR");
    span.record(
        "otel.status_description",
        tracing::field::display(description),
    );
    span.record("error.type", error_type);
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
}
/// A return value without one.
pub trait StatusNone {
    /// Does nothing.
    fn __semtrace_status(&self, span: &Span, server: bool);
}

impl<T: HttpStatus + ?Sized> StatusSome for &Outcome<'_, T> {
    fn __semtrace_status(&self, span: &Span, server: bool) {
        let Some(code) = self.0.http_status() else {
            return;
        };
        if span.is_disabled() {
            return;
        }
        span.record("http.response.status_code", i64::from(code));
        // Servers fail on 5xx only: a 4xx is the client's mistake, not the server's.
        let failed = if server { code >= 500 } else { code >= 400 };
        if failed {
            span.record("otel.status_code", "ERROR");
            // `error.type` is a string attribute: the code as text, per the HTTP conventions.
            span.record("error.type", tracing::field::display(code));
        }
    }
}
impl<T: ?Sized> StatusNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_status(&self, _span: &Span, _server: bool) {}
}
