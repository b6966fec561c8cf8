//! Code-first setup: [`Telemetry::builder`] and [`init`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tracing::{Dispatch, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;

use crate::clock::RuleClock;
use crate::config::{
    self, Ansi, Compression, Config, ConsoleFormat, FileFormat, Overrides, Protocol, Rotation,
    Sampler, Settings, TracesExporter,
};
use crate::control::levels::{BoxedLayer, LevelFilter};
use crate::control::{Control, Levels};
use crate::error::InitError;
use crate::guard::Guard;
use crate::outer::OuterLayer;
use crate::shutdown::Shutdown;

/// Sets up telemetry from the environment (and the file named by `SEMTRACE_CONFIG`)
/// and installs it as the global `tracing` subscriber.
///
/// With no environment at all this writes `info` and above to stderr and exports
/// nothing. Setting `OTEL_EXPORTER_OTLP_ENDPOINT` turns OTLP export on. See
/// [`config`](crate::config) for every variable and the precedence rules.
///
/// ```no_run
/// fn main() -> Result<(), semtrace::InitError> {
///     let _guard = semtrace::init()?;
///     tracing::info!("started");
///     Ok(())
/// } // the guard flushes here
/// ```
pub fn init() -> Result<Guard, InitError> {
    TelemetryBuilder::default().init()
}

/// Entry point of the builder: `Telemetry::builder("my-service")…init()`.
#[derive(Debug)]
pub struct Telemetry(());

impl Telemetry {
    /// A builder for the service `name` (`service.name`).
    pub fn builder(name: impl Into<String>) -> TelemetryBuilder {
        TelemetryBuilder::default().service_name(name)
    }
}

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// An environment variable through the builder's lookup, or the process's.
fn lookup(env: Option<&Lookup>, name: &str) -> Option<String> {
    match env {
        Some(lookup) => lookup(name),
        None => std::env::var(name).ok(),
    }
}

/// Configures the outputs; every call here wins over the environment and the config
/// file (see [`config`](crate::config) for the precedence table).
///
/// Every setting, its default, config key and environment variable are in the one
/// table of the [`config`](crate::config) docs.
#[must_use = "a builder does nothing until `init()` is called"]
#[derive(Default)]
pub struct TelemetryBuilder {
    overrides: Overrides,
    config: Option<Config>,
    config_file: Option<PathBuf>,
    env: Option<Lookup>,
    console_writer: Option<ConsoleWriter>,
    exporter: Option<crate::traces::exporters::ExporterFactory>,
    metric_reader: Option<crate::metrics::ReaderFactory>,
    log_exporter: Option<crate::logs::pipeline::LogExporterFactory>,
    clock: RuleClock,
    /// The user's layers (`with_layer`), over tracing-subscriber's registry.
    layers: Vec<BoxedLayer>,
}

impl fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("overrides", &self.overrides)
            .field("config", &self.config)
            .field("config_file", &self.config_file)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($field:ident: $ty:ty) $(=> $conv:expr)?;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $field: $ty) -> Self {
            self.overrides.$field = Some(setters!(@conv $field $($conv)?));
            self
        }
    )*};
    (@conv $field:ident) => { $field };
    (@conv $field:ident $conv:expr) => { $conv($field) };
}

impl TelemetryBuilder {
    setters! {
        /// `service.name`.
        service_name(service_name: impl Into<String>) => Into::into;
        /// `service.version`, e.g. `env!("CARGO_PKG_VERSION")`.
        service_version(service_version: impl Into<String>) => Into::into;
        /// `service.namespace`.
        service_namespace(service_namespace: impl Into<String>) => Into::into;
        /// `service.instance.id`.
        service_instance_id(service_instance_id: impl Into<String>) => Into::into;
        /// `deployment.environment.name`.
        deployment_environment(deployment_environment: impl Into<String>) => Into::into;
        /// Turns console output on or off.
        console(console: bool);
        /// Console filter in `EnvFilter` syntax (wins over `RUST_LOG`).
        console_level(console_level: impl Into<String>) => Into::into;
        /// Console line format.
        console_format(console_format: ConsoleFormat);
        /// Console colours.
        ansi(ansi: Ansi);
        /// Writes log files into `dir` (turns file output on).
        file_dir(file_dir: impl Into<PathBuf>) => Into::into;
        /// Log file name prefix.
        file_prefix(file_prefix: impl Into<String>) => Into::into;
        /// Log file rotation.
        file_rotation(file_rotation: Rotation);
        /// Number of log files kept (at least 1).
        file_max_files(file_max_files: usize);
        /// File filter in `EnvFilter` syntax.
        file_level(file_level: impl Into<String>) => Into::into;
        /// Log file line format.
        file_format(file_format: FileFormat);
        /// Turns OTLP export on (with an endpoint) or off.
        otlp(otlp: bool);
        /// Collector URL (turns export on). For HTTP, `/v1/traces` is appended.
        otlp_endpoint(otlp_endpoint: impl Into<String>) => Into::into;
        /// OTLP transport.
        otlp_protocol(otlp_protocol: Protocol);
        /// Bound on one export call, retries included.
        otlp_timeout(otlp_timeout: Duration);
        /// Payload compression.
        otlp_compression(otlp_compression: Compression);
        /// Filter in `EnvFilter` syntax for what is exported.
        otlp_level(otlp_level: impl Into<String>) => Into::into;
        /// Sampler.
        sampler(sampler: Sampler);
        /// Spans held for export at most (default 16384); whole traces beyond it are shed.
        max_queue_size(max_queue_size: usize);
        /// Delay between two batch exports.
        scheduled_delay(scheduled_delay: Duration);
        /// Spans per export call.
        max_export_batch_size(max_export_batch_size: usize);
        /// Export calls in flight at once (default 4).
        max_concurrent_exports(max_concurrent_exports: usize);
        /// Adds `code.file.path` and `code.line.number` to every span (default off).
        code_attributes(code_attributes: bool);
        /// Adds `thread.id` and `thread.name` to every span (default off).
        thread_attributes(thread_attributes: bool);
        /// Adds `busy_ns` and `idle_ns` to every span (default off).
        timing_attributes(timing_attributes: bool);
        /// The span limits, all of them (default 128 of each, no value length limit).
        span_limits(span_limits: crate::config::SpanLimits);
        /// Records GenAI message content on `#[traced_genai]` spans (default off; the
        /// switch is process-wide, see [`genai::capture_content`](crate::genai::capture_content)).
        genai_capture_content(genai_capture_content: bool);
        /// Turns records of the `log` crate into events (default on; with
        /// [`build_layer`](Self::build_layer) off, see there), or off.
        log_bridge(log_bridge: bool);
        /// Writes the `console` exporter's OTLP JSON lines to this file instead of stdout.
        console_exporter_path(console_exporter_path: impl Into<PathBuf>) => Into::into;
        /// URL the Zipkin exporter POSTs spans to (default
        /// `http://localhost:9411/api/v2/spans`).
        zipkin_endpoint(zipkin_endpoint: impl Into<String>) => Into::into;
        /// Bound on one Zipkin export call (default 10 s).
        zipkin_timeout(zipkin_timeout: Duration);
        /// Bound on flushing at shutdown (default 5 s).
        shutdown_timeout(shutdown_timeout: Duration);
        /// How often metrics are exported over OTLP (default 60 s).
        metrics_interval(metrics_interval: Duration);
        /// Which calls the duration histograms keep as exemplars, like
        /// `OTEL_METRICS_EXEMPLAR_FILTER` (default `trace_based`: calls whose span is
        /// sampled).
        metrics_exemplar_filter(metrics_exemplar_filter: crate::config::ExemplarFilter);
        /// Filter in `EnvFilter` syntax for the events exported as log records
        /// (default `info`).
        logs_level(logs_level: impl Into<String>) => Into::into;
        /// The OTLP logs URL, used as is (turns log export on), like
        /// `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`.
        logs_endpoint(logs_endpoint: impl Into<String>) => Into::into;
    }

    /// Where log records are exported, like `OTEL_LOGS_EXPORTER`: OTLP, OTLP JSON
    /// lines on stdout, both, or (`LogsExporter::None` alone) nothing. Log export
    /// is off unless chosen here, in the environment or the config file, or a logs
    /// endpoint is set.
    pub fn logs_exporters(
        mut self,
        exporters: impl IntoIterator<Item = crate::config::LogsExporter>,
    ) -> Self {
        self.overrides.logs_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// Exports log records through `export` (behind semtrace's log queue and
    /// batching) instead of OTLP: it receives each batch as the OTLP request a
    /// collector would, and returns an error to have it retried (for tests).
    #[doc(hidden)]
    #[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
    pub fn log_exporter<F>(mut self, export: F) -> Self
    where
        F: Fn(
                opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest,
            ) -> Result<(), String>
            + Send
            + Sync
            + 'static,
    {
        self.log_exporter = Some(crate::logs::pipeline::injected(export));
        self
    }

    /// Where metrics are exported, like `OTEL_METRICS_EXPORTER`: OTLP, the
    /// Prometheus text endpoint, both, or (`MetricsExporter::None` alone) nothing.
    pub fn metrics_exporters(
        mut self,
        exporters: impl IntoIterator<Item = crate::config::MetricsExporter>,
    ) -> Self {
        self.overrides.metrics_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// Declares a service-level objective (call again for more): the alert rules
    /// `GET /tracing/prometheus-rules` serves on the admin routes, and
    /// [`Control::prometheus_rules`](crate::control::Control::prometheus_rules),
    /// are written for them. Objectives declared here replace the config file's
    /// `[[slo]]` entries. Checked by [`init`](Self::init): percentages strictly
    /// between 0 and 100, a latency threshold on a bucket boundary, one objective
    /// per route; whether a route is the service's is checked when the rules are
    /// written (a `ServerLayer` learns its routes per request).
    pub fn slo(mut self, slo: crate::catalogue::Slo) -> Self {
        self.overrides.slos.get_or_insert_with(Vec::new).push(slo);
        self
    }

    /// Adds a metric reader to semtrace's meter provider, e.g. a `PeriodicReader`
    /// around opentelemetry_sdk's `InMemoryMetricExporter` in tests.
    #[doc(hidden)]
    pub fn metric_reader<R>(mut self, reader: R) -> Self
    where
        R: opentelemetry_sdk::metrics::reader::MetricReader,
    {
        self.metric_reader = Some(Box::new(move || {
            Box::new(reader) as Box<dyn crate::metrics::AddReader>
        }));
        self
    }

    /// Where spans are exported, like `OTEL_TRACES_EXPORTER`: OTLP, OTLP JSON lines
    /// on the console, Zipkin, several of them, or (`TracesExporter::None` alone)
    /// nothing.
    pub fn traces_exporters(mut self, exporters: impl IntoIterator<Item = TracesExporter>) -> Self {
        self.overrides.traces_exporters = Some(exporters.into_iter().collect());
        self
    }

    /// Adds a resource attribute.
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides
            .resource_attributes
            .insert(key.into(), value.into());
        self
    }

    /// Adds a header to every export (e.g. an API key; never logged).
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides
            .otlp_headers
            .insert(name.into(), value.into());
        self
    }

    /// Uses a parsed config file (instead of the one named by `SEMTRACE_CONFIG`).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Reads this config file (instead of the one named by `SEMTRACE_CONFIG`).
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Adds a `tracing` layer of your own to semtrace's subscriber, beside its
    /// outputs; call it again for more. Any layer over tracing-subscriber's
    /// [`Registry`](tracing_subscriber::Registry) works, with a filter of its own
    /// as in tracing-subscriber (it filters only that layer):
    ///
    /// ```no_run
    /// use tracing_subscriber::{EnvFilter, Layer as _};
    ///
    /// let _guard = semtrace::Telemetry::builder("svc")
    ///     .with_layer(tracing_error::ErrorLayer::default()) // `SpanTrace`s of semtrace's spans
    ///     .with_layer(my_layer().with_filter(EnvFilter::new("my_crate=debug")))
    ///     .init()?;
    /// # fn my_layer() -> tracing_subscriber::layer::Identity { tracing_subscriber::layer::Identity::new() }
    /// # Ok::<(), semtrace::InitError>(())
    /// ```
    ///
    /// A filter added as a layer of its own (an `EnvFilter` given here without
    /// `with_filter`) filters the whole subscriber, semtrace's outputs too, as in
    /// tracing-subscriber.
    ///
    /// With a layer of your own the subscriber is tracing-subscriber's registry
    /// (semtrace's outputs each behind their own filter, your layers beside them),
    /// since foreign layers keep their state in the registry's span extensions,
    /// which semtrace's own span store cannot offer (tracing-subscriber's
    /// `Extensions` cannot be made outside it, tokio-rs/tracing#1415). Without one
    /// nothing changes. Works with [`init`](Self::init) and [`build`](Self::build);
    /// with [`build_layer`](Self::build_layer), add your layers to your own
    /// subscriber instead (it is an error).
    pub fn with_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<tracing_subscriber::Registry> + Send + Sync + 'static,
    {
        self.layers.push(Box::new(layer));
        self
    }

    /// Reads environment variables through `lookup` instead of the process
    /// environment (for tests).
    #[doc(hidden)]
    pub fn env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(Arc::new(lookup));
        self
    }

    /// Exports spans through `exporter` (behind semtrace's queue and batching)
    /// instead of OTLP, e.g. opentelemetry_sdk's `InMemorySpanExporter` in tests.
    #[doc(hidden)]
    pub fn span_exporter<E>(mut self, exporter: E) -> Self
    where
        E: opentelemetry_sdk::trace::SpanExporter + 'static,
    {
        self.exporter = Some(crate::traces::exporters::factory(exporter));
        self
    }

    /// Reads the time from `clock` instead of the system clock for rule expiry and
    /// latency windows (for tests that must not sleep).
    #[doc(hidden)]
    pub fn clock(
        mut self,
        clock: impl Fn() -> std::time::SystemTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = RuleClock::manual(Arc::new(clock));
        self
    }

    /// The config file this builder reads, if any.
    fn config_path(&self) -> Option<PathBuf> {
        if self.config.is_some() {
            return None;
        }
        self.config_file.clone().or_else(|| {
            lookup(self.env.as_ref(), crate::config::var::SEMTRACE_CONFIG)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
    }

    /// Applies the precedence rules and checks every value, without starting anything.
    pub fn resolve(&self) -> Result<Settings, InitError> {
        let env: &dyn Fn(&str) -> Option<String> = &|name| lookup(self.env.as_ref(), name);
        let from_file;
        let config = match (&self.config, &self.config_file) {
            (Some(config), _) => config,
            (None, Some(path)) => {
                from_file = Config::from_file_with_env(path, env)?;
                &from_file
            }
            (None, None) => {
                match env(crate::config::var::SEMTRACE_CONFIG).filter(|p| !p.is_empty()) {
                    Some(path) => {
                        from_file = Config::from_file_with_env(path.as_ref(), env)?;
                        &from_file
                    }
                    None => &Config::default(),
                }
            }
        };
        config::resolve(&self.overrides, env, config)
    }

    /// Builds the subscriber without installing it: for tests
    /// (`tracing::dispatcher::set_default`) and programs that manage dispatchers
    /// themselves. Also installs the W3C propagators globally, and the `log`
    /// bridge unless `log_bridge` is off (another `log` logger installed first is
    /// reported on stderr).
    pub fn build(self) -> Result<(Dispatch, Guard), InitError> {
        let (dispatch, guard, bridge) = self.build_with_bridge()?;
        if let Err(problem) = bridge {
            eprintln!("semtrace: {problem}");
        }
        Ok((dispatch, guard))
    }

    /// [`build`](Self::build), with what became of the `log` bridge.
    fn build_with_bridge(self) -> Result<(Dispatch, Guard, Result<(), BridgeProblem>), InitError> {
        let settings = self.resolve()?;
        let bridge = install_bridge(&settings);
        let (dispatch, guard) = self.build_from(settings)?;
        Ok((dispatch, guard, bridge))
    }

    /// semtrace's span pipeline as one layer for a subscriber of your own, e.g. next
    /// to `fmt::layer()` and an `EnvFilter`:
    ///
    /// ```no_run
    /// use tracing_subscriber::{EnvFilter, Layer as _, fmt, prelude::*};
    ///
    /// let (semtrace, _guard) = semtrace::Telemetry::builder("svc").build_layer()?;
    /// tracing_subscriber::registry()
    ///     .with(fmt::layer().with_filter(EnvFilter::new("info,my_crate=debug")))
    ///     .with(semtrace)
    ///     .init();
    /// # Ok::<(), semtrace::InitError>(())
    /// ```
    ///
    /// The layer exports (sampling, queue, exporters as configured), counts the
    /// spans in [`Guard::stats`], records the annotations' metrics, and has the
    /// control handle, the admin listener and the config file watcher of
    /// [`build`](Self::build). It filters only itself, by `otlp.level`, as a layer
    /// with a filter of its own; a filter layered as the whole subscriber's (an
    /// `EnvFilter` given to `.with(…)` on its own) filters it too. It needs
    /// tracing-subscriber's registry at the bottom of the subscriber
    /// (`tracing_subscriber::registry()`).
    ///
    /// semtrace's console and file outputs are not part of it: the subscriber has
    /// its own (console settings are ignored; a log file asked for in the settings is
    /// reported on stderr and not written). Like [`build`](Self::build) it installs
    /// the W3C propagators. The `log` bridge is installed only when the settings ask
    /// for it ([`log_bridge(true)`](Self::log_bridge), `logs.bridge = true`): the
    /// subscriber's `init()` installs tracing-log's bridge itself (tracing-subscriber's
    /// `tracing-log` feature, which semtrace's `console` and `file` features turn on)
    /// and panics when another `log` logger is there first; ask for semtrace's only
    /// when you install the subscriber with `set_global_default` or `set_default`.
    /// Layers given to [`with_layer`](Self::with_layer) are an error here
    /// ([`InitError::LayersWithBuildLayer`]): add them to your subscriber.
    pub fn build_layer<S>(self) -> Result<(impl Layer<S> + Send + Sync + 'static, Guard), InitError>
    where
        S: Subscriber + for<'a> LookupSpan<'a> + 'static,
    {
        if !self.layers.is_empty() {
            return Err(InitError::LayersWithBuildLayer {
                count: self.layers.len(),
            });
        }
        let settings = self.resolve()?;
        // Only when asked: the subscriber's own `init()` installs tracing-log's
        // `LogTracer`, and fails (after installing the subscriber) when a `log`
        // logger is already there.
        if settings.log_bridge == Some(true)
            && let Err(problem) = install_bridge(&settings)
        {
            eprintln!("semtrace: {problem}");
        }
        self.layer_from(settings)
    }

    /// [`build_layer`](Self::build_layer) after the settings are resolved: what
    /// `build_from` starts, without console and file outputs, and the pipeline as
    /// one filtered layer.
    fn layer_from<S>(
        self,
        settings: Settings,
    ) -> Result<(impl Layer<S> + Send + Sync + 'static, Guard), InitError>
    where
        S: Subscriber + for<'a> LookupSpan<'a> + 'static,
    {
        let config_path = self.config_path();
        for warning in &settings.warnings {
            eprintln!("semtrace: {warning}");
        }
        if let Some(file) = &settings.file {
            eprintln!(
                "semtrace: log files in `{}` are not written by `build_layer()`: add a layer that writes them to your subscriber (e.g. `fmt::layer().with_writer(tracing_appender::rolling::daily(…))`)",
                file.dir.display()
            );
        }
        install_process_wide(&settings);
        let pipeline = crate::traces::build(&settings, self.exporter, self.clock)?;
        let logs = crate::logs::pipeline::build(&settings, self.log_exporter)?;
        let metrics = crate::metrics::build(&settings, self.metric_reader)?;
        let sites = metrics.as_ref().map(|m| Arc::clone(&m.sites));
        let traces_filter = LevelFilter::new(
            &settings.traces.level,
            Some(Arc::clone(&pipeline.sampler.gate)),
        );
        let levels = Levels {
            console: None,
            file: None,
            traces: traces_filter.clone(),
            logs: logs.as_ref().map(|l| l.capture.filter.clone()),
        };
        let mut parts: Vec<Box<dyn Shutdown>> = Vec::new();
        if let Some(worker) = pipeline.worker {
            parts.push(Box::new(worker));
        }
        let (logs_layer, logs_queue) = match logs {
            Some(logs) => {
                parts.push(Box::new(logs.worker));
                let filter = logs.capture.filter.clone();
                let layer = crate::logs::layer::LogsLayer(logs.capture).with_filter(filter);
                (Some(layer), Some(logs.queue))
            }
            None => (None, None),
        };
        let watch = config_path.map(|path| (path, self.env, self.overrides));
        let (control, guard) = control_and_guard(
            settings,
            &pipeline.sampler,
            pipeline.queue,
            levels,
            parts,
            metrics,
            watch,
        )?;
        let mut guard = guard;
        guard.attach_logs(logs_queue);
        // The recorder's `OuterLayer` inside the pipeline's filter: the user's
        // subscriber sees one layer with a per-layer filter (its level hint and
        // interest combine as any filtered layer's), and the metrics' downcast finds
        // it through `Filtered` and `Layered`. It hands the dispatcher to the
        // control when the subscriber becomes one.
        let outer = OuterLayer {
            control: Some(control),
            ..OuterLayer::new(sites, Vec::new())
        };
        let traced = pipeline.layer.and_then(outer).with_filter(traces_filter);
        // The logs' layer inside, so that without log export (`None`) the stack's
        // level hint is the pipeline's: tracing-subscriber reads an absent layer's
        // `OFF` hint as the stack's only when the absent layer is the inner one.
        let layer = tracing_subscriber::Layer::and_then(logs_layer, traced);
        Ok((layer, guard))
    }

    fn build_from(mut self, settings: Settings) -> Result<(Dispatch, Guard), InitError> {
        use tracing_subscriber::Layer as _;
        let config_path = self.config_path();
        let foreign = std::mem::take(&mut self.layers);
        for warning in &settings.warnings {
            eprintln!("semtrace: {warning}");
        }
        install_process_wide(&settings);
        let pipeline = crate::traces::build(&settings, self.exporter, self.clock)?;
        let logs = crate::logs::pipeline::build(&settings, self.log_exporter)?;
        let metrics = crate::metrics::build(&settings, self.metric_reader)?;
        let sites = metrics.as_ref().map(|m| Arc::clone(&m.sites));
        let traces_filter = LevelFilter::new(
            &settings.traces.level,
            Some(Arc::clone(&pipeline.sampler.gate)),
        );
        let mut parts_logs = None;
        let (capture, logs_queue) = match logs {
            Some(logs) => {
                parts_logs = Some(logs.worker);
                (Some(logs.capture), Some(logs.queue))
            }
            None => (None, None),
        };
        // semtrace's own span store, with each output's filter in the subscriber's
        // gate (no per-layer filter bookkeeping per span) and its records inline in
        // the store's slots; console and file lines (and the console's tree) written
        // from them, in every format. With the user's layers (see `with_layer`) the
        // outputs stay on tracing-subscriber's registry, each filtering its own.
        let on_store = foreign.is_empty();
        let mut layers: Vec<BoxedLayer> = Vec::new();
        let mut lines = LineOutputs::new();
        let mut levels = Levels {
            console: None,
            file: None,
            traces: traces_filter.clone(),
            logs: capture.as_ref().map(|c| c.filter.clone()),
        };
        let mut parts: Vec<Box<dyn Shutdown>> = Vec::new();
        let own = if on_store {
            add_console_lines(&settings, self.console_writer, &mut lines, &mut levels);
            add_file_lines(&settings, &mut lines, &mut levels, &mut parts)?;
            Some(pipeline.layer)
        } else {
            layers.push(pipeline.layer.with_filter(traces_filter.clone()).boxed());
            if let Some(capture) = &capture {
                let filter = capture.filter.clone();
                layers.push(
                    crate::logs::layer::LogsLayer(Arc::clone(capture))
                        .with_filter(filter)
                        .boxed(),
                );
            }
            add_console(&settings, self.console_writer, &mut layers, &mut levels);
            add_file(&settings, &mut layers, &mut levels, &mut parts)?;
            layers.extend(foreign);
            None
        };

        if let Some(worker) = parts_logs {
            parts.insert(0, Box::new(worker));
        }
        if let Some(worker) = pipeline.worker {
            parts.insert(0, Box::new(worker));
        }
        let watch = config_path.map(|path| (path, self.env, self.overrides));
        let (_, mut guard) = control_and_guard(
            settings,
            &pipeline.sampler,
            pipeline.queue,
            levels,
            parts,
            metrics,
            watch,
        )?;
        guard.attach_logs(logs_queue);

        let dispatch = if let Some(layer) = own {
            store_dispatch(layer, traces_filter, lines, sites, capture)
        } else {
            let mut outer = OuterLayer::new(sites, Vec::new());
            if layers.iter().any(|l| l.max_level_hint().is_none()) {
                outer.hint = None;
            }
            Dispatch::new(tracing_subscriber::registry().with(layers).with(outer))
        };
        guard.control().set_dispatch(&dispatch);
        Ok((dispatch, guard))
    }

    /// Builds the outputs and installs them as the global `tracing` subscriber.
    pub fn init(self) -> Result<Guard, InitError> {
        let (dispatch, guard, bridge) = self.build_with_bridge()?;
        match bridge {
            Err(BridgeProblem { asked: true }) => return Err(InitError::LogBridge),
            Err(problem) => eprintln!("semtrace: {problem}"),
            Ok(()) => {}
        }
        tracing::dispatcher::set_global_default(dispatch)
            .map_err(|_| InitError::AlreadyInitialized)?;
        Ok(guard)
    }
}

/// Console output's own writer (feature `console`).
#[cfg(feature = "console")]
impl TelemetryBuilder {
    /// Writes console output to `writer` instead of stderr; colours are then on only
    /// with [`Ansi::Always`].
    pub fn console_writer<W>(mut self, writer: W) -> Self
    where
        W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
    {
        self.console_writer = Some(tracing_subscriber::fmt::writer::BoxMakeWriter::new(writer));
        self
    }
}

/// Where the builder sends console output instead of stderr.
#[cfg(feature = "console")]
type ConsoleWriter = tracing_subscriber::fmt::writer::BoxMakeWriter;

/// Without the `console` feature no writer can be given.
#[cfg(not(feature = "console"))]
type ConsoleWriter = std::convert::Infallible;

/// Adds console output, when the settings have it.
#[cfg(feature = "console")]
fn add_console(
    settings: &Settings,
    writer: Option<ConsoleWriter>,
    layers: &mut Vec<BoxedLayer>,
    levels: &mut Levels,
) {
    if let Some(console) = &settings.console {
        let (layer, filter) = crate::outputs::console_layer(console, writer);
        layers.push(layer);
        levels.console = Some(filter);
    }
}

/// Without the `console` feature there is no console output.
#[cfg(not(feature = "console"))]
fn add_console(
    _settings: &Settings,
    _writer: Option<ConsoleWriter>,
    _layers: &mut Vec<BoxedLayer>,
    _levels: &mut Levels,
) {
}

/// Adds file output, when the settings have it; its writer's worker goes to `parts`.
#[cfg(feature = "file")]
fn add_file(
    settings: &Settings,
    layers: &mut Vec<BoxedLayer>,
    levels: &mut Levels,
    parts: &mut Vec<Box<dyn Shutdown>>,
) -> Result<(), InitError> {
    if let Some(file) = &settings.file {
        let (layer, filter, worker) = crate::outputs::file_layer(file)?;
        layers.push(layer);
        levels.file = Some(filter);
        parts.push(Box::new(worker));
    }
    Ok(())
}

/// File output needs the `file` feature.
#[cfg(not(feature = "file"))]
fn add_file(
    settings: &Settings,
    _layers: &mut Vec<BoxedLayer>,
    _levels: &mut Levels,
    _parts: &mut Vec<Box<dyn Shutdown>>,
) -> Result<(), InitError> {
    if let Some(file) = &settings.file {
        return Err(InitError::FeatureDisabled {
            what: format!("file output to `{}`", file.dir.display()),
            feature: "file",
        });
    }
    Ok(())
}

/// What the settings switch for the whole process: the W3C propagators, and GenAI
/// content capture when a setting names it.
fn install_process_wide(settings: &Settings) {
    crate::propagation::install();
    if let Some(on) = settings.genai_capture_content {
        crate::genai::capture_content(on);
    }
}

/// Installs the `log` bridge unless the settings turn it off.
fn install_bridge(settings: &Settings) -> Result<(), BridgeProblem> {
    match settings.log_bridge {
        Some(false) => Ok(()),
        asked => crate::log_bridge::install().map_err(|_| BridgeProblem {
            asked: asked == Some(true),
        }),
    }
}

/// The control over the pipeline, and the guard that owns `parts` (the pipeline's
/// worker first), the admin listener, the metrics and the config file's watcher —
/// what `build()` and `build_layer()` start beside their subscriber.
fn control_and_guard(
    settings: Settings,
    sampler: &Arc<crate::traces::sampler::Sampler>,
    queue: Arc<crate::traces::queue::Queue>,
    levels: Levels,
    parts: Vec<Box<dyn Shutdown>>,
    metrics: Option<crate::metrics::Metrics>,
    watch: Option<(PathBuf, Option<Lookup>, Overrides)>,
) -> Result<(Control, Guard), InitError> {
    let control = Control::new(
        Arc::clone(sampler),
        Arc::clone(&queue),
        levels,
        &settings.traces.sampling,
    );
    control.apply_objectives(&settings.slos);
    let mut guard = Guard::new(settings.shutdown_timeout, queue, control.clone());
    for part in parts {
        guard.push(part);
    }
    if let Some(admin) = &settings.admin {
        let (listener, address) = start_admin(admin, control.clone())?;
        guard.push(listener);
        guard.admin_address = Some(address);
    }
    if let Some(metrics) = metrics {
        let started = crate::metrics::start(metrics, &settings, &readings_of(&control))?;
        attach_metrics(started, &control, &mut guard);
    }
    if let Some((path, env, overrides)) = watch
        && let Some(watcher) = watch_config(path, settings, control.clone(), env, overrides)
    {
        guard.push(watcher);
    }
    Ok((control, guard))
}

/// Watches the config file at `path`, applying its edits through `control`.
fn watch_config(
    path: PathBuf,
    settings: Settings,
    control: Control,
    env: Option<Lookup>,
    overrides: Overrides,
) -> Option<Box<dyn Shutdown>> {
    let read_env = env.clone();
    let reresolve = move |config: &Config| {
        config::resolve(&overrides, &|name: &str| lookup(env.as_ref(), name), config)
    };
    let read = move |path: &std::path::Path| {
        Config::from_file_with_env(path, &|name: &str| lookup(read_env.as_ref(), name))
    };
    crate::control::reload::watch(path, settings, control, Box::new(read), Box::new(reresolve))
        .map(|watcher| Box::new(watcher) as Box<dyn Shutdown>)
}

/// The outputs of lines (and the console's tree) semtrace's span store writes.
#[cfg(any(feature = "console", feature = "file"))]
#[derive(Default)]
struct LineOutputs {
    lines: Vec<crate::outputs::lines::Lines>,
    tree: Option<crate::outputs::tree::TreeOutput>,
}

#[cfg(any(feature = "console", feature = "file"))]
impl LineOutputs {
    fn new() -> Self {
        Self::default()
    }
}

/// Without console and file output, no lines.
#[cfg(not(any(feature = "console", feature = "file")))]
type LineOutputs = Vec<std::convert::Infallible>;

/// The subscriber on semtrace's span store: the pipeline alone, or beside lines.
#[cfg_attr(
    not(any(feature = "console", feature = "file")),
    allow(clippy::needless_pass_by_value)
)]
fn store_dispatch(
    pipeline: crate::traces::layer::PipelineLayer,
    traces: LevelFilter,
    lines: LineOutputs,
    sites: Option<Arc<crate::metrics::recorder::Sites>>,
    logs: Option<Arc<crate::logs::capture::Capture>>,
) -> Dispatch {
    use crate::store::{EventSink, SpanStore};
    let logs_filter = logs.as_ref().map(|c| c.filter.clone());
    let sink = logs.map(|c| c as Arc<dyn EventSink>);
    // With log export the outputs' hooks run even without lines: they give the
    // pipeline only the events its own level wants (the gate lets the logs' through).
    #[cfg(any(feature = "console", feature = "file"))]
    if !lines.lines.is_empty() || lines.tree.is_some() || sink.is_some() {
        let mut gate = vec![traces.clone()];
        gate.extend(lines.lines.iter().map(|l| l.filter.clone()));
        gate.extend(lines.tree.iter().map(|t| t.filter.clone()));
        gate.extend(logs_filter);
        let outputs =
            crate::outputs::store::Outputs::new(pipeline, traces, lines.lines, lines.tree);
        return Dispatch::new(
            SpanStore::new(outputs)
                .with_events(sink)
                .with(OuterLayer::new(sites, gate)),
        );
    }
    let _ = lines;
    let mut gate = vec![traces];
    gate.extend(logs_filter);
    Dispatch::new(
        SpanStore::new(pipeline)
            .with_events(sink)
            .with(OuterLayer::new(sites, gate)),
    )
}

/// Adds console lines, when the settings have them.
#[cfg(feature = "console")]
fn add_console_lines(
    settings: &Settings,
    writer: Option<ConsoleWriter>,
    lines: &mut LineOutputs,
    levels: &mut Levels,
) {
    if let Some(console) = &settings.console {
        match crate::outputs::console_lines(console, writer) {
            crate::outputs::ConsoleOutput::Lines(output) => {
                levels.console = Some(output.filter.clone());
                lines.lines.push(output);
            }
            crate::outputs::ConsoleOutput::Tree(tree) => {
                levels.console = Some(tree.filter.clone());
                lines.tree = Some(tree);
            }
        }
    }
}

/// Without the `console` feature there is no console output.
#[cfg(not(feature = "console"))]
fn add_console_lines(
    _settings: &Settings,
    _writer: Option<ConsoleWriter>,
    _lines: &mut LineOutputs,
    _levels: &mut Levels,
) {
}

/// Adds file lines, when the settings have them; their writer's worker goes to `parts`.
#[cfg(feature = "file")]
fn add_file_lines(
    settings: &Settings,
    lines: &mut LineOutputs,
    levels: &mut Levels,
    parts: &mut Vec<Box<dyn Shutdown>>,
) -> Result<(), InitError> {
    if let Some(file) = &settings.file {
        let (output, worker) = crate::outputs::file_lines(file)?;
        levels.file = Some(output.filter.clone());
        lines.lines.push(output);
        parts.push(Box::new(worker));
    }
    Ok(())
}

/// File output needs the `file` feature.
#[cfg(not(feature = "file"))]
fn add_file_lines(
    settings: &Settings,
    _lines: &mut LineOutputs,
    levels: &mut Levels,
    parts: &mut Vec<Box<dyn Shutdown>>,
) -> Result<(), InitError> {
    add_file(settings, &mut Vec::new(), levels, parts)
}

/// Hands started metrics to their users: the guard stops and flushes them, the
/// control serves their Prometheus text.
fn attach_metrics(started: crate::metrics::Started, control: &Control, guard: &mut Guard) {
    if let Some(text) = started.prometheus {
        control.set_prometheus(text);
    }
    guard.metrics_address = started.address;
    guard.set_meter_provider(started.provider);
    for part in started.parts {
        guard.push(part);
    }
}

/// Starts the standalone admin listener; returns it and the address it listens on.
#[cfg(feature = "admin")]
fn start_admin(
    settings: &crate::config::AdminSettings,
    control: Control,
) -> Result<(Box<dyn Shutdown>, std::net::SocketAddr), InitError> {
    let listener = crate::control::admin::start(settings, control)?;
    let address = listener.address;
    Ok((Box::new(listener), address))
}

/// The admin listener needs the `admin` feature.
#[cfg(not(feature = "admin"))]
fn start_admin(
    settings: &crate::config::AdminSettings,
    _control: Control,
) -> Result<(Box<dyn Shutdown>, std::net::SocketAddr), InitError> {
    Err(InitError::FeatureDisabled {
        what: format!("the admin listener on `{}`", settings.listen),
        feature: "admin",
    })
}

/// The control as what semtrace's own counters read.
fn readings_of(control: &Control) -> Arc<dyn crate::metrics::PipelineReadings> {
    Arc::new(control.clone())
}

/// Another `log` logger was installed before the bridge; `asked`: the settings ask
/// for the bridge explicitly.
#[derive(Debug)]
struct BridgeProblem {
    asked: bool,
}

impl fmt::Display for BridgeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "another logger of the `log` crate is installed, so its records do not become semtrace's events (`logs.bridge = false` silences this)",
        )
    }
}
