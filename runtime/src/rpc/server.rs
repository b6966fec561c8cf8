//! The server side: a span per incoming call, its parent read from the caller's
//! headers.

use std::fmt::Display;
use std::task::{Context, Poll};

use semtrace_semconv::keys;
use tower::{Layer, Service};

use super::call::{Call, ResponseBody, ResponseFuture, host_port, method_of, span_name};
use crate::metrics::site::{MetricSite, StaticValue, TimeUnit};
use crate::metrics::timer::MetricTimer;
use crate::metrics::value::MetricValue;

static SITE: MetricSite = MetricSite::new(
    "rpc.server.call.duration",
    "s",
    TimeUnit::Seconds,
    "Measures the duration of an incoming Remote Procedure Call (RPC).",
    &[("rpc.system.name", StaticValue::Str("grpc"))],
);

/// Traces each call a tonic server handles (`span.rpc.call.server`) and records
/// `rpc.server.call.duration`: `Server::builder().layer(ServerLayer::new())`. See
/// [the module](super).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerLayer {
    _private: (),
}

impl ServerLayer {
    /// The layer.
    pub fn new() -> Self {
        Self::default()
    }
}

crate::catalogue::middleware::middleware_entry!(crate::catalogue::middleware::Middleware {
    function: "ServerLayer",
    domain: "rpc",
    rule: "{rpc.method}",
    fallback: "grpc",
    kind: semtrace_semconv::spans::SpanKind::Server,
    definition: "span.rpc.grpc.call.server",
    attributes: &[
        "rpc.system.name",
        "rpc.method",
        "rpc.method_original",
        "server.address",
        "server.port",
        "network.peer.address",
        "network.peer.port",
        "rpc.response.status_code",
        "error.type",
    ],
    literals: &[("rpc.system.name", "grpc")],
    metric: "rpc.server.call.duration",
    metric_attributes: &[
        "rpc.system.name",
        "rpc.method",
        "rpc.response.status_code",
        "error.type",
    ],
});

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        register_entry();
        ServerService { inner }
    }
}

/// The service [`ServerLayer`] wraps around a server's routes.
#[derive(Debug, Clone)]
pub struct ServerService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for ServerService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Error: Display,
    ResBody: http_body::Body,
{
    type Response = http::Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let call = start(&request);
        let future = {
            let _entered = call.span.enter();
            self.inner.call(request)
        };
        ResponseFuture::new(future, call)
    }
}

/// Starts the span of an incoming call, and its timer.
fn start<B>(request: &http::Request<B>) -> Call {
    let (method, original) = method_of(request.uri().path());
    // HTTP/2's `:authority`, else an HTTP/1 `Host`.
    let authority = request.uri().authority().cloned().or_else(|| {
        request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| http::uri::Authority::try_from(h.as_bytes()).ok())
    });
    let (address, port) = authority.as_ref().map_or((None, None), |a| {
        let (host, port) = host_port(a);
        (Some(host), port)
    });
    let peer = request
        .extensions()
        .get::<tonic::transport::server::TcpConnectInfo>()
        .and_then(tonic::transport::server::TcpConnectInfo::remote_addr);
    let peer_address = peer.map(|p| p.ip().to_string());

    let timer = MetricTimer::start(&SITE);
    let span = {
        // The caller's context, taken before the span starts so that sampling
        // decides with it.
        let _parent = crate::__private::remote_parent_headers(request.headers());
        tracing::info_span!(
            "rpc.server",
            otel.name = span_name(method),
            otel.kind = "server",
            rpc.system.name = "grpc",
            rpc.method = method,
            rpc.method_original = original,
            server.address = address,
            server.port = port.map(i64::from),
            network.peer.address = peer_address.as_deref(),
            network.peer.port = peer.map(|p| i64::from(p.port())),
            rpc.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            otel.status_description = tracing::field::Empty,
            error.type = tracing::field::Empty,
        )
    };
    timer.span_made();
    let recording = timer.timing();
    Call {
        span,
        timer: Some(timer),
        server: true,
        // `server.address` and `server.port` are opt-in on the server's metric.
        metric: [
            ("rpc.method", MetricValue::text(Some(method), recording)),
            (keys::SERVER_ADDRESS, MetricValue::None),
            (keys::SERVER_PORT, MetricValue::None),
        ],
        status: None,
    }
}
