//! One traced gRPC call, shared by the server and client layers: the method a path
//! names, the status in headers or trailers, and the response future and body that
//! end the call's span and metric.

use std::borrow::Cow;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

use crate::metrics::outcome::MetricOutcome;
use crate::metrics::timer::MetricTimer;
use crate::metrics::value::MetricValue;

/// `rpc.method` of a path that names no `service/method`.
const OTHER: &str = "_OTHER";

/// The method a request path names: `rpc.method`, and `rpc.method_original` (the
/// path without its leading `/`) when the path is no `/service/method` (then
/// `rpc.method` is `_OTHER`).
pub(super) fn method_of(path: &str) -> (&str, Option<&str>) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.split_once('/') {
        Some((service, method))
            if !service.is_empty() && !method.is_empty() && !method.contains('/') =>
        {
            (trimmed, None)
        }
        _ => (OTHER, Some(trimmed).filter(|p| !p.is_empty())),
    }
}

/// The span name: the method, or the system when the method is `_OTHER`.
pub(super) fn span_name(method: &str) -> &str {
    if method == OTHER { "grpc" } else { method }
}

/// Host and port of an authority (`[::1]:50051`), the host without brackets.
pub(super) fn host_port(authority: &http::uri::Authority) -> (&str, Option<u16>) {
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (host, authority.port_u16())
}

/// The gRPC code in `headers` (`grpc-status`) and its message (`grpc-message`,
/// percent-decoded). `None` when there is no code, or it is no number.
fn status_in(headers: &http::HeaderMap) -> Option<(i32, String)> {
    let code = headers
        .get("grpc-status")?
        .to_str()
        .ok()?
        .trim()
        .parse::<i32>()
        .ok()?;
    let message = headers
        .get("grpc-message")
        .map(|v| percent_decode(v.as_bytes()))
        .unwrap_or_default();
    Some((code, message))
}

/// `grpc-message` is percent-encoded UTF-8; anything malformed is kept as it is.
fn percent_decode(bytes: &[u8]) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits: below 256.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a call ended.
#[derive(Clone, Copy)]
enum End<'a> {
    /// With a gRPC status: its code and message.
    Status(i32, &'a str),
    /// Without one: the inner service or the body failed (`error.type` is the
    /// error's type name).
    Failed(&'a dyn Display, &'static str),
    /// Without a status and without an error (the body was dropped first, or ended
    /// without one): what is known is recorded.
    Unknown,
}

/// One call's span and metric timer, finished once: when the response body ends,
/// fails, or is dropped.
pub(super) struct Call {
    pub(super) span: Span,
    pub(super) timer: Option<MetricTimer>,
    pub(super) server: bool,
    /// The metric's per-call attributes.
    pub(super) metric: [(&'static str, MetricValue); 3],
    /// The status the response headers carried (a trailers-only response).
    pub(super) status: Option<(i32, String)>,
}

impl Call {
    fn finish(&mut self, end: End<'_>) {
        let Some(timer) = self.timer.take() else {
            return;
        };
        let outcome = match end {
            End::Status(code, message) => {
                crate::__private::record_rpc(&self.span, code, message, self.server);
                // An unknown code's number is its `error.type` when it is an error.
                MetricOutcome::rpc(Some(crate::grpc::code_name(code)), Some(code), self.server)
            }
            End::Failed(description, error_type) => {
                crate::__private::record_error(&self.span, description, error_type);
                MetricOutcome::rpc(Some(Cow::Borrowed(error_type)), None, self.server)
            }
            End::Unknown => MetricOutcome::of(None),
        };
        timer.finish_with(&self.span, &outcome, &self.metric);
        // The last handle: the span ends now.
        self.span = Span::none();
    }

    /// Ends with the status in `trailers`, else the one the headers had.
    fn finish_with_trailers(&mut self, trailers: Option<&http::HeaderMap>) {
        match trailers.and_then(status_in).or_else(|| self.status.take()) {
            Some((code, message)) => self.finish(End::Status(code, &message)),
            None => self.finish(End::Unknown),
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.timer.is_some() {
            self.finish_with_trailers(None);
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of a traced call: the inner service's, polled with the call's span
    /// current; its response's body is a [`ResponseBody`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        call: Option<Call>,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, call: Call) -> Self {
        Self {
            inner,
            call: Some(call),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body,
    E: Display,
{
    type Output = Result<http::Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let polled = {
            let _entered = this.call.as_ref().map(|c| c.span.enter());
            this.inner.poll(cx)
        };
        let Poll::Ready(result) = polled else {
            return Poll::Pending;
        };
        let mut call = this.call.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(call) = call.as_mut() {
                    call.status = status_in(response.headers());
                    if call.status.is_none() && !call.server && response.status() != 200 {
                        // No gRPC status from an HTTP error: the code a client
                        // derives from the HTTP status, as gRPC specifies it.
                        call.status = Some((from_http(response.status()), String::new()));
                    }
                }
                let (parts, body) = response.into_parts();
                if body.is_end_stream()
                    && let Some(call) = call.as_mut()
                {
                    // A trailers-only response: the call ends here.
                    call.finish_with_trailers(None);
                }
                Ok(http::Response::from_parts(
                    parts,
                    ResponseBody { inner: body, call },
                ))
            }
            Err(error) => {
                if let Some(call) = call.as_mut() {
                    call.finish(End::Failed(&error, core::any::type_name::<E>()));
                }
                Err(error)
            }
        })
    }
}

/// The gRPC code a client derives from an HTTP status without `grpc-status`.
fn from_http(status: http::StatusCode) -> i32 {
    match status.as_u16() {
        400 => 13,             // INTERNAL
        401 => 16,             // UNAUTHENTICATED
        403 => 7,              // PERMISSION_DENIED
        404 => 12,             // UNIMPLEMENTED
        429 | 502..=504 => 14, // UNAVAILABLE
        _ => 2,                // UNKNOWN
    }
}

pin_project_lite::pin_project! {
    /// A traced call's response body: the inner body, its frames polled with the
    /// call's span current. The call ends with the trailers' `grpc-status`, at the
    /// end of the body, or when the body is dropped.
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        call: Option<Call>,
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<F: std::fmt::Debug> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: http_body::Body> http_body::Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = {
            let _entered = this.call.as_ref().map(|c| c.span.enter());
            this.inner.poll_frame(cx)
        };
        if let Some(call) = this.call.as_mut() {
            match &polled {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(trailers) = frame.trailers_ref() {
                        call.finish_with_trailers(Some(trailers));
                        *this.call = None;
                    }
                }
                Poll::Ready(Some(Err(_))) => {
                    let error_type = core::any::type_name::<B::Error>();
                    call.finish(End::Failed(&error_type, error_type));
                    *this.call = None;
                }
                Poll::Ready(None) => {
                    call.finish_with_trailers(None);
                    *this.call = None;
                }
                Poll::Pending => {}
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_of_paths() {
        assert_eq!(
            method_of("/helloworld.Greeter/SayHello"),
            ("helloworld.Greeter/SayHello", None)
        );
        assert_eq!(method_of("/Echo/Echo"), ("Echo/Echo", None));
        assert_eq!(method_of("/a/b/c"), (OTHER, Some("a/b/c")));
        assert_eq!(method_of("/nothing"), (OTHER, Some("nothing")));
        assert_eq!(method_of("//x"), (OTHER, Some("/x")));
        assert_eq!(method_of(""), (OTHER, None));
        assert_eq!(method_of("/"), (OTHER, None));
        assert_eq!(span_name(OTHER), "grpc");
    }

    #[test]
    fn statuses_in_headers() {
        let mut h = http::HeaderMap::new();
        assert_eq!(status_in(&h), None);
        h.insert("grpc-status", http::HeaderValue::from_static("5"));
        h.insert(
            "grpc-message",
            http::HeaderValue::from_static("no%20user%20%C3%A9%2"),
        );
        assert_eq!(status_in(&h), Some((5, "no user é%2".to_owned())));
        h.insert("grpc-status", http::HeaderValue::from_static("nope"));
        assert_eq!(status_in(&h), None);
        h.insert(
            "grpc-status",
            http::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        assert_eq!(status_in(&h), None);
        assert_eq!(percent_decode(b"%ff%zz"), "\u{fffd}%zz");
    }

    #[test]
    fn hosts_and_ports() {
        let a: http::uri::Authority = "[::1]:50051".parse().unwrap();
        assert_eq!(host_port(&a), ("::1", Some(50051)));
        let a: http::uri::Authority = "grpc.io".parse().unwrap();
        assert_eq!(host_port(&a), ("grpc.io", None));
    }
}
