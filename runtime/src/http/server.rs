//! [`ServerLayer`]: the conventions' HTTP server span and metrics for every request
//! a tower service answers.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderName, Request, Response};
use tracing::Span;
use tracing::field::{Empty, display};

use super::request::{self, Forwarded};
use super::shared::{self, HeaderCapture, SpanName};
use crate::metrics::outcome::MetricOutcome;
use crate::metrics::site::{MetricSite, TimeUnit};
use crate::metrics::timer::MetricTimer;
use crate::metrics::value::MetricValue;

static SERVER_DURATION: MetricSite = MetricSite::new(
    "http.server.request.duration",
    "s",
    TimeUnit::Seconds,
    "Duration of HTTP server requests.",
    &[],
);

crate::catalogue::middleware::middleware_entry!(crate::catalogue::middleware::Middleware {
    function: "ServerLayer",
    domain: "http",
    rule: "{http.request.method} {http.route}",
    fallback: "HTTP",
    kind: semtrace_semconv::spans::SpanKind::Server,
    definition: "span.http.server",
    attributes: &[
        "http.request.method",
        "http.request.method_original",
        "http.route",
        "url.path",
        "url.query",
        "url.scheme",
        "server.address",
        "server.port",
        "client.address",
        "client.port",
        "network.peer.address",
        "network.peer.port",
        "network.protocol.version",
        "user_agent.original",
        "http.response.status_code",
        "error.type",
    ],
    literals: &[],
    metric: "http.server.request.duration",
    metric_attributes: &[
        "http.request.method",
        "http.route",
        "url.scheme",
        "network.protocol.version",
        "http.response.status_code",
        "error.type",
    ],
});

type RouteFn = dyn Fn(&http::request::Parts) -> Option<Cow<'static, str>> + Send + Sync;

/// A `tower::Layer` that gives every request of the service it wraps the HTTP
/// server span and metrics of the OpenTelemetry semantic conventions.
///
/// The span is named `{method} {http.route}` (`GET /users/{id}`; `{method}` when
/// no route is known), is of kind server, and continues the trace the request's
/// `traceparent` (and `baggage`) carry. It records every attribute of the
/// conventions' HTTP server span the request and response reveal:
/// `http.request.method` (`_OTHER` and `http.request.method_original` for a method
/// the conventions do not know), `http.route`, `url.path`, `url.query` (sensitive
/// values redacted), `url.scheme`, `server.address`, `server.port`,
/// `client.address`, `client.port`, `network.peer.address`, `network.peer.port`,
/// `network.protocol.version`, `user_agent.original`, `http.response.status_code`
/// and `error.type`. A 5xx response, an error of the service or a panic fails the
/// span; a 4xx does not (the client's mistake). It records
/// `http.server.request.duration` and `http.server.active_requests`.
///
/// The span is current while the service handles the request: spans of
/// `#[traced]`/`#[traced_db]` functions the handler calls nest under it, and the
/// handler reads the trace id from `tracing::Span::current()` (see
/// [`propagation::context_of`](crate::propagation::context_of)). A handler that
/// also carries `#[traced_http]` adds to this span rather than making a second
/// server span (see the [module docs](super)).
///
/// With feature `axum`, the route is the one axum matched (`MatchedPath`: add the
/// layer with `Router::layer`, which runs after routing) and the peer comes from
/// `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`). Other servers insert a
/// [`PeerAddr`](super::request::PeerAddr) and give the route with
/// [`route_with`](Self::route_with).
///
/// ```no_run
/// # #[cfg(feature = "axum")]
/// # async fn serve() -> std::io::Result<()> {
/// use axum::{Router, routing::get};
/// let app = Router::new()
///     .route("/users/{id}", get(|| async { "Alice" }))
///     .layer(semtrace::http::ServerLayer::new());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(
///     listener,
///     app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
/// )
/// .await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ServerLayer {
    config: Arc<ServerConfig>,
}

#[derive(Clone, Default)]
struct ServerConfig {
    route: Option<Arc<RouteFn>>,
    request_headers: HeaderCapture,
    response_headers: HeaderCapture,
    trust_forwarded: bool,
    body_sizes: bool,
    scheme: Option<&'static str>,
}

impl fmt::Debug for ServerLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("ServerLayer")
            .field("route_with", &c.route.is_some())
            .field("request_headers", &c.request_headers)
            .field("response_headers", &c.response_headers)
            .field("trust_forwarded", &c.trust_forwarded)
            .field("body_sizes", &c.body_sizes)
            .field("scheme", &c.scheme)
            .finish()
    }
}

impl ServerLayer {
    /// The layer with the conventions' defaults: no headers captured, forwarding
    /// headers not trusted, body sizes not recorded.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn config(mut self, f: impl FnOnce(&mut ServerConfig)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// The route of a request (`/users/{id}`: a template, never the concrete path),
    /// for servers whose router axum's `MatchedPath` does not describe. Returning
    /// `None` leaves the route unknown (the span is named `{method}`).
    #[must_use]
    pub fn route_with<F, R>(self, route: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Option<R> + Send + Sync + 'static,
        R: Into<Cow<'static, str>>,
    {
        self.config(|c| c.route = Some(Arc::new(move |p| route(p).map(Into::into))))
    }

    /// Request headers recorded as `http.request.header.<name>` (lower case, every
    /// value of the header as a string array). Opt-in, as the conventions ask:
    /// headers can carry secrets.
    #[must_use]
    pub fn request_headers<I>(self, names: I) -> Self
    where
        I: IntoIterator<Item = HeaderName>,
    {
        self.config(|c| c.request_headers = HeaderCapture::new("http.request.header.", names))
    }

    /// Response headers recorded as `http.response.header.<name>`.
    #[must_use]
    pub fn response_headers<I>(self, names: I) -> Self
    where
        I: IntoIterator<Item = HeaderName>,
    {
        self.config(|c| c.response_headers = HeaderCapture::new("http.response.header.", names))
    }

    /// Trusts `Forwarded` and `X-Forwarded-For`/`-Host`/`-Proto`: `client.address`,
    /// `server.address` and `url.scheme` come from them. Only behind a proxy that
    /// sets them: a client can write any of them.
    #[must_use]
    pub fn trust_forwarded(self, trust: bool) -> Self {
        self.config(|c| c.trust_forwarded = trust)
    }

    /// Records `http.request.body.size` and `http.response.body.size` (from
    /// `Content-Length`, or a response body's exact size) on the span, and the
    /// histograms `http.server.request.body.size` and
    /// `http.server.response.body.size` (all opt-in in the conventions).
    #[must_use]
    pub fn record_body_sizes(self, record: bool) -> Self {
        self.config(|c| c.body_sizes = record)
    }

    /// The `url.scheme` of requests whose URI has none (the usual case): `https`
    /// for a server that terminates TLS itself. `http` by default.
    #[must_use]
    pub fn scheme(self, scheme: &'static str) -> Self {
        self.config(|c| c.scheme = Some(scheme))
    }
}

impl<S> tower::Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        register_entry();
        ServerService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`ServerLayer`] makes.
#[derive(Clone)]
pub struct ServerService<S> {
    inner: S,
    config: Arc<ServerConfig>,
}

impl<S: fmt::Debug> fmt::Debug for ServerService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, B, RB> tower::Service<Request<B>> for ServerService<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Error: fmt::Display,
    RB: http_body::Body,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let timer = MetricTimer::start(&SERVER_DURATION);
        let (parts, body) = req.into_parts();
        let state = start(&self.config, &parts, timer);
        let req = Request::from_parts(parts, body);
        let future = {
            let _entered = state.span.enter();
            self.inner.call(req)
        };
        ServerFuture {
            inner: future,
            state: Some(state),
        }
    }
}

/// What one request's span and metric need until its response.
struct Active {
    span: Span,
    timer: MetricTimer,
    method: &'static str,
    route: MetricValue,
    scheme: MetricValue,
    version: Option<&'static str>,
    config: Arc<ServerConfig>,
    /// `Content-Length` of the request, when body sizes are recorded.
    request_size: Option<i64>,
    /// Counted in `http.server.active_requests` (its scheme when interned).
    counted: Option<&'static str>,
}

/// Reads the request, starts its span and counts it active.
fn start(config: &Arc<ServerConfig>, parts: &http::request::Parts, timer: MetricTimer) -> Active {
    let (method, original) = request::method(&parts.method);
    let route: Option<Cow<'_, str>> = match request::matched_route(&parts.extensions) {
        Some(route) => Some(Cow::Borrowed(route)),
        None => config.route.as_ref().and_then(|f| f(parts)),
    };
    let forwarded = if config.trust_forwarded {
        Forwarded::of(&parts.headers)
    } else {
        Forwarded::default()
    };
    let scheme: &str = parts
        .uri
        .scheme_str()
        .or(forwarded.proto.as_deref())
        .or(config.scheme)
        .unwrap_or("http");
    let version = request::protocol_version(parts.version);
    let authority = forwarded.host.as_deref().or_else(|| {
        parts
            .uri
            .authority()
            .map(http::uri::Authority::as_str)
            .or_else(|| {
                parts
                    .headers
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
            })
    });
    let server = authority
        .and_then(request::host_port)
        .map(|(host, port)| (host, port.or_else(|| request::default_port(scheme))));
    let peer = request::peer(&parts.extensions);
    let (client_address, client_port) = match &forwarded.client {
        Some((address, port)) => (Some(shared::Address::Text(address)), *port),
        None => (
            peer.map(|p| shared::Address::Ip(p.ip())),
            peer.map(|p| p.port()),
        ),
    };
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .map(request::header_text);
    let query = parts.uri.query().map(request::redact_query);
    let body_size = if config.body_sizes {
        content_length(&parts.headers)
    } else {
        None
    };

    // The caller's context, when the headers carry one, is the span's parent.
    let parent = crate::__private::remote_parent_headers(&parts.headers);
    let span = tracing::info_span!(
        target: crate::__private::LAYER_SERVER_TARGET,
        crate::__private::LAYER_SERVER_NAME,
        otel.name = %SpanName { method, route: route.as_deref() },
        otel.kind = "server",
        http.request.method = method,
        http.request.method_original = original,
        http.route = route.as_deref(),
        url.path = parts.uri.path(),
        url.query = query.as_deref(),
        url.scheme = scheme,
        server.address = server.map(|s| s.0),
        server.port = server.and_then(|s| s.1).map(i64::from),
        client.address = client_address.map(display),
        client.port = client_port.map(i64::from),
        network.peer.address = peer.map(|p| display(p.ip())),
        network.peer.port = peer.map(|p| i64::from(p.port())),
        network.protocol.version = version,
        user_agent.original = user_agent.as_deref(),
        http.request.body.size = body_size,
        http.response.status_code = Empty,
        http.response.body.size = Empty,
        otel.status_code = Empty,
        otel.status_description = Empty,
        error.type = Empty,
    );
    drop(parent);
    timer.span_made();
    config.request_headers.record(&span, &parts.headers);

    let is_timed = timer.timing();
    let scheme_value = MetricValue::text(Some(scheme), is_timed);
    let active = match &scheme_value {
        MetricValue::Str(Cow::Borrowed(s)) => Some(*s),
        _ => None,
    };
    if let Some(scheme) = active {
        shared::with_sites(&span, |sites| sites.active_requests(method, scheme, 1));
    }
    Active {
        route: MetricValue::text(route.as_deref(), is_timed),
        scheme: scheme_value,
        span,
        timer,
        method,
        version,
        config: Arc::clone(config),
        counted: active,
        request_size: body_size,
    }
}

fn content_length(headers: &http::HeaderMap) -> Option<i64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

impl Active {
    fn dynamic(&self) -> [(&'static str, MetricValue); 4] {
        [
            (
                "http.request.method",
                MetricValue::Str(Cow::Borrowed(self.method)),
            ),
            ("http.route", self.route.clone()),
            ("url.scheme", self.scheme.clone()),
            (
                "network.protocol.version",
                self.version
                    .map_or(MetricValue::None, |v| MetricValue::Str(Cow::Borrowed(v))),
            ),
        ]
    }

    fn respond<RB: http_body::Body>(mut self, response: &Response<RB>) {
        let status = response.status().as_u16();
        let span = &self.span;
        span.record("http.response.status_code", i64::from(status));
        if self.config.body_sizes {
            // Before hyper writes `Content-Length`: the body's exact size.
            let size = content_length(response.headers()).or_else(|| {
                response
                    .body()
                    .size_hint()
                    .exact()
                    .and_then(|n| i64::try_from(n).ok())
            });
            if let Some(size) = size {
                span.record("http.response.body.size", size);
            }
            self.record_sizes(status, size);
        }
        self.config
            .response_headers
            .record(span, response.headers());
        if status >= 500 {
            shared::fail(span, &shared::status_text(status), &display(status));
        }
        let outcome = MetricOutcome::http(None, Some(status), true);
        self.finish(&outcome);
    }

    /// The body size histograms, with the duration's attributes.
    fn record_sizes(&self, status: u16, response: Option<i64>) {
        use opentelemetry::KeyValue;
        if !self.timer.timing() {
            return;
        }
        let mut attrs = vec![
            KeyValue::new("http.request.method", self.method),
            KeyValue::new("http.response.status_code", i64::from(status)),
        ];
        for (key, value) in [("http.route", &self.route), ("url.scheme", &self.scheme)] {
            if let MetricValue::Str(v) = value {
                attrs.push(KeyValue::new(key, v.to_string()));
            }
        }
        if let Some(v) = self.version {
            attrs.push(KeyValue::new("network.protocol.version", v));
        }
        if status >= 500 {
            attrs.push(KeyValue::new("error.type", shared::status_text(status)));
        }
        let sizes = [(false, self.request_size), (true, response)];
        shared::with_sites(&self.span, |sites| {
            for (is_response, size) in sizes {
                if let Some(bytes) = size.and_then(|b| u64::try_from(b).ok()) {
                    sites.body_size(is_response, bytes, &attrs);
                }
            }
        });
    }

    fn fail(mut self, error_type: &str, description: &dyn fmt::Display) {
        shared::fail(&self.span, error_type, description);
        let outcome = MetricOutcome::of(Some(Cow::Owned(error_type.to_owned())));
        self.finish(&outcome);
    }

    fn finish(&mut self, outcome: &MetricOutcome) {
        let timer = std::mem::replace(&mut self.timer, MetricTimer::off(&SERVER_DURATION));
        let dynamic = self.dynamic();
        timer.finish_with(&self.span, outcome, &dynamic);
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        if self.timer.timing() {
            // Unfinished: the handler panicked, or the request was dropped (the
            // client went away). The duration counts only a panic, as an error.
            if std::thread::panicking() {
                shared::fail(&self.span, "panic", &"the handler panicked");
                let outcome = MetricOutcome::of(Some(Cow::Borrowed("panic")));
                self.finish(&outcome);
            } else {
                self.timer = MetricTimer::off(&SERVER_DURATION);
            }
        } else if std::thread::panicking() {
            shared::fail(&self.span, "panic", &"the handler panicked");
        }
        if let Some(scheme) = self.counted {
            let method = self.method;
            shared::with_sites(&self.span, |sites| {
                sites.active_requests(method, scheme, -1);
            });
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ServerService`]: the request's span is current
    /// while it is polled, and ends with the response.
    pub struct ServerFuture<F> {
        #[pin]
        inner: F,
        state: Option<Active>,
    }
}

impl<F: fmt::Debug> fmt::Debug for ServerFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerFuture")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<F, RB, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
    E: fmt::Display,
    RB: http_body::Body,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(state) = this.state.as_ref() else {
            return this.inner.poll(cx);
        };
        let result = {
            let _entered = state.span.enter();
            std::task::ready!(this.inner.poll(cx))
        };
        if let Some(state) = this.state.take() {
            match &result {
                Ok(response) => state.respond(response),
                Err(error) => state.fail(shared::type_name_of(error), error),
            }
        }
        Poll::Ready(result)
    }
}
