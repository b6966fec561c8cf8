//! OTLP metrics: the SDK's collection turned into OTLP's request by
//! `opentelemetry-proto`'s transform, the histograms' exemplars added to their data
//! points (the SDK records none, see `exemplars`), and sent through the same
//! clients as spans (gRPC or HTTP/protobuf, with the same headers, timeout,
//! compression and retries), read every `interval` by the SDK's periodic reader on
//! its own thread. The exporter's I/O runs on a small Tokio
//! runtime of its own, so neither the application's runtime nor its absence matters,
//! and a dead collector costs the reader thread a timeout, never the application.

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, Temporality};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue as ProtoKeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{Exemplar as ProtoExemplar, exemplar, metric};

use super::exemplars::{Exemplar, Fingerprint, fingerprint, merged};
use super::recorder::ExemplarSource;
use crate::config::OtlpSettings;
use crate::error::InitError;

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
    exemplars: ExemplarSource,
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
        Otlp {
            sender: Sender::new(o)?,
            exemplars,
        }
    };
    let reader = PeriodicReader::builder(OnRuntime {
        inner: exporter,
        handle: runtime.handle().clone(),
    })
    .with_interval(interval)
    .build();
    Ok((reader, runtime))
}

/// The exporter: the request of each collection, with exemplars, to the collector.
struct Otlp {
    sender: Sender,
    exemplars: ExemplarSource,
}

impl PushMetricExporter for Otlp {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let mut request = ExportMetricsServiceRequest::from(metrics);
        add_exemplars(&mut request, &self.exemplars);
        self.sender.send(request).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.sender.shutdown()
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

/// Adds each histogram data point's exemplars, matched by the metric's name and
/// the point's attributes.
fn add_exemplars(request: &mut ExportMetricsServiceRequest, source: &ExemplarSource) {
    let series = source.series();
    if series.is_empty() {
        return;
    }
    let by_point = merged(series, |s| {
        let attrs = s
            .attributes
            .iter()
            .map(|kv| (kv.key.as_str().to_owned(), kv.value.to_string()));
        Some((s.name.to_owned(), fingerprint(attrs)))
    });
    let metrics = request
        .resource_metrics
        .iter_mut()
        .flat_map(|r| &mut r.scope_metrics)
        .flat_map(|s| &mut s.metrics);
    for m in metrics {
        let Some(metric::Data::Histogram(h)) = &mut m.data else {
            continue;
        };
        for point in &mut h.data_points {
            let key = (m.name.clone(), point_fingerprint(&point.attributes));
            if let Some(kept) = by_point.get(&key) {
                point.exemplars.extend(kept.iter().map(proto));
            }
        }
    }
}

/// A data point's attributes as [`fingerprint`] keys them (values as text, as
/// `opentelemetry::Value` writes them).
fn point_fingerprint(attributes: &[ProtoKeyValue]) -> Fingerprint {
    fingerprint(attributes.iter().map(|kv| {
        let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => s.clone(),
            Some(any_value::Value::IntValue(i)) => i.to_string(),
            Some(any_value::Value::DoubleValue(d)) => d.to_string(),
            Some(any_value::Value::BoolValue(b)) => b.to_string(),
            _ => String::new(),
        };
        (kv.key.clone(), value)
    }))
}

fn proto(e: &Exemplar) -> ProtoExemplar {
    ProtoExemplar {
        filtered_attributes: Vec::new(),
        time_unix_nano: e.time_unix_nano,
        span_id: e.span_id.to_be_bytes().to_vec(),
        trace_id: e.trace_id.to_be_bytes().to_vec(),
        value: Some(exemplar::Value::AsDouble(e.value)),
    }
}

/// The client of the configured protocol.
enum Sender {
    #[cfg(feature = "otlp-grpc")]
    Grpc(crate::transport::grpc::Sender),
    #[cfg(feature = "otlp-http")]
    Http(crate::transport::http::Sender),
}

/// `MetricsService/Export` over gRPC.
#[cfg(feature = "otlp-grpc")]
const EXPORT: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

impl Sender {
    /// Must be called inside the exporter's runtime (tonic's connection task).
    fn new(o: &OtlpSettings) -> Result<Self, InitError> {
        match o.protocol {
            #[cfg(feature = "otlp-grpc")]
            crate::config::Protocol::Grpc => {
                Ok(Self::Grpc(crate::transport::grpc::Sender::new(o)?))
            }
            #[cfg(feature = "otlp-http")]
            crate::config::Protocol::HttpProtobuf => {
                Ok(Self::Http(crate::transport::http::Sender::new(o)?))
            }
            #[allow(unreachable_patterns)] // a protocol this build leaves out
            _ => Err(InitError::FeatureDisabled {
                what: format!("OTLP protocol `{}`", o.protocol),
                feature: "otlp-grpc` or `otlp-http",
            }),
        }
    }

    async fn send(&self, request: ExportMetricsServiceRequest) -> OTelSdkResult {
        match self {
            #[cfg(feature = "otlp-grpc")]
            Self::Grpc(s) => {
                use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
                let _: ExportMetricsServiceResponse = s.send(EXPORT, request).await?;
                Ok(())
            }
            #[cfg(feature = "otlp-http")]
            Self::Http(s) => s.send(&request).await.map(drop),
        }
    }

    fn shutdown(&self) -> OTelSdkResult {
        match self {
            #[cfg(feature = "otlp-grpc")]
            Self::Grpc(s) => s.shutdown(),
            #[cfg(feature = "otlp-http")]
            Self::Http(s) => s.shutdown(),
        }
    }
}
