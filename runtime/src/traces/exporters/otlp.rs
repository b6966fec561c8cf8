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

/// The spans a partial success rejected.
fn rejected(
    partial: Option<opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess>,
) -> u64 {
    partial.map_or(0, |p| u64::try_from(p.rejected_spans).unwrap_or(0))
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    //! OTLP/gRPC: `TraceService/Export` through the shared gRPC client.

    use std::time::Duration;

    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::SpanData;

    use super::super::{ExportFuture, Exporter};
    use crate::config::OtlpSettings;
    use crate::error::InitError;
    use crate::traces::record::Batch;
    use crate::transport::grpc::Sender;

    const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    pub(super) struct Grpc {
        sender: Sender,
        resource: ResourceAttributesWithSchema,
    }

    impl Grpc {
        pub(super) fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
            Ok(Self {
                sender: Sender::new(o)?,
                resource: resource.into(),
            })
        }

        fn send(&self, request: ExportTraceServiceRequest) -> ExportFuture {
            let sent = self.sender.send(EXPORT, request);
            Box::pin(async move {
                let response: ExportTraceServiceResponse = sent.await?;
                Ok(super::rejected(response.partial_success))
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
            self.sender.shutdown()
        }
    }
}

#[cfg(feature = "otlp-http")]
mod http {
    //! OTLP/HTTP with protobuf bodies, through the shared HTTP client.

    use std::time::Duration;

    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::SpanData;
    use prost::Message as _;

    use super::super::{ExportFuture, Exporter};
    use crate::config::OtlpSettings;
    use crate::error::InitError;
    use crate::traces::record::Batch;
    use crate::transport::http::Sender;

    pub(super) struct Http {
        sender: Sender,
        resource: ResourceAttributesWithSchema,
    }

    impl Http {
        pub(super) fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
            Ok(Self {
                sender: Sender::new(o)?,
                resource: resource.into(),
            })
        }

        fn send(&self, request: &ExportTraceServiceRequest) -> ExportFuture {
            let sent = self.sender.send(request);
            Box::pin(async move {
                let body = sent.await?;
                // A success whose body cannot be decoded rejected nothing.
                Ok(ExportTraceServiceResponse::decode(body.as_slice())
                    .map_or(0, |r| super::rejected(r.partial_success)))
            })
        }
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
            self.sender.shutdown()
        }
    }
}
