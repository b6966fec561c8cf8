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

mod client;
pub(crate) mod request;
#[cfg(feature = "reqwest")]
mod reqwest;
mod server;
mod shared;

pub use client::{ClientFuture, ClientLayer, ClientService};
pub use request::PeerAddr;
#[cfg(feature = "reqwest")]
pub use reqwest::ReqwestMiddleware;
pub use server::{ServerFuture, ServerLayer, ServerService};
