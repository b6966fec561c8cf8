//! The `console` exporter: each batch as one line of OTLP JSON (the protobuf JSON
//! mapping, an `ExportTraceServiceRequest`, as the OpenTelemetry Collector's file
//! exporter writes it) on stdout or appended to a file; feature `json`.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use super::exporter::Exporter;
use crate::config::Settings;
use crate::error::InitError;

/// Writes to the configured path (appending), or to stdout without one.
#[cfg(feature = "json")]
pub(crate) fn build(
    settings: &Settings,
    resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    let path = settings.traces.console_exporter_path.as_deref();
    Ok(super::exporter::from_sdk(
        json_lines::JsonLines::open(path)?,
        resource,
    ))
}

/// Without the `json` feature, asking for the console exporter is an error that
/// names the feature.
#[cfg(not(feature = "json"))]
pub(crate) fn build(
    _settings: &Settings,
    _resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    Err(InitError::FeatureDisabled {
        what: "the `console` span exporter".into(),
        feature: "json",
    })
}

#[cfg(feature = "json")]
mod json_lines {
    use std::io::Write;
    use std::path::Path;
    use std::sync::{Mutex, PoisonError};

    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};

    use crate::error::InitError;

    pub(super) struct JsonLines {
        out: Mutex<Box<dyn Write + Send>>,
        resource: ResourceAttributesWithSchema,
    }

    impl JsonLines {
        /// Writes to `path` (appending), or to stdout without one.
        pub(super) fn open(path: Option<&Path>) -> Result<Self, InitError> {
            let out: Box<dyn Write + Send> = match path {
                Some(path) => Box::new(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .map_err(|e| InitError::FileOutput {
                            path: path.to_owned(),
                            message: e.to_string(),
                        })?,
                ),
                None => Box::new(std::io::stdout()),
            };
            Ok(Self {
                out: Mutex::new(out),
                resource: ResourceAttributesWithSchema::default(),
            })
        }
    }

    impl std::fmt::Debug for JsonLines {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("JsonLines").finish_non_exhaustive()
        }
    }

    impl SpanExporter for JsonLines {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let request = ExportTraceServiceRequest {
                resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
            };
            let mut line = serde_json::to_vec(&request)
                .map_err(|e| OTelSdkError::InternalFailure(format!("encoding OTLP JSON: {e}")))?;
            line.push(b'\n');
            let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
            out.write_all(&line)
                .and_then(|()| out.flush())
                .map_err(|e| OTelSdkError::InternalFailure(format!("writing OTLP JSON: {e}")))
        }

        fn set_resource(&mut self, resource: &Resource) {
            self.resource = resource.into();
        }
    }
}
