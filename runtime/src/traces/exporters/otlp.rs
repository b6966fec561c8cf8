//! OTLP over gRPC (tonic) or HTTP/protobuf (async reqwest), built by
//! `opentelemetry-otlp`, which also retries transient failures (retryable gRPC codes,
//! HTTP 429/502/503/504, `Retry-After`) with exponential backoff and jitter within the
//! export timeout. Both run on the exporter's own Tokio runtime.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use super::Exporter;
use crate::config::{Compression, OtlpSettings, Protocol};
use crate::error::InitError;

/// The OTLP exporter for the resolved settings. Must be called inside the exporter's
/// runtime: tonic spawns its connection task there.
pub(crate) fn build(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    match o.protocol {
        #[cfg(feature = "otlp-grpc")]
        Protocol::Grpc => grpc(o, resource),
        #[cfg(feature = "otlp-http")]
        Protocol::HttpProtobuf => http(o, resource),
        #[allow(unreachable_patterns)] // resolution already rejects protocols left out
        _ => Err(InitError::FeatureDisabled {
            what: format!("OTLP protocol `{}`", o.protocol),
            feature: "otlp-grpc` or `otlp-http",
        }),
    }
}

/// The headers as gRPC metadata (spans and metrics alike).
#[cfg(feature = "otlp-grpc")]
pub(crate) fn grpc_metadata(o: &OtlpSettings) -> Result<tonic::metadata::MetadataMap, InitError> {
    let mut metadata = http::HeaderMap::new();
    for (name, value) in o.headers.iter() {
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| exporter_error(o, e))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| exporter_error(o, "invalid header value"))?;
        metadata.insert(name, value);
    }
    Ok(tonic::metadata::MetadataMap::from_headers(metadata))
}

/// The headers as the HTTP exporter takes them (spans and metrics alike).
#[cfg(feature = "otlp-http")]
pub(crate) fn http_headers(o: &OtlpSettings) -> std::collections::HashMap<String, String> {
    o.headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(crate) fn exporter_error(o: &OtlpSettings, e: impl std::fmt::Display) -> InitError {
    InitError::Exporter {
        endpoint: o.endpoint.clone(),
        message: e.to_string(),
    }
}

fn retry_policy() -> opentelemetry_otlp::RetryPolicy {
    opentelemetry_otlp::RetryPolicy::recommended()
}

#[cfg(feature = "otlp-grpc")]
fn grpc(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};

    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_retry_policy(retry_policy())
        .with_metadata(grpc_metadata(o)?);
    if o.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let exporter = builder.build().map_err(|e| exporter_error(o, e))?;
    Ok(super::from_sdk(exporter, resource))
}

#[cfg(feature = "otlp-http")]
fn http(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};

    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_retry_policy(retry_policy())
        .with_headers(http_headers(o));
    if o.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let exporter = builder.build().map_err(|e| exporter_error(o, e))?;
    Ok(super::from_sdk(exporter, resource))
}
