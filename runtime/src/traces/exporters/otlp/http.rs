//! OTLP/HTTP with protobuf bodies, through the shared HTTP client.

use std::sync::Arc;
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

use super::super::exporter::{ExportFuture, Exporter};
use super::proto;
use crate::config::OtlpSettings;
use crate::error::InitError;
use crate::traces::record::Batch;
use crate::transport::http::Sender;

/// The exporter for `o`. Must be called inside the exporter's runtime.
pub(super) fn build(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    Ok(Arc::new(Http::new(o, resource)?))
}

struct Http {
    sender: Sender,
    resource: ResourceAttributesWithSchema,
}

impl Http {
    fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
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
                .map_or(0, |r| proto::rejected(r.partial_success)))
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
        self.send(&proto::request(batch, scope, &self.resource))
    }

    fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shutdown()
    }
}
