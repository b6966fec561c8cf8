//! OTLP metrics: `opentelemetry-otlp`'s exporter (gRPC or HTTP/protobuf, with the
//! same headers, timeout and compression as spans), read every `interval` by the
//! SDK's periodic reader on its own thread. The exporter's I/O runs on a small Tokio
//! runtime of its own, so neither the application's runtime nor its absence matters,
//! and a dead collector costs the reader thread a timeout, never the application.

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, Temporality};

use crate::config::OtlpSettings;
use crate::error::InitError;
use crate::transport::exporter_error;

/// Runs another exporter's futures on a runtime it owns a handle to.
struct OnRuntime<E> {
    inner: E,
    handle: tokio::runtime::Handle,
}

impl<E: PushMetricExporter> PushMetricExporter for OnRuntime<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        // The periodic reader's thread is not a Tokio thread: block it on the
        // runtime, whose worker drives the exporter's I/O.
        self.handle.block_on(self.inner.export(metrics))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

/// A periodic reader exporting over OTLP, and the runtime its exporter runs on.
pub(super) fn otlp_reader(
    o: &OtlpSettings,
    interval: Duration,
) -> Result<
    (
        PeriodicReader<impl PushMetricExporter>,
        tokio::runtime::Runtime,
    ),
    InitError,
> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("semtrace-metrics")
        .enable_all()
        .build()
        .map_err(InitError::Runtime)?;
    // tonic spawns its connection task on the runtime the exporter is built in.
    let exporter = {
        let _entered = runtime.enter();
        build(o)?
    };
    let reader = PeriodicReader::builder(OnRuntime {
        inner: exporter,
        handle: runtime.handle().clone(),
    })
    .with_interval(interval)
    .build();
    Ok((reader, runtime))
}

fn build(o: &OtlpSettings) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    match o.protocol {
        crate::config::Protocol::Grpc => grpc(o),
        crate::config::Protocol::HttpProtobuf => http(o),
    }
}

/// A protocol this build leaves out (resolution rejects it first; this is the
/// stand-in the other protocol's build compiles against).
#[cfg(not(all(feature = "otlp-grpc", feature = "otlp-http")))]
fn disabled(o: &OtlpSettings) -> InitError {
    InitError::FeatureDisabled {
        what: format!("OTLP protocol `{}`", o.protocol),
        feature: "otlp-grpc` or `otlp-http",
    }
}

#[cfg(not(feature = "otlp-grpc"))]
#[allow(clippy::unnecessary_wraps)] // the same signature as with the feature
fn grpc(o: &OtlpSettings) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    Err(disabled(o))
}

#[cfg(not(feature = "otlp-http"))]
#[allow(clippy::unnecessary_wraps)] // the same signature as with the feature
fn http(o: &OtlpSettings) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    Err(disabled(o))
}

#[cfg(feature = "otlp-grpc")]
fn grpc(o: &OtlpSettings) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};

    let mut builder = opentelemetry_otlp::MetricExporter::builder()
        .with_tonic()
        .with_temporality(Temporality::Cumulative)
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_metadata(crate::transport::grpc::metadata(o)?);
    if o.compression == crate::config::Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    builder.build().map_err(|e| exporter_error(o, e))
}

#[cfg(feature = "otlp-http")]
fn http(o: &OtlpSettings) -> Result<opentelemetry_otlp::MetricExporter, InitError> {
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};

    let mut builder = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_temporality(Temporality::Cumulative)
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(o.endpoint.clone())
        .with_timeout(o.timeout)
        .with_headers(crate::transport::http::headers(o));
    if o.compression == crate::config::Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    builder.build().map_err(|e| exporter_error(o, e))
}
