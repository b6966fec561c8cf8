//! Where batches go. An exporter is any `opentelemetry_sdk` [`SpanExporter`]: the
//! OTLP ones from `opentelemetry-otlp` ([`otlp`]), semtrace's Zipkin v2 JSON one
//! ([`zipkin`]), or one a test injects.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) mod otlp;

/// Without an OTLP feature, resolution already refuses an endpoint; this is the
/// same refusal for any path that gets here.
#[cfg(not(any(feature = "otlp-grpc", feature = "otlp-http")))]
pub(crate) mod otlp {
    use super::Exporter;
    use crate::config::OtlpSettings;
    use crate::error::InitError;

    pub(crate) fn build(
        o: &OtlpSettings,
        _resource: &opentelemetry_sdk::Resource,
    ) -> Result<std::sync::Arc<dyn Exporter>, InitError> {
        Err(InitError::FeatureDisabled {
            what: format!("OTLP protocol `{}`", o.protocol),
            feature: "otlp-grpc` or `otlp-http",
        })
    }
}

#[cfg(feature = "zipkin")]
pub(crate) mod zipkin;

/// Without the `zipkin` feature, asking for the Zipkin exporter is an error that
/// names the feature.
#[cfg(not(feature = "zipkin"))]
pub(crate) mod zipkin {
    use super::Exporter;
    use crate::config::ZipkinSettings;
    use crate::error::InitError;

    pub(crate) fn build(
        z: &ZipkinSettings,
        _resource: &opentelemetry_sdk::Resource,
    ) -> Result<std::sync::Arc<dyn Exporter>, InitError> {
        Err(InitError::FeatureDisabled {
            what: format!("the Zipkin exporter (to `{}`)", z.endpoint),
            feature: "zipkin",
        })
    }
}

pub(crate) type ExportFuture = Pin<Box<dyn Future<Output = OTelSdkResult> + Send>>;

/// An exporter the worker can call from several tasks at once.
pub(crate) trait Exporter: Send + Sync + 'static {
    fn export(&self, batch: Vec<SpanData>) -> ExportFuture;
    fn shutdown(&self, timeout: Duration) -> OTelSdkResult;
}

struct Sdk<E>(Arc<E>);

impl<E: SpanExporter + 'static> Exporter for Sdk<E> {
    fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
        let exporter = Arc::clone(&self.0);
        Box::pin(async move { exporter.export(batch).await })
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

/// Wraps an SDK exporter, telling it the resource first.
pub(crate) fn from_sdk<E: SpanExporter + 'static>(
    mut exporter: E,
    resource: &Resource,
) -> Arc<dyn Exporter> {
    exporter.set_resource(resource);
    Arc::new(Sdk(Arc::new(exporter)))
}

/// Builds an exporter once the resource is known (an injected one, for tests).
pub(crate) type ExporterFactory = Box<dyn FnOnce(&Resource) -> Arc<dyn Exporter> + Send>;

pub(crate) fn factory<E: SpanExporter + 'static>(exporter: E) -> ExporterFactory {
    Box::new(move |resource| from_sdk(exporter, resource))
}
