//! The client side: a span per outgoing call, a child of the current span, whose
//! context the request headers carry to the server.

use std::borrow::Cow;
use std::fmt::Display;
use std::task::{Context, Poll};

use semtrace_semconv::keys;
use tower::{Layer, Service};

use super::call::{Call, ResponseBody, ResponseFuture, host_port, method_of, span_name};
use crate::metrics::site::{MetricSite, StaticValue, TimeUnit};
use crate::metrics::timer::MetricTimer;
use crate::metrics::value::MetricValue;

static SITE: MetricSite = MetricSite::new(
    "rpc.client.call.duration",
    "s",
    TimeUnit::Seconds,
    "Measures the duration of an outgoing Remote Procedure Call (RPC).",
    &[("rpc.system.name", StaticValue::Str("grpc"))],
);

/// Traces each call of a tonic client (`span.rpc.call.client`), propagates its
/// context in the request headers and records `rpc.client.call.duration`:
/// `ServiceBuilder::new().layer(ClientLayer::new()).service(channel)`. See
/// [the module](super).
#[derive(Debug, Clone, Default)]
pub struct ClientLayer {
    target: Target,
}

/// `server.address` and `server.port` from the channel's target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Target {
    address: Option<Cow<'static, str>>,
    port: Option<u16>,
}

impl ClientLayer {
    /// The layer; calls name their server only when their URI has an authority.
    pub fn new() -> Self {
        Self::default()
    }

    /// The channel's target, for `server.address` and `server.port` of calls whose
    /// URI has no authority (a tonic channel adds it after this layer): an endpoint
    /// URI (`http://api.example.com:50051`), `host:port`, or a gRPC target string
    /// (`dns:///grpc.io:50051`, `unix:///run/app.sock`). A target that names no
    /// host is `server.address` whole, without a port, as the conventions say.
    #[must_use]
    pub fn target(mut self, target: &str) -> Self {
        self.target = Target::parse(target);
        self
    }
}

impl Target {
    fn parse(target: &str) -> Self {
        let (address, port) = parse_target(target);
        Self {
            address: Some(crate::metrics::value::intern(&address)),
            port,
        }
    }
}

/// A gRPC target's server: its host and port, or the whole target.
fn parse_target(target: &str) -> (String, Option<u16>) {
    let authority = |text: &str| {
        let a = text.parse::<http::uri::Authority>().ok()?;
        if a.as_str() != text || text.contains('@') {
            return None;
        }
        let (host, port) = host_port(&a);
        Some((host.to_owned(), port))
    };
    let scheme = target.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let found = match scheme.as_deref() {
        Some("http" | "https") => {
            semtrace_semconv::url::server(target).map(|(host, port)| (host.to_owned(), port))
        }
        // `dns:[//resolver/]host[:port]`
        Some("dns") => {
            let rest = &target[4..];
            match rest.strip_prefix("//") {
                Some(after) => after.split_once('/').and_then(|(_, name)| authority(name)),
                None => authority(rest),
            }
        }
        // `unix:path` and `unix:///path`: the socket's path.
        Some("unix") => {
            let path = &target[5..];
            let path = path.strip_prefix("//").unwrap_or(path);
            (!path.is_empty()).then(|| (path.to_owned(), None))
        }
        _ => authority(target),
    };
    found.unwrap_or_else(|| (target.to_owned(), None))
}

crate::catalogue::middleware::middleware_entry!(crate::catalogue::middleware::Middleware {
    function: "ClientLayer",
    domain: "rpc",
    rule: "{rpc.method}",
    fallback: "grpc",
    kind: semtrace_semconv::spans::SpanKind::Client,
    definition: "span.rpc.grpc.call.client",
    attributes: &[
        "rpc.system.name",
        "rpc.method",
        "rpc.method_original",
        "server.address",
        "server.port",
        "rpc.response.status_code",
        "error.type",
    ],
    literals: &[("rpc.system.name", "grpc")],
    metric: "rpc.client.call.duration",
    metric_attributes: &[
        "rpc.system.name",
        "rpc.method",
        "server.address",
        "server.port",
        "rpc.response.status_code",
        "error.type",
    ],
});

impl<S> Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        register_entry();
        ClientService {
            inner,
            target: self.target.clone(),
        }
    }
}

/// The service [`ClientLayer`] wraps around a channel.
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
    target: Target,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for ClientService<S>
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

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let call = start(&request, &self.target);
        // The client span's own context, so the server's span is its child.
        crate::__private::inject(&call.span, request.headers_mut());
        let future = {
            let _entered = call.span.enter();
            self.inner.call(request)
        };
        ResponseFuture::new(future, call)
    }
}

/// Starts the span of an outgoing call, and its timer.
fn start<B>(request: &http::Request<B>, target: &Target) -> Call {
    let (method, original) = method_of(request.uri().path());
    let (address, port) = match request.uri().authority() {
        Some(a) => {
            let (host, port) = host_port(a);
            let default = match request.uri().scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            };
            (Some(Cow::Owned(host.to_owned())), port.or(default))
        }
        None => (target.address.clone(), target.port),
    };

    let timer = MetricTimer::start(&SITE);
    let span = tracing::info_span!(
        "rpc.client",
        otel.name = span_name(method),
        otel.kind = "client",
        rpc.system.name = "grpc",
        rpc.method = method,
        rpc.method_original = original,
        server.address = address.as_deref(),
        server.port = port.map(i64::from),
        rpc.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        otel.status_description = tracing::field::Empty,
        error.type = tracing::field::Empty,
    );
    timer.span_made();
    let recording = timer.timing();
    Call {
        span,
        timer: Some(timer),
        server: false,
        metric: [
            ("rpc.method", MetricValue::text(Some(method), recording)),
            (
                keys::SERVER_ADDRESS,
                MetricValue::text(address.as_deref(), recording),
            ),
            (
                keys::SERVER_PORT,
                MetricValue::int(port.map(i64::from), recording),
            ),
        ],
        status: None,
    }
}

#[cfg(test)]
mod tests {
    fn parse_target(target: &str) -> (String, Option<u16>) {
        super::parse_target(target)
    }
    fn t(host: &str, port: Option<u16>) -> (String, Option<u16>) {
        (host.to_owned(), port)
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("grpc.io:50051"), t("grpc.io", Some(50051)));
        assert_eq!(parse_target("[::1]:50051"), t("::1", Some(50051)));
        assert_eq!(
            parse_target("http://127.0.0.1:50051"),
            t("127.0.0.1", Some(50051))
        );
        assert_eq!(
            parse_target("https://api.example.com"),
            t("api.example.com", Some(443))
        );
        assert_eq!(
            parse_target("dns://1.2.3.4/grpc.io:50051"),
            t("grpc.io", Some(50051))
        );
        assert_eq!(
            parse_target("dns:///grpc.io:50051"),
            t("grpc.io", Some(50051))
        );
        assert_eq!(parse_target("dns:grpc.io"), t("grpc.io", None));
        assert_eq!(
            parse_target("unix:///run/containerd/containerd.sock"),
            t("/run/containerd/containerd.sock", None)
        );
        assert_eq!(parse_target("unix:relative.sock"), t("relative.sock", None));
        for whole in [
            "zk://zookeeper:2181/my-server",
            "ipv4:198.51.100.123:50051,198.51.100.124:50051",
            "",
            "dns://",
        ] {
            assert_eq!(parse_target(whole), t(whole, None));
        }
    }
}
