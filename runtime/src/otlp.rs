//! The OpenTelemetry side: resource, sampler, batch processor and OTLP exporters.
//!
//! # Where the exporters run
//!
//! The SDK's batch span processor runs on its own OS thread and calls the exporter
//! there, so no exporter ever runs on the application's threads.
//!
//! - **`http/protobuf`** (feature `otlp-http`) uses a blocking HTTP client on that
//!   thread. It needs no Tokio runtime: it works from a plain `fn main()` and from
//!   `#[tokio::main]` alike.
//! - **`grpc`** (feature `otlp-grpc`) uses tonic, which needs a Tokio runtime for its
//!   connection. semtrace starts a small one (one worker thread) owned by the
//!   [`Guard`](crate::Guard), so gRPC also works from a plain `fn main()`, and never
//!   depends on the application's runtime still running (or being multi-threaded)
//!   while the guard flushes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};

use crate::settings::{OtlpSettings, Sampler, Settings};

/// Export failures seen by the exporter wrapper, reported at shutdown (the SDK's batch
/// processor itself drops export results).
#[derive(Debug, Default)]
pub(crate) struct ExportStats {
    failed: Mutex<(usize, Option<String>)>,
}

impl ExportStats {
    pub(crate) fn failures(&self) -> (usize, Option<String>) {
        self.failed.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn record(&self, result: &OTelSdkResult) {
        if let Err(e) = result
            && let Ok(mut g) = self.failed.lock()
        {
            g.0 += 1;
            g.1 = Some(e.to_string());
        }
    }
}

/// Wraps an exporter to count failed exports.
#[derive(Debug)]
struct Counting<E> {
    inner: E,
    stats: Arc<ExportStats>,
}

impl<E: SpanExporter> SpanExporter for Counting<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.stats.record(&result);
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// Builds a batch processor around any exporter; used for OTLP and for injected test
/// exporters alike, so both see the same batch settings.
pub(crate) type ProcessorFactory =
    Box<dyn FnOnce(BatchConfigBuilder, Arc<ExportStats>) -> BatchSpanProcessor + Send>;

pub(crate) fn processor_for<E: SpanExporter + 'static>(exporter: E) -> ProcessorFactory {
    Box::new(move |config, stats| {
        BatchSpanProcessor::builder(Counting {
            inner: exporter,
            stats,
        })
        .with_batch_config(config.build())
        .build()
    })
}

pub(crate) fn batch_config(otlp: Option<&OtlpSettings>) -> BatchConfigBuilder {
    let builder = BatchConfigBuilder::default();
    match otlp {
        Some(o) => builder
            .with_max_queue_size(o.max_queue_size)
            .with_max_export_batch_size(o.max_export_batch_size)
            .with_scheduled_delay(o.scheduled_delay),
        None => builder,
    }
}

pub(crate) fn resource(settings: &Settings) -> Resource {
    let mut attributes = Vec::new();
    for (key, value) in [
        ("service.version", &settings.service_version),
        ("service.namespace", &settings.service_namespace),
        ("service.instance.id", &settings.service_instance_id),
        (
            "deployment.environment.name",
            &settings.deployment_environment,
        ),
    ] {
        if let Some(value) = value {
            attributes.push(KeyValue::new(key, value.clone()));
        }
    }
    for (key, value) in &settings.resource_attributes {
        attributes.push(KeyValue::new(key.clone(), value.clone()));
    }
    // `builder_empty`: the default detectors read the process environment, which was
    // already resolved (and may have been injected).
    Resource::builder_empty()
        .with_detector(Box::new(
            opentelemetry_sdk::resource::TelemetryResourceDetector,
        ))
        .with_service_name(settings.service_name.clone())
        .with_attributes(attributes)
        .build()
}

pub(crate) fn sampler(sampler: Sampler) -> opentelemetry_sdk::trace::Sampler {
    use opentelemetry_sdk::trace::Sampler as S;
    match sampler {
        Sampler::AlwaysOn => S::AlwaysOn,
        Sampler::AlwaysOff => S::AlwaysOff,
        Sampler::TraceIdRatio(r) => S::TraceIdRatioBased(r),
        Sampler::ParentBasedAlwaysOn => S::ParentBased(Box::new(S::AlwaysOn)),
        Sampler::ParentBasedAlwaysOff => S::ParentBased(Box::new(S::AlwaysOff)),
        Sampler::ParentBasedTraceIdRatio(r) => S::ParentBased(Box::new(S::TraceIdRatioBased(r))),
    }
}

/// What the guard must keep alive for export.
pub(crate) struct Export {
    pub(crate) provider: SdkTracerProvider,
    pub(crate) stats: Arc<ExportStats>,
    #[cfg(feature = "otlp-grpc")]
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
}

/// Builds the tracer provider with the OTLP exporter from `settings`, or with an
/// injected processor.
pub(crate) fn build(
    settings: &Settings,
    injected: Option<ProcessorFactory>,
) -> Result<Option<Export>, crate::InitError> {
    let stats = Arc::new(ExportStats::default());
    let otlp = settings.otlp.as_ref();
    #[cfg(feature = "otlp-grpc")]
    let mut runtime = None;
    let processor = match (injected, otlp) {
        (Some(factory), _) => factory(batch_config(otlp), Arc::clone(&stats)),
        (None, None) => return Ok(None),
        (None, Some(o)) => {
            #[cfg(feature = "otlp-grpc")]
            let factory = otlp_factory(o, &mut runtime)?;
            #[cfg(not(feature = "otlp-grpc"))]
            let factory = otlp_factory(o)?;
            factory(batch_config(Some(o)), Arc::clone(&stats))
        }
    };
    let sampler = otlp.map_or(Sampler::ParentBasedAlwaysOn, |o| o.sampler);
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(self::sampler(sampler))
        .with_resource(resource(settings))
        .build();
    Ok(Some(Export {
        provider,
        stats,
        #[cfg(feature = "otlp-grpc")]
        runtime,
    }))
}

/// The OTLP exporter for the resolved protocol.
fn otlp_factory(
    o: &OtlpSettings,
    #[cfg(feature = "otlp-grpc")] runtime: &mut Option<tokio::runtime::Runtime>,
) -> Result<ProcessorFactory, crate::InitError> {
    match o.protocol {
        #[cfg(feature = "otlp-grpc")]
        crate::settings::Protocol::Grpc => {
            let (factory, rt) = grpc_exporter(o)?;
            *runtime = Some(rt);
            return Ok(factory);
        }
        #[cfg(feature = "otlp-http")]
        crate::settings::Protocol::HttpProtobuf => return http_exporter(o),
        #[allow(unreachable_patterns)] // resolution already rejects protocols left out
        _ => {}
    }
    Err(crate::InitError::FeatureDisabled {
        what: format!("OTLP protocol `{}`", o.protocol),
        feature: "otlp-grpc` or `otlp-http",
    })
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
fn exporter_error(o: &OtlpSettings, e: impl std::fmt::Display) -> crate::InitError {
    crate::InitError::Exporter {
        endpoint: o.endpoint.clone(),
        message: e.to_string(),
    }
}

#[cfg(feature = "otlp-grpc")]
fn grpc_exporter(
    o: &OtlpSettings,
) -> Result<(ProcessorFactory, tokio::runtime::Runtime), crate::InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("semtrace-otlp-grpc")
        .enable_all()
        .build()
        .map_err(crate::InitError::Runtime)?;
    // tonic spawns its connection task on the runtime current while it is built.
    let entered = runtime.enter();
    let mut metadata = http::HeaderMap::new();
    for (name, value) in o.headers.iter() {
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| exporter_error(o, e))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| exporter_error(o, "invalid header value"))?;
        metadata.insert(name, value);
    }
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_metadata(tonic::metadata::MetadataMap::from_headers(metadata));
    if o.compression == crate::settings::Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let exporter = builder.build().map_err(|e| exporter_error(o, e))?;
    drop(entered);
    Ok((processor_for(exporter), runtime))
}

#[cfg(feature = "otlp-http")]
fn http_exporter(o: &OtlpSettings) -> Result<ProcessorFactory, crate::InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};

    let headers = o
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_headers(headers);
    if o.compression == crate::settings::Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let exporter = builder.build().map_err(|e| exporter_error(o, e))?;
    Ok(processor_for(exporter))
}

/// Turns the provider's shutdown result and the export statistics into failures.
pub(crate) fn shutdown(export: &Export, timeout: Duration) -> Vec<crate::ShutdownFailure> {
    let mut failures = Vec::new();
    match export.provider.shutdown_with_timeout(timeout) {
        Ok(()) | Err(OTelSdkError::AlreadyShutdown) => {}
        Err(OTelSdkError::Timeout(t)) => failures.push(crate::ShutdownFailure::Timeout(t)),
        Err(e) if e.to_string().contains("Timeout") => {
            failures.push(crate::ShutdownFailure::Timeout(timeout));
        }
        Err(e) => failures.push(crate::ShutdownFailure::Provider(e.to_string())),
    }
    let (failed, last_error) = export.stats.failures();
    if failed > 0 {
        failures.push(crate::ShutdownFailure::Export {
            failed,
            last_error: last_error.unwrap_or_default(),
        });
    }
    failures
}
