//! Metrics from the same annotations: each annotated call records its domain's
//! histogram from the semantic conventions (`http.server.request.duration`,
//! `db.client.operation.duration`, `task.duration`, …) when it ends, whatever trace
//! sampling decided and whatever the span's level; and semtrace's own pipeline
//! counters (`semtrace.*`) are observed from [`SpanStats`](crate::SpanStats).
//!
//! - [`site`]: the `static` generated code writes per call site; [`timer`]: what it
//!   starts before the body and finishes with the [`outcome`]; [`value`]: per-call
//!   attribute values.
//! - [`recorder`]: the per-site instruments with bound attribute sets, fed by
//!   `buffer`, each thread's ring of measurements not yet recorded into them.
//! - `export`: the OTLP metric exporter on a runtime of its own, read periodically.
//! - `exemplars`: each bound set's last call per bucket, with its span's ids, which
//!   both exporters add (the SDK records none); `openmetrics`: the format that
//!   carries them to Prometheus.
//! - `prometheus`: the text endpoint (feature `prometheus`; without it,
//!   `prometheus_off.rs` stands in and refuses the exporter).
//!
//! Recording goes through the current `tracing` dispatcher: the recorder lives in
//! semtrace's pipeline layer, so a test's `with_default` subscriber gets its own
//! metrics, and a program without semtrace's subscriber records nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::{MeterProviderBuilder, SdkMeterProvider};

use crate::config::{MetricsExporter, Settings};
use crate::error::InitError;
use crate::shutdown::{Shutdown, ShutdownFailure};
use crate::traces::stats::SpanStats;

mod buffer;
pub(crate) mod exemplars;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod export;
#[cfg(feature = "prometheus")]
mod openmetrics;
pub(crate) mod outcome;
#[cfg(feature = "prometheus")]
pub(crate) mod prometheus;
#[cfg(not(feature = "prometheus"))]
#[path = "prometheus_off.rs"]
pub(crate) mod prometheus;
pub(crate) mod recorder;
pub(crate) mod site;
pub(crate) mod timer;
pub(crate) mod value;

use recorder::Sites;

/// The instrumentation scope of every metric semtrace records.
const SCOPE: &str = "semtrace";

/// The meter provider and its readers; the guard flushes and stops them.
pub(crate) struct Metrics {
    pub(crate) sites: Arc<Sites>,
    pub(crate) provider: SdkMeterProvider,
    runtime: Option<tokio::runtime::Runtime>,
    /// The text endpoint's registry, when Prometheus is among the exporters.
    pub(crate) prometheus: Option<Arc<prometheus::Text>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A reader given by the builder (tests: the SDK's in-memory exporter).
pub(crate) type ReaderFactory = Box<dyn FnOnce() -> Box<dyn AddReader> + Send>;

/// Adds a reader to a meter provider being built.
pub(crate) trait AddReader {
    fn add(
        self: Box<Self>,
        builder: opentelemetry_sdk::metrics::MeterProviderBuilder,
    ) -> opentelemetry_sdk::metrics::MeterProviderBuilder;
}

impl<R: opentelemetry_sdk::metrics::reader::MetricReader> AddReader for R {
    fn add(
        self: Box<Self>,
        builder: opentelemetry_sdk::metrics::MeterProviderBuilder,
    ) -> opentelemetry_sdk::metrics::MeterProviderBuilder {
        builder.with_reader(*self)
    }
}

/// Builds the meter provider for the resolved settings. `None` when metrics are off
/// (no exporter and no injected reader).
pub(crate) fn build(
    settings: &Settings,
    injected: Option<ReaderFactory>,
) -> Result<Option<Metrics>, InitError> {
    let m = &settings.metrics;
    if !m.enabled || (m.exporters.is_empty() && injected.is_none()) {
        return Ok(None);
    }
    let mut builder = SdkMeterProvider::builder().with_resource(crate::resource::build(settings));
    let mut runtime = None;
    let mut text = None;
    let exemplars = recorder::ExemplarSource::default();
    for exporter in &m.exporters {
        match exporter {
            MetricsExporter::Otlp => {
                let otlp_runtime;
                (builder, otlp_runtime) =
                    with_otlp(builder, m.otlp.as_ref(), m.interval, &exemplars)?;
                if otlp_runtime.is_some() {
                    runtime = otlp_runtime;
                }
            }
            MetricsExporter::Prometheus => {
                let t;
                (builder, t) = prometheus::with_reader(builder, exemplars.clone())?;
                text = Some(Arc::new(t));
            }
            MetricsExporter::None => {}
        }
    }
    if let Some(factory) = injected {
        builder = factory().add(builder);
    }
    let provider = builder.build();
    let meter = provider.meter(SCOPE);
    let sites = Sites::new(meter, m.exemplar_filter);
    exemplars.set(&sites);
    Ok(Some(Metrics {
        sites,
        provider,
        runtime,
        prometheus: text,
    }))
}

/// Adds the OTLP reader when OTLP settings are resolved; returns the builder and
/// the runtime the reader's exporter runs on.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
fn with_otlp(
    builder: MeterProviderBuilder,
    otlp: Option<&crate::config::OtlpSettings>,
    interval: Duration,
    exemplars: &recorder::ExemplarSource,
) -> Result<(MeterProviderBuilder, Option<tokio::runtime::Runtime>), InitError> {
    let Some(otlp) = otlp else {
        return Ok((builder, None));
    };
    let (reader, runtime) = export::otlp_reader(otlp, interval, exemplars.clone())?;
    Ok((builder.with_reader(reader), Some(runtime)))
}

/// OTLP metrics export needs a transport's feature.
#[cfg(not(any(feature = "otlp-grpc", feature = "otlp-http")))]
fn with_otlp(
    _builder: MeterProviderBuilder,
    _otlp: Option<&crate::config::OtlpSettings>,
    _interval: Duration,
    _exemplars: &recorder::ExemplarSource,
) -> Result<(MeterProviderBuilder, Option<tokio::runtime::Runtime>), InitError> {
    Err(InitError::FeatureDisabled {
        what: "OTLP metrics export".to_owned(),
        feature: "otlp-grpc` or `otlp-http",
    })
}

/// What semtrace's own counters (`semtrace.*`) read: the owner of the pipeline
/// (the run-time control) hands this in, so metrics hold no other part.
pub(crate) trait PipelineReadings: Send + Sync + 'static {
    /// The span counts so far.
    fn stats(&self) -> SpanStats;
    /// Spans queued for export, and the queue's capacity.
    fn queue_fill(&self) -> (usize, usize);
    /// Sampling rules in force.
    fn active_rules(&self) -> usize;
    /// The log record counts, when log records are exported.
    fn log_stats(&self) -> Option<crate::logs::LogStats>;
}

/// Metrics once started: what the guard stops (in this order), the provider it
/// flushes, and the Prometheus text and its own listener's address, when served.
pub(crate) struct Started {
    pub(crate) parts: Vec<Box<dyn Shutdown>>,
    pub(crate) provider: SdkMeterProvider,
    pub(crate) address: Option<std::net::SocketAddr>,
    pub(crate) prometheus: Option<Arc<prometheus::Text>>,
}

/// Starts observing the pipeline through `readings` and serves the Prometheus text
/// when asked to; returns the parts for the guard.
pub(crate) fn start(
    metrics: Metrics,
    settings: &Settings,
    readings: &Arc<dyn PipelineReadings>,
) -> Result<Started, InitError> {
    metrics.observe_pipeline(readings);
    let mut parts: Vec<Box<dyn Shutdown>> = Vec::new();
    let mut address = None;
    if let Some(text) = &metrics.prometheus
        && let Some((listener, at)) = prometheus::own_listener(settings, text)?
    {
        address = Some(at);
        parts.push(listener);
    }
    let provider = metrics.provider.clone();
    let prometheus = metrics.prometheus.clone();
    parts.push(Box::new(metrics));
    Ok(Started {
        parts,
        provider,
        address,
        prometheus,
    })
}

impl Metrics {
    /// Observes semtrace's own counters (`semtrace.*`, defined in semtrace's
    /// registry) from the pipeline's statistics and the control's rules.
    fn observe_pipeline(&self, readings: &Arc<dyn PipelineReadings>) {
        let meter = self.provider.meter(SCOPE);
        let counter = |name: &'static str, pick: fn(&SpanStats) -> u64| {
            let readings = Arc::clone(readings);
            own_counter(&meter, name, move |o| {
                o.observe(pick(&readings.stats()), &[]);
            });
        };
        counter("semtrace.spans.started", |s| s.started);
        counter("semtrace.spans.sampled_out", |s| s.sampled_out);
        counter("semtrace.spans.exported", |s| s.exported);
        let c = Arc::clone(readings);
        let sites = Arc::downgrade(&self.sites);
        own_counter(&meter, "semtrace.spans.dropped", move |o| {
            // The SDK runs every callback before it reads any instrument: the
            // calls the threads buffered are recorded into the histograms first,
            // so a collection has every call made before it.
            if let Some(sites) = sites.upgrade() {
                sites.drain();
            }
            let by = c.stats().dropped_by;
            by_label(
                o,
                "semtrace.drop.reason",
                [
                    ("queue_full", by.queue_full),
                    ("export_failed", by.export_failed),
                    ("shutdown", by.shutdown),
                    ("tail_buffer_full", by.tail_buffer_full),
                    ("rejected", by.rejected),
                    ("unfinished", by.unfinished),
                ],
            );
        });
        let c = Arc::clone(readings);
        own_counter(&meter, "semtrace.span.limits.dropped", move |o| {
            let l = c.stats().limited;
            by_label(
                o,
                "semtrace.limit.cut",
                [
                    ("attribute", l.attributes),
                    ("event", l.events),
                    ("link", l.links),
                    ("event_attribute", l.event_attributes),
                    ("link_attribute", l.link_attributes),
                    ("value_truncated", l.truncated_values),
                ],
            );
        });
        let gauge = |name: &'static str, pick: fn(&dyn PipelineReadings) -> usize| {
            let d = own_definition(name);
            let readings = Arc::clone(readings);
            meter
                .i64_observable_up_down_counter(d.name)
                .with_unit(d.unit)
                .with_description(d.brief)
                .with_callback(move |o| {
                    o.observe(i64::try_from(pick(&*readings)).unwrap_or(i64::MAX), &[]);
                })
                .build();
        };
        observe_logs(&meter, readings);
        gauge("semtrace.queue.size", |c| c.queue_fill().0);
        gauge("semtrace.queue.capacity", |c| c.queue_fill().1);
        gauge(
            "semtrace.sampling.rules.active",
            PipelineReadings::active_rules,
        );
    }
}

/// The definition of one of semtrace's own metrics, from its registry.
fn own_definition(name: &str) -> &'static semtrace_semconv::metrics::MetricDefinition {
    semtrace_semconv::metrics::builtin(name)
        .unwrap_or_else(|| panic!("`{name}` is in semtrace's registry"))
}

/// An observable counter of semtrace's own, as its registry defines it.
fn own_counter(
    meter: &opentelemetry::metrics::Meter,
    name: &str,
    observe: impl Fn(&dyn opentelemetry::metrics::AsyncInstrument<u64>) + Send + Sync + 'static,
) {
    let d = own_definition(name);
    meter
        .u64_observable_counter(d.name)
        .with_unit(d.unit)
        .with_description(d.brief)
        .with_callback(observe)
        .build();
}

/// One observation per `(value of label, count)`.
fn by_label<const N: usize>(
    o: &dyn opentelemetry::metrics::AsyncInstrument<u64>,
    label: &'static str,
    counts: [(&'static str, u64); N],
) {
    for (value, n) in counts {
        o.observe(n, &[KeyValue::new(label, value)]);
    }
}

/// `semtrace.logs.*`, observed while log records are exported (nothing
/// otherwise: no series of zeros for a signal that is off).
fn observe_logs(meter: &opentelemetry::metrics::Meter, readings: &Arc<dyn PipelineReadings>) {
    let counter = |name: &'static str, pick: fn(&crate::logs::LogStats) -> u64| {
        let readings = Arc::clone(readings);
        own_counter(meter, name, move |o| {
            if let Some(stats) = readings.log_stats() {
                o.observe(pick(&stats), &[]);
            }
        });
    };
    counter("semtrace.logs.emitted", |s| s.emitted);
    counter("semtrace.logs.exported", |s| s.exported);
    let readings = Arc::clone(readings);
    own_counter(meter, "semtrace.logs.dropped", move |o| {
        if let Some(stats) = readings.log_stats() {
            let by = stats.dropped_by;
            by_label(
                o,
                "semtrace.drop.reason",
                [
                    ("queue_full", by.queue_full),
                    ("export_failed", by.export_failed),
                    ("shutdown", by.shutdown),
                    ("rejected", by.rejected),
                ],
            );
        }
    });
}

impl Shutdown for Metrics {
    fn shutdown(&mut self, deadline: Instant) -> Vec<ShutdownFailure> {
        let timeout = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let mut failures = Vec::new();
        // The last collection and export, then the reader stops.
        if let Err(e) = self.provider.shutdown_with_timeout(timeout) {
            failures.push(ShutdownFailure::Metrics(e.to_string()));
        }
        self.sites.stop();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        failures
    }
}
