//! OTLP over gRPC (tonic) or HTTP/protobuf (async reqwest), on the exporter's own
//! Tokio runtime: semtrace's own two small clients for `opentelemetry-proto`'s
//! messages.
//!
//! - Requests are built straight from a batch (see `proto`) and shared, not
//!   copied, between attempts.
//! - Transient failures are retried as the OTLP specification says (retryable gRPC
//!   codes, HTTP 429/502/503/504, gRPC `RetryInfo` and HTTP `Retry-After`), with
//!   exponential backoff and jitter, within the export timeout.
//! - A partial success is read from every response: the spans a collector rejects
//!   are counted as such, so `exported` counts only spans it accepted.
//!   `opentelemetry-otlp`'s span exporters only log a partial success (and its
//!   gRPC channel cannot be wrapped to see responses); its metric exporters are
//!   still the ones semtrace uses.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;

use super::Exporter;
use crate::config::{OtlpSettings, Protocol};
use crate::error::InitError;

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

/// The headers as gRPC metadata (spans and metrics alike).
#[cfg(feature = "otlp-grpc")]
pub(crate) fn grpc_metadata(o: &OtlpSettings) -> Result<tonic::metadata::MetadataMap, InitError> {
    Ok(tonic::metadata::MetadataMap::from_headers(header_map(o)?))
}

/// The configured headers, checked.
fn header_map(o: &OtlpSettings) -> Result<::http::HeaderMap, InitError> {
    let mut headers = ::http::HeaderMap::new();
    for (name, value) in o.headers.iter() {
        let name =
            ::http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| exporter_error(o, e))?;
        let value = ::http::HeaderValue::from_str(value)
            .map_err(|_| exporter_error(o, "invalid header value"))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The headers as `opentelemetry-otlp`'s HTTP metric exporter takes them.
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

/// What the collector sees as the sender.
const USER_AGENT: &str = concat!("semtrace/", env!("CARGO_PKG_VERSION"));

/// Retries after the first attempt, as `opentelemetry-otlp`'s recommended policy.
const MAX_RETRIES: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_millis(1600);
const MAX_JITTER_MS: u64 = 100;
/// The longest throttle a collector's `RetryInfo` or `Retry-After` is followed for.
const MAX_THROTTLE: Duration = Duration::from_secs(600);

/// What a failed attempt allows, per the OTLP specification's failure rules.
#[derive(Debug, PartialEq, Eq)]
enum Retry {
    Never,
    Backoff,
    /// The collector said when (gRPC `RetryInfo`, HTTP `Retry-After`).
    After(Duration),
}

impl Retry {
    /// A throttle the collector asked for, or else `otherwise`.
    fn after(throttle: Option<Duration>, otherwise: Self) -> Self {
        match throttle.filter(|d| !d.is_zero()) {
            Some(d) => Self::After(d.min(MAX_THROTTLE)),
            None => otherwise,
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, runs out of retries, or the
/// next wait would end past `timeout` from the first attempt.
async fn with_retries<T, E, F, Fut>(timeout: Duration, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, (E, Retry)>>,
{
    let start = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut retries = 0;
    loop {
        let (error, retry) = match attempt().await {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        let wait = match retry {
            Retry::After(throttle) => throttle,
            Retry::Backoff if retries < MAX_RETRIES => {
                let jitter =
                    Duration::from_millis(crate::traces::ids::span_id() % (MAX_JITTER_MS + 1));
                let wait = (delay + jitter).min(MAX_DELAY);
                delay = (delay * 2).min(MAX_DELAY);
                wait
            }
            // Not retryable, or out of retries.
            Retry::Never | Retry::Backoff => return Err(error),
        };
        retries += 1;
        if start.elapsed() + wait >= timeout {
            return Err(error);
        }
        tokio::time::sleep(wait).await;
    }
}

/// An exporter's client, until the exporter shuts down.
struct Slot<T>(std::sync::Mutex<Option<T>>);

impl<T: Clone> Slot<T> {
    fn new(client: T) -> Self {
        Self(std::sync::Mutex::new(Some(client)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The client; an error once shut down.
    fn get(&self) -> Result<T, opentelemetry_sdk::error::OTelSdkError> {
        self.lock()
            .clone()
            .ok_or(opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown)
    }

    /// Shuts down: later exports fail.
    fn close(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.lock()
            .take()
            .map(drop)
            .ok_or(opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown)
    }
}

/// The spans a partial success rejected.
fn rejected(
    partial: Option<opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess>,
) -> u64 {
    partial.map_or(0, |p| u64::try_from(p.rejected_spans).unwrap_or(0))
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    //! OTLP/gRPC: `TraceService/Export` through tonic's client, with a codec that
    //! encodes a shared request.

    use std::sync::Arc;
    use std::time::Duration;

    use http::uri::PathAndQuery;
    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::SpanData;
    use prost::Message as _;
    use tonic::Code;
    use tonic::client::Grpc as Client;
    use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
    use tonic::metadata::MetadataMap;
    use tonic::transport::{Channel, Endpoint};
    use tonic_types::StatusExt as _;

    use super::super::{ExportFuture, Exporter};
    use super::{Retry, Slot};
    use crate::config::{Compression, OtlpSettings};
    use crate::error::InitError;
    use crate::traces::record::Batch;

    pub(super) struct Grpc {
        client: Slot<Client<Channel>>,
        metadata: MetadataMap,
        timeout: Duration,
        resource: ResourceAttributesWithSchema,
    }

    impl Grpc {
        /// Connects lazily: a dead collector never blocks start-up.
        pub(super) fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
            let endpoint = Endpoint::from_shared(o.endpoint.clone())
                .map_err(|e| super::exporter_error(o, e))?
                .user_agent(super::USER_AGENT)
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
                client: Slot::new(client),
                metadata: super::grpc_metadata(o)?,
                timeout: o.timeout,
                resource: resource.into(),
            })
        }

        fn send(&self, request: ExportTraceServiceRequest) -> ExportFuture {
            let client = self.client.get();
            let metadata = self.metadata.clone();
            let timeout = self.timeout;
            let request = Arc::new(request);
            Box::pin(async move {
                let client = client?;
                super::with_retries(timeout, || {
                    let mut client = client.clone();
                    let mut call = tonic::Request::new(Arc::clone(&request));
                    *call.metadata_mut() = metadata.clone();
                    async move {
                        let sent = match client.ready().await {
                            Ok(()) => {
                                client
                                    .unary(call, PathAndQuery::from_static(EXPORT), Shared)
                                    .await
                            }
                            Err(e) => {
                                Err(tonic::Status::unavailable(format!("not connected: {e}")))
                            }
                        };
                        match sent {
                            Ok(response) => {
                                Ok(super::rejected(response.into_inner().partial_success))
                            }
                            Err(status) => {
                                let retry = retry_after(&status);
                                Err((status, retry))
                            }
                        }
                    }
                })
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
            self.client.close()
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

    /// What a failed call allows.
    pub(super) fn retry_after(status: &tonic::Status) -> Retry {
        let throttle = status
            .get_details_retry_info()
            .and_then(|info| info.retry_delay);
        match status.code() {
            // Retryable only when the collector says it will recover.
            Code::ResourceExhausted => Retry::after(throttle, Retry::Never),
            Code::Unavailable => Retry::after(throttle, Retry::Backoff),
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
        use crate::traces::exporters::otlp::MAX_THROTTLE;

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

#[cfg(feature = "otlp-http")]
mod http {
    //! OTLP/HTTP with protobuf bodies, through reqwest.

    use std::io::Write as _;
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::SpanData;
    use prost::Message as _;
    use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

    use super::super::{ExportFuture, Exporter};
    use super::{Retry, Slot};
    use crate::config::{Compression, OtlpSettings};
    use crate::error::InitError;
    use crate::traces::record::Batch;

    pub(super) struct Http {
        client: Slot<reqwest::Client>,
        url: reqwest::Url,
        headers: HeaderMap,
        gzip: bool,
        timeout: Duration,
        resource: ResourceAttributesWithSchema,
    }

    impl Http {
        pub(super) fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
            let url = reqwest::Url::parse(&o.endpoint).map_err(|e| super::exporter_error(o, e))?;
            let client = reqwest::Client::builder()
                .user_agent(super::USER_AGENT)
                .timeout(o.timeout)
                .build()
                .map_err(|e| super::exporter_error(o, e))?;
            let mut headers = super::header_map(o)?;
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-protobuf"),
            );
            let gzip = o.compression == Compression::Gzip;
            if gzip {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Ok(Self {
                client: Slot::new(client),
                url,
                headers,
                gzip,
                timeout: o.timeout,
                resource: resource.into(),
            })
        }

        fn send(&self, request: &ExportTraceServiceRequest) -> ExportFuture {
            let client = self.client.get();
            let body = body(request, self.gzip);
            let (url, headers, timeout) = (self.url.clone(), self.headers.clone(), self.timeout);
            Box::pin(async move {
                let client = client?;
                let body = body.map_err(|e| {
                    OTelSdkError::InternalFailure(format!("OTLP/HTTP: compressing failed: {e}"))
                })?;
                super::with_retries(timeout, || {
                    let sent = client
                        .post(url.clone())
                        .headers(headers.clone())
                        .body(body.clone())
                        .send();
                    async move { answer(sent.await).await }
                })
                .await
                .map_err(|e| OTelSdkError::InternalFailure(format!("OTLP/HTTP export failed: {e}")))
            })
        }
    }

    /// The encoded request, gzipped when configured. `Bytes`: shared by attempts.
    fn body(request: &ExportTraceServiceRequest, gzip: bool) -> std::io::Result<Bytes> {
        let protobuf = request.encode_to_vec();
        if !gzip {
            return Ok(protobuf.into());
        }
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(protobuf.len() / 4),
            flate2::Compression::default(),
        );
        gz.write_all(&protobuf)?;
        Ok(gz.finish()?.into())
    }

    /// The spans rejected, or the failure and what it allows.
    async fn answer(
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<u64, (String, Retry)> {
        // Not connected, or no answer in time: worth another try.
        let response = sent.map_err(|e| (e.to_string(), Retry::Backoff))?;
        let status = response.status();
        if status.is_success() {
            // A success whose body cannot be read or decoded rejected nothing.
            let body = read_capped(response).await;
            return Ok(ExportTraceServiceResponse::decode(body.as_slice())
                .map_or(0, |r| super::rejected(r.partial_success)));
        }
        let retry = retry_after(status.as_u16(), response.headers().get(RETRY_AFTER));
        let body = read_capped(response).await;
        let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        Err((format!("{status}: {text}"), retry))
    }

    /// The most of a response body read: an answer is a few bytes, and a collector
    /// that sends more does not make the exporter buffer it.
    const MAX_BODY: usize = 4 << 20;

    /// The response's body, up to [`MAX_BODY`] bytes (what fits of it).
    async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            if body.len() + chunk.len() > MAX_BODY {
                break;
            }
            body.extend_from_slice(&chunk);
        }
        body
    }

    /// What a failed request allows.
    pub(super) fn retry_after(status: u16, retry_after: Option<&HeaderValue>) -> Retry {
        match status {
            429 | 502 | 503 | 504 => Retry::after(
                retry_after.and_then(|v| delay(v.to_str().ok()?, SystemTime::now())),
                Retry::Backoff,
            ),
            _ => Retry::Never,
        }
    }

    /// A `Retry-After` value: seconds, or an HTTP date.
    fn delay(value: &str, now: SystemTime) -> Option<Duration> {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        httpdate::parse_http_date(value)
            .ok()?
            .duration_since(now)
            .ok()
    }

    impl Exporter for Http {
        fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
            self.send(&ExportTraceServiceRequest {
                resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
            })
        }

        fn export_batch(&self, batch: &Batch, scope: &InstrumentationScope) -> ExportFuture {
            self.send(&super::super::proto::request(batch, scope, &self.resource))
        }

        fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
            self.client.close()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::traces::exporters::otlp::MAX_THROTTLE;

        #[test]
        fn failures_are_retried_as_the_otlp_specification_says() {
            for status in [429, 502, 503, 504] {
                assert_eq!(retry_after(status, None), Retry::Backoff, "{status}");
            }
            for status in [400, 401, 403, 404, 413, 500, 501] {
                assert_eq!(retry_after(status, None), Retry::Never, "{status}");
            }
            let header = HeaderValue::from_static;
            assert_eq!(
                retry_after(503, Some(&header("2"))),
                Retry::After(Duration::from_secs(2))
            );
            assert_eq!(
                retry_after(429, Some(&header("86400"))),
                Retry::After(MAX_THROTTLE)
            );
            // Zero or unreadable: the usual backoff.
            assert_eq!(retry_after(503, Some(&header("0"))), Retry::Backoff);
            assert_eq!(retry_after(503, Some(&header("soon"))), Retry::Backoff);
            assert_eq!(retry_after(500, Some(&header("2"))), Retry::Never);
        }

        #[test]
        fn retry_after_takes_seconds_or_an_http_date() {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
            assert_eq!(delay(" 7 ", now), Some(Duration::from_secs(7)));
            // 21 Oct 2015 07:28:00 GMT is `now`; 07:28:30 is 30 s later.
            assert_eq!(
                delay("Wed, 21 Oct 2015 07:28:30 GMT", now),
                Some(Duration::from_secs(30))
            );
            assert_eq!(delay("Wed, 21 Oct 2015 07:27:00 GMT", now), None);
            assert_eq!(delay("later", now), None);
        }

        #[test]
        fn gzipped_bodies_decompress_to_the_request() {
            use std::io::Read as _;
            let request = ExportTraceServiceRequest::default();
            let plain = body(&request, false).unwrap();
            let gz = body(&request, true).unwrap();
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, plain.to_vec());
        }
    }
}
