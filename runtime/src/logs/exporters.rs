//! Where log records go: OTLP over gRPC or HTTP, or OTLP JSON lines on stdout
//! (`OTEL_LOGS_EXPORTER=console`); each behind its feature, with the error a
//! disabled feature gives.

use std::sync::Arc;

use super::record::LogBatch;
use crate::config::{LogsExporter, Settings};
use crate::error::InitError;
use crate::traces::export::Export;

/// The exporter `kind` names, for the resolved settings. Called inside the
/// exporter's runtime (tonic spawns its connection task there).
pub(crate) fn build(
    kind: LogsExporter,
    settings: &Settings,
    resource: &opentelemetry_sdk::Resource,
) -> Result<Arc<dyn Export<LogBatch>>, InitError> {
    match kind {
        LogsExporter::Otlp => {
            let o = settings
                .logs
                .otlp
                .as_ref()
                .expect("resolution sets OTLP settings when `otlp` is chosen");
            match o.protocol {
                crate::config::Protocol::Grpc => grpc::build(o, resource),
                crate::config::Protocol::HttpProtobuf => http::build(o, resource),
            }
        }
        LogsExporter::Console => console::build(resource),
        // Resolution removes `none` from the list.
        LogsExporter::None => Err(InitError::invalid(
            "`OTEL_LOGS_EXPORTER`",
            "none",
            "`none` stands alone: it turns every log exporter off",
        )),
    }
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    use std::sync::Arc;
    use std::time::Duration;

    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_sdk::error::OTelSdkResult;

    use super::super::otlp;
    use super::super::record::LogBatch;
    use crate::config::OtlpSettings;
    use crate::error::InitError;
    use crate::traces::export::Export;
    use crate::traces::export::ExportFuture;
    use crate::transport::grpc::Sender;

    const EXPORT: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    struct Grpc {
        sender: Sender,
        resource: Arc<ResourceAttributesWithSchema>,
    }

    pub(super) fn build(
        o: &OtlpSettings,
        resource: &opentelemetry_sdk::Resource,
    ) -> Result<Arc<dyn Export<LogBatch>>, InitError> {
        Ok(Arc::new(Grpc {
            sender: Sender::new(o)?,
            resource: otlp::resource(resource),
        }))
    }

    impl Export<LogBatch> for Grpc {
        fn export(&self, batch: &LogBatch) -> ExportFuture {
            let sent = self
                .sender
                .send(EXPORT, otlp::request(batch, &self.resource));
            Box::pin(async move {
                let response: ExportLogsServiceResponse = sent.await?;
                Ok(otlp::rejected(response.partial_success))
            })
        }

        fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
            self.sender.shutdown()
        }
    }
}

#[cfg(feature = "otlp-http")]
mod http {
    use std::sync::Arc;
    use std::time::Duration;

    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_sdk::error::OTelSdkResult;
    use prost::Message as _;

    use super::super::otlp;
    use super::super::record::LogBatch;
    use crate::config::OtlpSettings;
    use crate::error::InitError;
    use crate::traces::export::Export;
    use crate::traces::export::ExportFuture;
    use crate::transport::http::Sender;

    struct Http {
        sender: Sender,
        resource: Arc<ResourceAttributesWithSchema>,
    }

    pub(super) fn build(
        o: &OtlpSettings,
        resource: &opentelemetry_sdk::Resource,
    ) -> Result<Arc<dyn Export<LogBatch>>, InitError> {
        Ok(Arc::new(Http {
            sender: Sender::new(o)?,
            resource: otlp::resource(resource),
        }))
    }

    impl Export<LogBatch> for Http {
        fn export(&self, batch: &LogBatch) -> ExportFuture {
            let sent = self.sender.send(&otlp::request(batch, &self.resource));
            Box::pin(async move {
                let body = sent.await?;
                // A success whose body cannot be decoded rejected nothing.
                Ok(ExportLogsServiceResponse::decode(body.as_slice())
                    .map_or(0, |r| otlp::rejected(r.partial_success)))
            })
        }

        fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
            self.sender.shutdown()
        }
    }
}

#[cfg(feature = "json")]
mod console {
    use std::io::Write as _;
    use std::sync::Arc;
    use std::time::Duration;

    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

    use super::super::otlp;
    use super::super::record::LogBatch;
    use crate::error::InitError;
    use crate::traces::export::Export;
    use crate::traces::export::ExportFuture;

    /// Each batch as one line of OTLP JSON on stdout.
    struct JsonLines {
        resource: Arc<ResourceAttributesWithSchema>,
    }

    #[allow(clippy::unnecessary_wraps)] // the shape every exporter's `build` has
    pub(super) fn build(
        resource: &opentelemetry_sdk::Resource,
    ) -> Result<Arc<dyn Export<LogBatch>>, InitError> {
        Ok(Arc::new(JsonLines {
            resource: otlp::resource(resource),
        }))
    }

    impl Export<LogBatch> for JsonLines {
        fn export(&self, batch: &LogBatch) -> ExportFuture {
            let line = serde_json::to_vec(&otlp::request(batch, &self.resource));
            Box::pin(async move {
                let mut line = line.map_err(|e| {
                    OTelSdkError::InternalFailure(format!("encoding OTLP JSON: {e}"))
                })?;
                line.push(b'\n');
                let mut out = std::io::stdout().lock();
                out.write_all(&line)
                    .and_then(|()| out.flush())
                    .map_err(|e| {
                        OTelSdkError::InternalFailure(format!("writing OTLP JSON: {e}"))
                    })?;
                Ok(0)
            })
        }

        fn shutdown(&self, _timeout: Duration) -> OTelSdkResult {
            Ok(())
        }
    }
}

/// Features that are off: the exporter cannot be built, and says which feature.
#[cfg(not(all(feature = "otlp-grpc", feature = "otlp-http", feature = "json")))]
mod disabled {
    use std::sync::Arc;

    use super::super::record::LogBatch;
    use crate::error::InitError;
    use crate::traces::export::Export;

    pub(super) fn off(
        what: &str,
        feature: &'static str,
    ) -> Result<Arc<dyn Export<LogBatch>>, InitError> {
        Err(InitError::FeatureDisabled {
            what: what.to_owned(),
            feature,
        })
    }
}

#[cfg(not(feature = "otlp-grpc"))]
mod grpc {
    pub(super) fn build(
        _o: &crate::config::OtlpSettings,
        _resource: &opentelemetry_sdk::Resource,
    ) -> Result<
        std::sync::Arc<dyn crate::traces::export::Export<super::LogBatch>>,
        crate::error::InitError,
    > {
        super::disabled::off("OTLP logs over `grpc`", "otlp-grpc")
    }
}

#[cfg(not(feature = "otlp-http"))]
mod http {
    pub(super) fn build(
        _o: &crate::config::OtlpSettings,
        _resource: &opentelemetry_sdk::Resource,
    ) -> Result<
        std::sync::Arc<dyn crate::traces::export::Export<super::LogBatch>>,
        crate::error::InitError,
    > {
        super::disabled::off("OTLP logs over `http/protobuf`", "otlp-http")
    }
}

#[cfg(not(feature = "json"))]
mod console {
    pub(super) fn build(
        _resource: &opentelemetry_sdk::Resource,
    ) -> Result<
        std::sync::Arc<dyn crate::traces::export::Export<super::LogBatch>>,
        crate::error::InitError,
    > {
        super::disabled::off("the `console` log exporter", "json")
    }
}
