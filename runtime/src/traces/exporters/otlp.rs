//! OTLP over gRPC (tonic) or HTTP/protobuf (async reqwest), on the exporter's own
//! Tokio runtime. Both retry transient failures (retryable gRPC codes, HTTP
//! 429/502/503/504, `RetryInfo` and `Retry-After`) with exponential backoff and
//! jitter within the export timeout, and both report the spans a collector rejects
//! in a partial success, so `exported` counts only spans it accepted.
//!
//! - HTTP: `opentelemetry-otlp`'s exporter, through an HTTP client of ours that reads
//!   each response's `partial_success` for the export that sent it.
//! - gRPC: semtrace's own client for `opentelemetry-proto`'s messages:
//!   `opentelemetry-otlp`'s only logs a partial success, and its channel cannot be
//!   wrapped to see responses. It sends a request built straight from the batch
//!   (see `proto`) and keeps it shared, not copied, for a retry.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use super::Exporter;
use crate::config::{OtlpSettings, Protocol};
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
    let mut metadata = ::http::HeaderMap::new();
    for (name, value) in o.headers.iter() {
        let name =
            ::http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| exporter_error(o, e))?;
        let value = ::http::HeaderValue::from_str(value)
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

#[cfg(feature = "otlp-http")]
fn retry_policy() -> opentelemetry_otlp::RetryPolicy {
    opentelemetry_otlp::RetryPolicy::recommended()
}

#[cfg(feature = "otlp-grpc")]
fn grpc(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    grpc::Grpc::new(o, resource).map(|e| Arc::new(e) as Arc<dyn Exporter>)
}

#[cfg(feature = "otlp-http")]
fn http(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    use crate::config::Compression;
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};

    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_retry_policy(retry_policy())
        .with_headers(http_headers(o))
        .with_http_client(http::Counting::new(o)?);
    if o.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let mut exporter = builder.build().map_err(|e| exporter_error(o, e))?;
    opentelemetry_sdk::trace::SpanExporter::set_resource(&mut exporter, resource);
    Ok(Arc::new(http::Http(Arc::new(exporter))))
}

#[cfg(feature = "otlp-http")]
mod http {
    //! The HTTP exporter, counting what the collector rejects.

    use std::cell::Cell;
    use std::sync::Arc;
    use std::time::Duration;

    use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SpanData, SpanExporter as _};

    use super::super::{ExportFuture, Exporter};
    use crate::config::OtlpSettings;
    use crate::error::InitError;

    tokio::task_local! {
        /// The spans the last successful response of this export rejected.
        static REJECTED: Cell<u64>;
    }

    pub(super) struct Http(pub(super) Arc<opentelemetry_otlp::SpanExporter>);

    impl Exporter for Http {
        fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
            let exporter = Arc::clone(&self.0);
            Box::pin(REJECTED.scope(Cell::new(0), async move {
                exporter.export(batch).await?;
                Ok(REJECTED.with(Cell::get))
            }))
        }

        fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
            self.0.shutdown_with_timeout(timeout)
        }
    }

    /// reqwest, as `opentelemetry-otlp` builds it, reading `partial_success` from
    /// every successful response into the export's [`REJECTED`].
    #[derive(Debug)]
    pub(super) struct Counting(reqwest::Client);

    impl Counting {
        pub(super) fn new(o: &OtlpSettings) -> Result<Self, InitError> {
            reqwest::Client::builder()
                .timeout(o.timeout)
                .build()
                .map(Self)
                .map_err(|e| super::exporter_error(o, e))
        }
    }

    #[async_trait::async_trait]
    impl HttpClient for Counting {
        async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
            let response = self.0.send_bytes(request).await?;
            if response.status().is_success() {
                let rejected = super::rejected_spans(response.body());
                // Outside an export (never, today) there is no one to tell.
                let _ = REJECTED.try_with(|r| r.set(rejected));
            }
            Ok(response)
        }
    }
}

/// `partial_success.rejected_spans` of an `ExportTraceServiceResponse` body; 0 for
/// an empty or undecodable body (a success with nothing to report).
#[cfg(feature = "otlp-http")]
fn rejected_spans(body: &[u8]) -> u64 {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    use prost::Message as _;

    ExportTraceServiceResponse::decode(body)
        .ok()
        .and_then(|r| r.partial_success)
        .map_or(0, |p| u64::try_from(p.rejected_spans).unwrap_or(0))
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    //! OTLP/gRPC: `TraceService/Export` through tonic's client, with a codec that
    //! encodes a shared request, so a retry needs no copy of it.

    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use http::uri::PathAndQuery;

    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::SpanData;
    use prost::Message as _;
    use tonic::Code;
    use tonic::client::Grpc as Client;
    use tonic::codec::CompressionEncoding;
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
    use tonic::metadata::MetadataMap;
    use tonic::transport::{Channel, Endpoint};
    use tonic_types::StatusExt as _;

    use super::super::{ExportFuture, Exporter};
    use crate::config::{Compression, OtlpSettings};
    use crate::error::InitError;
    use crate::traces::record::Batch;

    /// Retries after the first attempt, as `opentelemetry-otlp`'s recommended policy.
    const MAX_RETRIES: u32 = 3;
    const FIRST_DELAY: Duration = Duration::from_millis(100);
    const MAX_DELAY: Duration = Duration::from_millis(1600);
    const MAX_JITTER_MS: u64 = 100;
    /// The longest throttle a collector's `RetryInfo` is followed for.
    const MAX_THROTTLE: Duration = Duration::from_secs(600);

    pub(super) struct Grpc {
        /// `None` once shut down.
        client: Mutex<Option<Client<Channel>>>,
        metadata: MetadataMap,
        timeout: Duration,
        resource: ResourceAttributesWithSchema,
    }

    impl Grpc {
        /// Connects lazily: a dead collector never blocks start-up.
        pub(super) fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
            let endpoint = Endpoint::from_shared(o.endpoint.clone())
                .map_err(|e| super::exporter_error(o, e))?
                .timeout(o.timeout);
            #[cfg(feature = "tls")]
            let endpoint = if o.endpoint.starts_with("https://") {
                endpoint
                    .tls_config(tonic::transport::ClientTlsConfig::new().with_webpki_roots())
                    .map_err(|e| super::exporter_error(o, e))?
            } else {
                endpoint
            };
            let mut client = Client::new(endpoint.connect_lazy());
            if o.compression == Compression::Gzip {
                client = client.send_compressed(CompressionEncoding::Gzip);
            }
            Ok(Self {
                client: Mutex::new(Some(client)),
                metadata: super::grpc_metadata(o)?,
                timeout: o.timeout,
                resource: resource.into(),
            })
        }
    }

    impl Grpc {
        fn send(&self, request: ExportTraceServiceRequest) -> ExportFuture {
            let client = self
                .client
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let metadata = self.metadata.clone();
            let timeout = self.timeout;
            Box::pin(async move {
                let Some(client) = client else {
                    return Err(OTelSdkError::AlreadyShutdown);
                };
                export(client, request, metadata, timeout)
                    .await
                    .map_err(|status| {
                        OTelSdkError::InternalFailure(format!(
                            "OTLP/gRPC export failed: {}: {}",
                            status.code(),
                            status.message()
                        ))
                    })
            })
        }
    }

    impl Exporter for Grpc {
        fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
            self.send(ExportTraceServiceRequest {
                resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
            })
        }

        /// Straight from the batch to the request (see `proto`).
        fn export_batch(&self, batch: &Batch, scope: &InstrumentationScope) -> ExportFuture {
            self.send(super::super::proto::request(batch, scope, &self.resource))
        }

        fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
            match self
                .client
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
            {
                Some(_) => Ok(()),
                None => Err(OTelSdkError::AlreadyShutdown),
            }
        }
    }

    /// Sends `request`, retrying within `timeout`; the spans rejected on success.
    async fn export(
        mut client: Client<Channel>,
        request: ExportTraceServiceRequest,
        metadata: MetadataMap,
        timeout: Duration,
    ) -> Result<u64, tonic::Status> {
        let request = Arc::new(request);
        let start = Instant::now();
        let mut delay = FIRST_DELAY;
        let mut retries = 0;
        loop {
            let mut call = tonic::Request::new(Arc::clone(&request));
            *call.metadata_mut() = metadata.clone();
            let sent = match client.ready().await {
                Ok(()) => {
                    client
                        .unary(call, PathAndQuery::from_static(EXPORT), Shared)
                        .await
                }
                Err(e) => Err(tonic::Status::unavailable(format!("not connected: {e}"))),
            };
            let status = match sent {
                Ok(response) => {
                    return Ok(response
                        .into_inner()
                        .partial_success
                        .map_or(0, |p| u64::try_from(p.rejected_spans).unwrap_or(0)));
                }
                Err(status) => status,
            };
            let wait = match retry_after(&status) {
                Retry::After(throttle) => throttle,
                Retry::Backoff if retries < MAX_RETRIES => {
                    let jitter =
                        Duration::from_millis(crate::traces::ids::span_id() % (MAX_JITTER_MS + 1));
                    let wait = (delay + jitter).min(MAX_DELAY);
                    delay = (delay * 2).min(MAX_DELAY);
                    wait
                }
                // Not retryable, or out of retries.
                Retry::Never | Retry::Backoff => return Err(status),
            };
            retries += 1;
            if start.elapsed() + wait >= timeout {
                return Err(status);
            }
            tokio::time::sleep(wait).await;
        }
    }

    const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    /// Encodes a shared request and decodes the response, as protobuf.
    #[derive(Debug, Clone, Copy)]
    struct Shared;

    impl Codec for Shared {
        type Encode = Arc<ExportTraceServiceRequest>;
        type Decode = ExportTraceServiceResponse;
        type Encoder = Self;
        type Decoder = Self;

        fn encoder(&mut self) -> Self {
            Self
        }

        fn decoder(&mut self) -> Self {
            Self
        }
    }

    impl Encoder for Shared {
        type Item = Arc<ExportTraceServiceRequest>;
        type Error = tonic::Status;

        fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
            item.encode(dst)
                .map_err(|e| tonic::Status::internal(e.to_string()))
        }
    }

    impl Decoder for Shared {
        type Item = ExportTraceServiceResponse;
        type Error = tonic::Status;

        fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
            ExportTraceServiceResponse::decode(src)
                .map(Some)
                .map_err(|e| tonic::Status::internal(e.to_string()))
        }
    }

    /// What a failed call allows, per the OTLP specification's failure rules.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) enum Retry {
        Never,
        Backoff,
        /// The collector said when (`RetryInfo`).
        After(Duration),
    }

    pub(super) fn retry_after(status: &tonic::Status) -> Retry {
        let throttle = status
            .get_details_retry_info()
            .and_then(|info| info.retry_delay)
            .filter(|d| !d.is_zero())
            .map(|d| d.min(MAX_THROTTLE));
        match status.code() {
            // Retryable only when the collector says it will recover.
            Code::ResourceExhausted => throttle.map_or(Retry::Never, Retry::After),
            Code::Unavailable => throttle.map_or(Retry::Backoff, Retry::After),
            Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::OutOfRange
            | Code::DataLoss => Retry::Backoff,
            _ => Retry::Never,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn failures_are_retried_as_the_otlp_specification_says() {
            use tonic_types::{ErrorDetails, StatusExt as _};
            let plain = |code| tonic::Status::new(code, "x");
            let throttled = |code, secs| {
                tonic::Status::with_error_details(
                    code,
                    "x",
                    ErrorDetails::with_retry_info(Some(Duration::from_secs(secs))),
                )
            };
            assert_eq!(retry_after(&plain(Code::Unavailable)), Retry::Backoff);
            assert_eq!(retry_after(&plain(Code::DeadlineExceeded)), Retry::Backoff);
            assert_eq!(retry_after(&plain(Code::ResourceExhausted)), Retry::Never);
            assert_eq!(
                retry_after(&throttled(Code::ResourceExhausted, 2)),
                Retry::After(Duration::from_secs(2))
            );
            assert_eq!(
                retry_after(&throttled(Code::Unavailable, 3600)),
                Retry::After(MAX_THROTTLE)
            );
            for code in [
                Code::InvalidArgument,
                Code::Unauthenticated,
                Code::PermissionDenied,
                Code::Internal,
                Code::Unimplemented,
            ] {
                assert_eq!(retry_after(&plain(code)), Retry::Never, "{code:?}");
            }
        }
    }
}
