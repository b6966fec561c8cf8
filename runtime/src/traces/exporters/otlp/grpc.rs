//! OTLP/gRPC: `TraceService/Export` through the shared gRPC client.

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

use super::super::exporter::{ExportFuture, Exporter};
use super::proto;
use crate::config::OtlpSettings;
use crate::error::InitError;
use crate::traces::record::Batch;
use crate::transport::grpc::Sender;

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The exporter for `o`. Must be called inside the exporter's runtime.
pub(super) fn build(o: &OtlpSettings, resource: &Resource) -> Result<Arc<dyn Exporter>, InitError> {
    Ok(Arc::new(Grpc::new(o, resource)?))
}

struct Grpc {
    sender: Sender,
    resource: ResourceAttributesWithSchema,
}

impl Grpc {
    fn new(o: &OtlpSettings, resource: &Resource) -> Result<Self, InitError> {
        Ok(Self {
            sender: Sender::new(o)?,
            resource: resource.into(),
        })
    }

    fn send(&self, request: ExportTraceServiceRequest) -> ExportFuture {
        let sent = self.sender.send(EXPORT, request);
        Box::pin(async move {
            let response: ExportTraceServiceResponse = sent.await?;
            Ok(proto::rejected(response.partial_success))
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
        self.send(proto::request(batch, scope, &self.resource))
    }

    fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shutdown()
    }
}
