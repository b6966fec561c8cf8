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

use super::Exporter;
use crate::config::{OtlpSettings, Protocol};
use crate::error::InitError;

#[cfg(feature = "otlp-grpc")]
mod grpc;
#[cfg(feature = "otlp-http")]
mod http;
mod proto;

/// The OTLP exporter for the resolved settings. Must be called inside the exporter's
/// runtime: tonic spawns its connection task there.
pub(crate) fn build(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    match o.protocol {
        #[cfg(feature = "otlp-grpc")]
        Protocol::Grpc => Ok(Arc::new(grpc::Grpc::new(o, resource)?)),
        #[cfg(feature = "otlp-http")]
        Protocol::HttpProtobuf => Ok(Arc::new(http::Http::new(o, resource)?)),
        #[allow(unreachable_patterns)] // resolution already rejects protocols left out
        _ => Err(InitError::FeatureDisabled {
            what: format!("OTLP protocol `{}`", o.protocol),
            feature: "otlp-grpc` or `otlp-http",
        }),
    }
}
