//! HTTP middleware (features `tower`, `axum`, `reqwest`): the OpenTelemetry
//! semantic conventions' HTTP server and client spans and metrics for every request,
//! with no annotation on handlers or calls.
//!
//! - [`ServerLayer`]: a `tower::Layer` for any service of `http::Request<B>` (axum's
//!   `Router::layer`, hyper-util, tonic). One server span per request, its parent
//!   read from the request's `traceparent`, current while the handler runs;
//!   `http.server.request.duration` and `http.server.active_requests`.
//! - [`ClientLayer`]: a `tower::Layer` for `http::Request` clients (hyper-util's
//!   legacy client and the like). One client span per request, its context written
//!   into the request's `traceparent` (and `baggage`);
//!   `http.client.request.duration`.
//! - `ReqwestMiddleware` (feature `reqwest`): the same for
//!   `reqwest_middleware::ClientBuilder::new(client).with(…)`, one span per attempt.
//!
//! The attributes are the conventions' (`span.http.server`, `span.http.client`):
//! everything the request and the response reveal, by their rules (`_OTHER` for
//! methods they do not know, sensitive query values and credentials redacted,
//! `Forwarded` read only when trusted, a 4xx is no server error). Long or
//! non-UTF-8 header values are kept (lossily) and cut by the span limits in force.
//!
//! # `#[traced_http]` under the layer
//!
//! A handler that also carries `#[traced_http]` (say, for its `route` on a server
//! whose route the layer cannot find) makes no second server span while the
//! layer's span is current: the macro's fields go onto the layer's span (its
//! `http.route` and the span's name included, when the layer found no route), its
//! outcome too (an `Err` fails the span), and only the layer records the duration
//! metric. Outside the layer the macro makes its own span, as before.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use http::{HeaderMap, HeaderName};
use tracing::Span;

mod client;
pub(crate) mod request;
#[cfg(feature = "reqwest")]
mod reqwest;
mod server;

pub use client::{ClientFuture, ClientLayer, ClientService};
pub use request::PeerAddr;
#[cfg(feature = "reqwest")]
pub use reqwest::ReqwestMiddleware;
pub use server::{ServerFuture, ServerLayer, ServerService};

/// A span's `otel.name`: `{method} {route}`, or `{method}` without a route; a
/// method the conventions do not know (`_OTHER`) is named `HTTP`, as they say.
struct SpanName<'a> {
    method: &'a str,
    route: Option<&'a str>,
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
enum Address<'a> {
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
struct HeaderCapture(Vec<(HeaderName, &'static str)>);

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
    fn new(prefix: &str, names: impl IntoIterator<Item = HeaderName>) -> Self {
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

    fn record(&self, span: &Span, headers: &HeaderMap) {
        for (name, key) in &self.0 {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|v| request::header_text(v).into_owned())
                .collect();
            if !values.is_empty() {
                crate::__private::record_array(span, key, &values);
            }
        }
    }
}

/// Fails `span`: status `ERROR` with `description`, and `error.type`.
fn fail(span: &Span, error_type: &str, description: &dyn fmt::Display) {
    span.record("otel.status_code", "ERROR");
    span.record(
        "otel.status_description",
        tracing::field::display(description),
    );
    span.record("error.type", error_type);
}

/// A status code as text (`"500"`), the `error.type` of a failing status.
fn status_text(status: u16) -> String {
    status.to_string()
}

/// The `error.type` of a service's error: its type's name.
fn type_name_of<E>(_: &E) -> &'static str {
    std::any::type_name::<E>()
}

/// Calls `f` with the metrics recorder of `span`'s subscriber (the current one's
/// when `span` is disabled), if that subscriber is semtrace's.
fn with_sites(span: &Span, f: impl FnOnce(&crate::metrics::recorder::Sites)) {
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
