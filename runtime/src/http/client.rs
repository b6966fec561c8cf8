//! [`ClientLayer`]: the conventions' HTTP client span and metric for every request
//! a tower client sends, its context propagated in the request's headers.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tracing::Span;
use tracing::field::{Empty, display};

use super::request;
use super::shared::{self, SpanName};
use crate::metrics::outcome::MetricOutcome;
use crate::metrics::site::{MetricSite, TimeUnit};
use crate::metrics::timer::MetricTimer;
use crate::metrics::value::MetricValue;

pub(super) static CLIENT_DURATION: MetricSite = MetricSite::new(
    "http.client.request.duration",
    "s",
    TimeUnit::Seconds,
    "Duration of HTTP client requests.",
    &[],
);

/// A `tower::Layer` that gives every request a client sends the HTTP client span
/// and metric of the OpenTelemetry semantic conventions, and writes the span's
/// context into the request's `traceparent` (and `baggage`) headers.
///
/// The span is named `{method}`, is of kind client, a child of the current span,
/// and records `http.request.method`, `url.full` (credentials and sensitive query
/// values redacted), `url.scheme`, `server.address`, `server.port`,
/// `user_agent.original`, `network.protocol.version`,
/// `http.response.status_code`, `network.peer.address`/`network.peer.port` when
/// the response says (a [`PeerAddr`](super::request::PeerAddr) in its extensions) and
/// `error.type`: a status of 400 or more, or the error's type when the request
/// failed. It records `http.client.request.duration`.
///
/// ```no_run
/// # async fn send<S, B>(client: S) where
/// #   S: tower::Service<http::Request<String>, Response = http::Response<B>>,
/// #   S::Error: std::fmt::Display {
/// use tower::{Layer as _, ServiceExt as _};
/// let client = semtrace::http::ClientLayer::new().layer(client);
/// let request = http::Request::get("http://127.0.0.1:8080/users/123")
///     .body(String::new())
///     .unwrap();
/// let _ = client.oneshot(request).await;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientLayer {
    _private: (),
}

impl ClientLayer {
    /// The layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

crate::catalogue::middleware::middleware_entry!(super::shared::client_middleware("ClientLayer"));

impl<S> tower::Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        register_entry();
        ClientService { inner }
    }
}

/// The service [`ClientLayer`] makes.
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
}

impl<S, B, RB> tower::Service<Request<B>> for ClientService<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Error: fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ClientFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let call = ClientCall::of_uri(req.method(), req.uri(), req.headers());
        call.inject(req.headers_mut());
        let future = {
            let _entered = call.span.enter();
            self.inner.call(req)
        };
        ClientFuture {
            inner: future,
            call: Some(call),
        }
    }
}

/// One client request's span and timer, until its response.
pub(super) struct ClientCall {
    pub(super) span: Span,
    timer: MetricTimer,
    method: &'static str,
    scheme: MetricValue,
    address: MetricValue,
    port: Option<u16>,
}

impl ClientCall {
    /// Starts the span of a request to `uri` (the current span its parent).
    fn of_uri(method: &http::Method, uri: &http::Uri, headers: &http::HeaderMap) -> Self {
        let scheme = uri.scheme_str();
        let authority = uri
            .authority()
            .map(http::uri::Authority::as_str)
            .or_else(|| {
                headers
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
            });
        // The authority's credentials are no part of the server's address.
        let authority = authority.map(|a| a.rsplit_once('@').map_or(a, |(_, h)| h));
        let server = authority.and_then(request::host_port).map(|(host, port)| {
            (
                host,
                port.or_else(|| scheme.and_then(request::default_port)),
            )
        });
        let full = uri.to_string();
        Self::start(method, &full, scheme, server, headers, None)
    }

    /// Starts the span of a request to `url` (its `scheme` and `server` found by
    /// the caller), the current span its parent.
    pub(super) fn start(
        method: &http::Method,
        url: &str,
        scheme: Option<&str>,
        server: Option<(&str, Option<u16>)>,
        headers: &http::HeaderMap,
        resend_count: Option<u32>,
    ) -> Self {
        let timer = MetricTimer::start(&CLIENT_DURATION);
        let (method, original) = request::method(method);
        let full = request::redact_url(url);
        let user_agent = headers
            .get(http::header::USER_AGENT)
            .map(request::header_text);
        let span = tracing::info_span!(
            target: "semtrace::http",
            "HTTP client request",
            otel.name = %SpanName { method, route: None },
            otel.kind = "client",
            http.request.method = method,
            http.request.method_original = original,
            url.full = &*full,
            url.scheme = scheme,
            server.address = server.map(|s| s.0),
            server.port = server.and_then(|s| s.1).map(i64::from),
            user_agent.original = user_agent.as_deref(),
            http.request.resend_count = resend_count.filter(|n| *n > 0).map(i64::from),
            network.protocol.version = Empty,
            network.peer.address = Empty,
            network.peer.port = Empty,
            http.response.status_code = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
            error.type = Empty,
        );
        timer.span_made();
        let is_timed = timer.timing();
        Self {
            span,
            scheme: MetricValue::text(scheme, is_timed),
            address: MetricValue::text(server.map(|s| s.0), is_timed),
            port: server.and_then(|s| s.1),
            timer,
            method,
        }
    }

    /// Writes the span's context (the current span's when this one is not
    /// recorded) into `headers`.
    pub(super) fn inject(&self, headers: &mut http::HeaderMap) {
        let mut cx = crate::propagation::context_of(&self.span);
        if !opentelemetry::trace::TraceContextExt::has_active_span(&cx) {
            cx = crate::propagation::context_of(&Span::current());
        }
        crate::propagation::inject_context(&cx, headers);
    }

    fn dynamic(&self, version: Option<&'static str>) -> [(&'static str, MetricValue); 5] {
        [
            (
                "http.request.method",
                MetricValue::Str(Cow::Borrowed(self.method)),
            ),
            ("server.address", self.address.clone()),
            (
                "server.port",
                self.port
                    .map_or(MetricValue::None, |p| MetricValue::Int(i64::from(p))),
            ),
            ("url.scheme", self.scheme.clone()),
            (
                "network.protocol.version",
                version.map_or(MetricValue::None, |v| MetricValue::Str(Cow::Borrowed(v))),
            ),
        ]
    }

    /// The response arrived: its status (a failure from 400 up), version and peer.
    pub(super) fn respond(self, status: u16, version: http::Version, peer: Option<SocketAddr>) {
        let span = &self.span;
        let version = request::protocol_version(version);
        span.record("http.response.status_code", i64::from(status));
        if let Some(v) = version {
            span.record("network.protocol.version", v);
        }
        if let Some(peer) = peer {
            span.record("network.peer.address", display(peer.ip()));
            span.record("network.peer.port", i64::from(peer.port()));
        }
        if status >= 400 {
            shared::fail(span, &shared::status_text(status), &display(status));
        }
        let outcome = MetricOutcome::http(None, Some(status), false);
        let dynamic = self.dynamic(version);
        self.timer.finish_with(&self.span, &outcome, &dynamic);
    }

    /// The request failed before a response: `error_type` names why.
    pub(super) fn fail(self, error_type: Cow<'static, str>, description: &dyn fmt::Display) {
        shared::fail(&self.span, &error_type, description);
        let outcome = MetricOutcome::of(Some(error_type));
        let dynamic = self.dynamic(None);
        self.timer.finish_with(&self.span, &outcome, &dynamic);
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ClientService`]: the request's span is current
    /// while it is polled, and ends with the response.
    pub struct ClientFuture<F> {
        #[pin]
        inner: F,
        call: Option<ClientCall>,
    }
}

impl<F: fmt::Debug> fmt::Debug for ClientFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientFuture")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<F, RB, E> Future for ClientFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            return this.inner.poll(cx);
        };
        let result = {
            let _entered = call.span.enter();
            std::task::ready!(this.inner.poll(cx))
        };
        if let Some(call) = this.call.take() {
            match &result {
                Ok(response) => {
                    let peer = peer_of(response.extensions());
                    call.respond(response.status().as_u16(), response.version(), peer);
                }
                Err(error) => call.fail(Cow::Borrowed(shared::type_name_of(error)), error),
            }
        }
        Poll::Ready(result)
    }
}

/// The peer a response came from: a [`PeerAddr`](super::request::PeerAddr) in its
/// extensions, or hyper-util's connection info.
fn peer_of(extensions: &http::Extensions) -> Option<SocketAddr> {
    if let Some(super::request::PeerAddr(addr)) = extensions.get::<super::request::PeerAddr>() {
        return Some(*addr);
    }
    extensions
        .get::<hyper_util::client::legacy::connect::HttpInfo>()
        .map(hyper_util::client::legacy::connect::HttpInfo::remote_addr)
}
