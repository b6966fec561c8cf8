//! What the HTTP server and client layers share: span names, addresses, captured
//! headers, failing a span, and the metrics recorder of a span's subscriber.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use http::{HeaderMap, HeaderName};
use tracing::Span;

/// A span's `otel.name`: `{method} {route}`, or `{method}` without a route; a
/// method the conventions do not know (`_OTHER`) is named `HTTP`, as they say.
pub(super) struct SpanName<'a> {
    pub(super) method: &'a str,
    pub(super) route: Option<&'a str>,
}

impl fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.method == "_OTHER" {
            "HTTP"
        } else {
            self.method
        })?;
        if let Some(route) = self.route {
            f.write_str(" ")?;
            f.write_str(route)?;
        }
        Ok(())
    }
}

/// `client.address`: a forwarded client's text or the peer's address.
pub(super) enum Address<'a> {
    Text(&'a str),
    Ip(IpAddr),
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Ip(ip) => fmt::Display::fmt(ip, f),
        }
    }
}

/// Headers recorded as `{prefix}{name}` attributes: string arrays of every value.
#[derive(Clone, Default)]
pub(super) struct HeaderCapture(Vec<(HeaderName, &'static str)>);

impl fmt::Debug for HeaderCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| n))
            .finish()
    }
}

impl HeaderCapture {
    /// The attribute keys are made once, when the layer is configured (a layer is
    /// configured a few times per process, not per request).
    pub(super) fn new(prefix: &str, names: impl IntoIterator<Item = HeaderName>) -> Self {
        Self(
            names
                .into_iter()
                .map(|name| {
                    let key = format!("{prefix}{}", name.as_str());
                    let key: &'static str = match crate::metrics::value::intern(&key) {
                        Cow::Borrowed(k) => k,
                        Cow::Owned(k) => Box::leak(k.into_boxed_str()),
                    };
                    (name, key)
                })
                .collect(),
        )
    }

    pub(super) fn record(&self, span: &Span, headers: &HeaderMap) {
        for (name, key) in &self.0 {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|v| super::request::header_text(v).into_owned())
                .collect();
            if !values.is_empty() {
                crate::__private::record_array(span, key, &values);
            }
        }
    }
}

/// Fails `span`: status `ERROR` with `description`, and `error.type`.
pub(super) fn fail(span: &Span, error_type: &str, description: &dyn fmt::Display) {
    span.record("otel.status_code", "ERROR");
    span.record(
        "otel.status_description",
        tracing::field::display(description),
    );
    span.record("error.type", error_type);
}

/// A status code as text (`"500"`), the `error.type` of a failing status.
pub(super) fn status_text(status: u16) -> String {
    status.to_string()
}

/// The `error.type` of a service's error: its type's name.
pub(super) fn type_name_of<E>(_: &E) -> &'static str {
    std::any::type_name::<E>()
}

/// Calls `f` with the metrics recorder of `span`'s subscriber (the current one's
/// when `span` is disabled), if that subscriber is semtrace's.
pub(super) fn with_sites(span: &Span, f: impl FnOnce(&crate::metrics::recorder::Sites)) {
    let mut f = Some(f);
    let mut call = |dispatch: &tracing::Dispatch| {
        if let (Some(sites), Some(f)) = (crate::outer::sites_of(dispatch), f.take()) {
            f(sites);
        }
    };
    if span
        .with_subscriber(|(_, dispatch)| call(dispatch))
        .is_none()
    {
        tracing::dispatcher::get_default(call);
    }
}

/// The catalogue's description of an HTTP client middleware (`ClientLayer`,
/// `ReqwestMiddleware`): what its spans and its metric record.
pub(super) const fn client_middleware(
    function: &'static str,
) -> crate::catalogue::middleware::Middleware {
    crate::catalogue::middleware::Middleware {
        function,
        domain: "http",
        rule: "{http.request.method}",
        fallback: "HTTP",
        kind: semtrace_semconv::spans::SpanKind::Client,
        definition: "span.http.client",
        attributes: &[
            "http.request.method",
            "http.request.method_original",
            "url.full",
            "url.scheme",
            "server.address",
            "server.port",
            "network.peer.address",
            "network.peer.port",
            "network.protocol.version",
            "user_agent.original",
            "http.request.resend_count",
            "http.response.status_code",
            "error.type",
        ],
        literals: &[],
        metric: "http.client.request.duration",
        metric_attributes: &[
            "http.request.method",
            "server.address",
            "server.port",
            "url.scheme",
            "network.protocol.version",
            "http.response.status_code",
            "error.type",
        ],
    }
}
