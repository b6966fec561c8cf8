//! OTLP over gRPC (tonic) or HTTP/protobuf (async reqwest), on the exporter's own
//! Tokio runtime: semtrace's own two small clients for `opentelemetry-proto`'s
//! messages, on the transport the OTLP signals share (`crate::transport`).
//!
//! - Requests are built straight from a batch (`proto.rs`) and shared, not copied,
//!   between attempts.
//! - Transient failures are retried as the OTLP specification says (retryable gRPC
//!   codes, HTTP 429/502/503/504, gRPC `RetryInfo` and HTTP `Retry-After`), with
//!   exponential backoff and jitter, within the export timeout (`transport`).
//! - A partial success is read from every response (`grpc.rs`, `http.rs`): the spans
//!   a collector rejects are counted as such, so `exported` counts only spans it
//!   accepted. `opentelemetry-otlp`'s span exporters only log a partial success (and
//!   its gRPC channel cannot be wrapped to see responses); its metric exporters are
//!   still the ones semtrace uses.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use super::exporter::Exporter;
use crate::config::{Protocol, Settings};
use crate::error::InitError;

#[cfg(feature = "otlp-grpc")]
mod grpc;
#[cfg(not(feature = "otlp-grpc"))]
use disabled as grpc;
#[cfg(feature = "otlp-http")]
mod http;
#[cfg(not(feature = "otlp-http"))]
use disabled as http;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod proto;

/// The OTLP exporter for the resolved settings, over their protocol.
pub(crate) fn build(
    settings: &Settings,
    resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    let o = settings
        .otlp
        .as_ref()
        .expect("resolution sets OTLP settings when `otlp` is chosen");
    match o.protocol {
        Protocol::Grpc => grpc::build(o, resource),
        Protocol::HttpProtobuf => http::build(o, resource),
    }
}

/// A protocol whose feature is off: resolution already refuses it; this is the
/// same refusal for any path that gets here.
#[cfg(not(all(feature = "otlp-grpc", feature = "otlp-http")))]
mod disabled {
    use std::sync::Arc;

    use opentelemetry_sdk::Resource;

    use super::super::exporter::Exporter;
    use crate::config::OtlpSettings;
    use crate::error::InitError;

    pub(super) fn build(
        o: &OtlpSettings,
        _resource: &Resource,
    ) -> Result<Arc<dyn Exporter>, InitError> {
        Err(InitError::FeatureDisabled {
            what: format!("OTLP protocol `{}`", o.protocol),
            feature: "otlp-grpc` or `otlp-http",
        })
    }
}
