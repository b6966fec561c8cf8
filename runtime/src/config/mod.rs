//! Configuration: the one place where builder calls, environment variables, the
//! config file and defaults meet, and the table of every setting.
//!
//! | file | what |
//! |------|------|
//! | `file.rs` | the TOML config file: its model, `${VAR:-default}`, unknown keys |
//! | `env.rs` | environment variables (injectable for tests) |
//! | `overrides.rs` | values set by [`TelemetryBuilder`](crate::TelemetryBuilder) calls |
//! | `resolve.rs` | the precedence: one `pick(builder, env, file, default)` per setting |
//! | `values.rs` | the values settings take and their parsers ("did you mean") |
//!
//! # Precedence
//!
//! For every setting the first source that sets it wins:
//!
//! | rank | source | example |
//! |------|--------|---------|
//! | 1 | explicit [`TelemetryBuilder`](crate::TelemetryBuilder) calls | `.otlp_endpoint("http://collector:4317")` |
//! | 2 | environment (`OTEL_*`, `RUST_LOG`) | `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317` |
//! | 3 | config file (`SEMTRACE_CONFIG` or [`TelemetryBuilder::config_file`](crate::TelemetryBuilder::config_file)) | `[otlp] endpoint = "…"` |
//! | 4 | defaults | see [`TelemetryBuilder`](crate::TelemetryBuilder) |
//!
//! Maps merge per key in the same order (headers, resource attributes). One exception:
//! `OTEL_SDK_DISABLED=true` turns OTLP export off whatever else is set, as the
//! OpenTelemetry specification asks.
//!
//! # Environment variables
//!
//! | variable | setting |
//! |----------|---------|
//! | `RUST_LOG` | console filter |
//! | `NO_COLOR` | console colours off when `ansi = "auto"` |
//! | `SEMTRACE_CONFIG` | path of the config file |
//! | `OTEL_SDK_DISABLED` | `true` turns export off |
//! | `OTEL_SERVICE_NAME` | `service.name` |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `k=v,…` resource attributes, incl. `service.*` |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | endpoint, used as is |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | endpoint; `/v1/traces` is appended for HTTP |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` | `grpc` or `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS` | `k=v,…` (values percent-decoded) |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` | export timeout, milliseconds |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION` | `gzip` or `none` |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | sampler and its ratio |
//! | `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | batch processor |
//! | `OTEL_BSP_EXPORT_TIMEOUT` | export timeout when no `OTEL_EXPORTER_OTLP_*TIMEOUT` is set |
//! | `OTEL_EXPORTER_ZIPKIN_ENDPOINT` | Zipkin v2 spans URL |
//! | `OTEL_EXPORTER_ZIPKIN_TIMEOUT` | Zipkin export timeout, milliseconds |
//! | `SEMTRACE_ADMIN_LISTEN`, `SEMTRACE_ADMIN_TOKEN` | the admin listener and its bearer token |
//! | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`, `OTEL_SPAN_LINK_COUNT_LIMIT` | span limits |
//! | `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT` | attributes per event, per link |
//! | `OTEL_ATTRIBUTE_COUNT_LIMIT` | the three attribute count limits above, where their own variable is unset |
//! | `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` | string attribute values cut to this many characters |
//!
//! The `TRACES_` variant of a variable wins over the generic one, and so does the
//! `SPAN_`/`EVENT_`/`LINK_` variant of a limit.
//!
//! # Every setting
//!
//! | setting | default | builder | config key | environment |
//! |---------|---------|---------|------------|-------------|
//! | service name | `unknown_service:<executable>` | `service_name` | `service.name` | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` |
//! | service version, namespace, instance, environment | unset | `service_version`, … | `service.*` | `OTEL_RESOURCE_ATTRIBUTES` |
//! | resource attributes | none | `resource_attribute` | `[resource]` | `OTEL_RESOURCE_ATTRIBUTES` |
//! | console on/off | on | `console` | `console.enabled` | — |
//! | console filter | `info` | `console_level` | `console.level` | `RUST_LOG` |
//! | console format | `full` (`full`, `compact`, `pretty`, `json`) | `console_format` | `console.format` | — |
//! | console colours | `auto` (on a terminal) | `ansi` | `console.ansi` | `NO_COLOR` |
//! | log files | off; a directory turns them on | `file_dir` | `file.path`, `file.enabled` | — |
//! | file prefix, rotation, kept files | service name, `daily`, all | `file_prefix`, `file_rotation`, `file_max_files` | `file.prefix`, `file.rotation`, `file.max_files` | — |
//! | file filter, format | `info`, `text` | `file_level`, `file_format` | `file.level`, `file.format` | — |
//! | span exporters | `otlp` when an endpoint is set, else none | `traces_exporters` | `exporters.traces` (a list) | `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `zipkin`, `none`, or a comma-separated list) |
//! | the `console` exporter's file | stdout | `console_exporter_path` | `exporters.console.path` | — |
//! | OTLP export | off; an endpoint (or `otlp` in the exporters) turns it on | `otlp`, `otlp_endpoint` | `otlp.enabled`, `otlp.endpoint` | `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `OTEL_SDK_DISABLED` |
//! | protocol | `http/protobuf` (`grpc` when only `otlp-grpc` is built) | `otlp_protocol` | `otlp.protocol` | `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` |
//! | headers | none | `otlp_header` | `otlp.headers` | `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS` |
//! | export timeout (retries included) | 10 s | `otlp_timeout` | `otlp.timeout_ms` | `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`, `OTEL_BSP_EXPORT_TIMEOUT` |
//! | compression | none | `otlp_compression` | `otlp.compression` | `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION` |
//! | what the pipeline sees | `info` | `otlp_level` | `otlp.level` | — |
//! | sampling mode, ratio, parent-based | `ratio`, 1.0, on (`parentbased_always_on`) | `sampler` | `sampling.mode` (`off`, `ratio`, `full`), `sampling.ratio`, `sampling.parent_based` (`otlp.sampler` is deprecated) | `OTEL_TRACES_SAMPLER[_ARG]` |
//! | on-demand rules | none; at most 100 | [`Control::add_rule`](crate::Control::add_rule) | `[[sampling.rules]]` (`match`, `rate`, `duration`), `sampling.max_rules` | — |
//! | latency-triggered sampling | off | [`Control::set_adaptive`](crate::Control::set_adaptive) | `[sampling.adaptive]`: `latency_threshold` (required), `window` (1 m), `sample_rate` (1.0), `cooldown` (5 m) | — |
//! | error- and latency-keeping | off | [`Control::set_tail`](crate::Control::set_tail) | `[sampling.tail]`: `keep_errors` (true), `keep_slower_than`, `max_buffered_spans` (10000) | — |
//! | metrics exporters | `otlp` when an OTLP endpoint is set, plus `prometheus` when `metrics.prometheus.listen` is set; else none | `metrics_exporters` | `metrics.exporters` (a list), `metrics.enabled` | `OTEL_METRICS_EXPORTER` (`otlp`, `prometheus`, `none`, or a list) |
//! | metrics export interval | 60 s | `metrics_interval` | `metrics.interval` | `OTEL_METRIC_EXPORT_INTERVAL` (ms) |
//! | exemplars of the duration histograms | `trace_based`: calls whose span is sampled | `metrics_exemplar_filter` | `metrics.exemplar_filter` | `OTEL_METRICS_EXEMPLAR_FILTER` (`trace_based`, `always_on`, `always_off`) |
//! | OTLP metrics endpoint, protocol | `otlp.endpoint` + `/v1/metrics` (HTTP), the traces' protocol | — | `metrics.endpoint` (used as is), `metrics.protocol` | `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT`, `OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL`; headers, timeout and compression as for spans, with `OTEL_EXPORTER_OTLP_METRICS_*` |
//! | Prometheus endpoint | `/metrics` on the admin listener | — | `metrics.prometheus.listen` | — |
//! | admin listener | off | — | `admin.listen` (loopback, or any with a token), `admin.token` | `SEMTRACE_ADMIN_LISTEN`, `SEMTRACE_ADMIN_TOKEN` |
//! | queue (spans held at most) | 16384 | `max_queue_size` | `otlp.batch.max_queue_size` | `OTEL_BSP_MAX_QUEUE_SIZE` |
//! | spans per export | 2048 | `max_export_batch_size` | `otlp.batch.max_export_batch_size` | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` |
//! | idle threads' spans sent after | 5 s | `scheduled_delay` | `otlp.batch.scheduled_delay_ms` | `OTEL_BSP_SCHEDULE_DELAY` |
//! | Zipkin endpoint | `http://localhost:9411/api/v2/spans` | `zipkin_endpoint` | `exporters.zipkin.endpoint` | `OTEL_EXPORTER_ZIPKIN_ENDPOINT` |
//! | Zipkin export timeout | 10 s | `zipkin_timeout` | `exporters.zipkin.timeout_ms` | `OTEL_EXPORTER_ZIPKIN_TIMEOUT` |
//! | exports in flight | 4 | `max_concurrent_exports` | `traces.max_concurrent_exports` | — |
//! | attributes per span | 128 | `span_limits` | `traces.limits.attribute_count` | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT` |
//! | events per span | 128 | `span_limits` | `traces.limits.event_count` | `OTEL_SPAN_EVENT_COUNT_LIMIT` |
//! | links per span | 128 | `span_limits` | `traces.limits.link_count` | `OTEL_SPAN_LINK_COUNT_LIMIT` |
//! | attributes per event, per link | 128, 128 | `span_limits` | `traces.limits.event_attribute_count`, `traces.limits.link_attribute_count` | `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT` |
//! | characters per string attribute value | no limit | `span_limits` | `traces.limits.attribute_value_length` | `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` |
//! | `code.*` / `thread.*` / `busy_ns`,`idle_ns` attributes | off | `code_attributes`, `thread_attributes`, `timing_attributes` | `traces.code_attributes`, … | — |
//! | shutdown bound | 5 s | `shutdown_timeout` | `shutdown_timeout_ms` | — |
//! | GenAI message content on `#[traced_genai]` spans | off | `genai_capture_content` | `genai.capture_content` | `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` |
//! | service-level objectives (for `GET /tracing/prometheus-rules`) | none | `slo` (replaces the file's) | `[[slo]]` (`route`, `availability`, `latency = { under, percent }`) | — |
//! | `log` records as events | on (another logger installed first: a warning; an error of `init` when asked for); with `build_layer`, only when asked for (the subscriber's `init()` installs its own) | `log_bridge` | `logs.bridge` | `SEMTRACE_LOG_BRIDGE` |
//!
//! Span limits are the OpenTelemetry specification's: beyond a count limit the first
//! attributes, events or links are kept and the rest dropped; a string value (and
//! each string of a string array) longer than the length limit keeps its first
//! characters (Unicode scalar values, cut on a character boundary). The length limit
//! applies to the attributes of the span's events and links too. A span never
//! stores what it drops, so a span with 10,000 events or a 1 MiB value stays small;
//! what was cut is exported as OTLP's `dropped_attributes_count`,
//! `dropped_events_count` and `dropped_links_count` (per span, and per event and
//! link), and counted in [`SpanStats::limited`](crate::SpanStats::limited) and the
//! metric `semtrace.span.limits.dropped`. `otel.name`, `otel.kind` and
//! `otel.status_*` are not attributes: no limit applies to them. A value of 0 is
//! allowed (nothing of that kind is kept).
//!
//! The queue and batch defaults are sized for semtrace's pipeline, not the SDK batch
//! processor's 2048/512: a queued span takes about 200 bytes here, and with these
//! the exporter keeps up with a busy service (the README has the measured numbers).
//!
//! # The config file
//!
//! ```toml
//! [service]
//! name = "coordinator"
//! version = "${APP_VERSION:-0.0.0}"
//!
//! [console]
//! level = "info"
//! format = "compact"
//!
//! [file]
//! path = "/var/log/coordinator"
//! rotation = "daily"
//! max_files = 7
//! level = "debug"
//!
//! [otlp]
//! endpoint = "${OTLP_ENDPOINT:-http://localhost:4317}"
//! protocol = "grpc"
//! headers = { "x-api-key" = "${OTLP_API_KEY}" }
//!
//! [sampling]
//! mode = "ratio"          # off | ratio | full
//! ratio = 0.01
//!
//! [[sampling.rules]]      # lasts while the file lists it, or for `duration`
//! match = { "task.type" = "import" }
//! rate = 1.0
//! duration = "1h"
//!
//! [sampling.adaptive]     # a span name whose p99 exceeds the threshold is sampled
//! latency_threshold = "500ms"
//!
//! [sampling.tail]         # keep failed and slow traces whatever the ratio said
//! keep_errors = true
//! keep_slower_than = "2s"
//!
//! [admin]
//! listen = "127.0.0.1:9464"
//!
//! [metrics]               # the annotations' duration histograms
//! exporters = ["otlp", "prometheus"]   # `/metrics` is served on the admin listener
//! interval = "30s"
//!
//! [traces]
//! max_concurrent_exports = 4
//!
//! [traces.limits]         # the OpenTelemetry span limits; 128 each by default
//! attribute_count = 64
//! event_count = 256
//! attribute_value_length = 4096   # characters; no limit by default
//!
//! [exporters.zipkin]
//! endpoint = "http://zipkin:9411/api/v2/spans"
//! timeout_ms = 5000
//! ```
//!
//! Every string value may use `${VAR}` (an error when `VAR` is unset) or
//! `${VAR:-default}`. An unknown key is an error naming the closest valid one; a bad
//! value is an error naming the setting, the value and what is allowed. Durations are
//! text with units (`"500ms"`, `"10m"`) or whole milliseconds.
//!
//! While the program runs, edits of the file apply after a short debounce: levels,
//! the `[sampling]` section (mode, ratio, rules, adaptive, tail) apply live; other
//! changes are reported on stderr as needing a restart, and an invalid file keeps
//! the running configuration (the error, naming its key, goes to stderr).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

mod env;
mod expand;
mod file;
mod keys;
mod load;
mod objectives;
mod overrides;
mod resolve;
pub(crate) mod rules;
mod values;

pub(crate) use env::var;
pub use file::{
    AdaptiveConfig, AdminConfig, BatchConfig, Config, ConsoleConfig, ConsoleExporterConfig,
    DurationValue, ExportersConfig, FileConfig, GenAiConfig, Headers, LatencyConfig, LimitsConfig,
    LogsConfig, MetricsConfig, OtlpConfig, PrometheusConfig, RuleConfig, SamplerConfig,
    SamplingConfig, ServiceConfig, SloConfig, TailConfig, TracesConfig, ZipkinConfig,
};
pub(crate) use overrides::Overrides;
pub(crate) use resolve::resolve;
pub(crate) use values::check_ratio;
pub use values::{
    Ansi, Compression, ConsoleFormat, ExemplarFilter, FileFormat, LogsExporter, MetricsExporter,
    Protocol, Rotation, Sampler, SamplingMode, SpanLimits, TracesExporter,
};

/// Everything semtrace will set up, after precedence was applied. Obtain it with
/// [`TelemetryBuilder::resolve`](crate::TelemetryBuilder::resolve).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// `service.name`.
    pub service_name: String,
    /// `service.version`.
    pub service_version: Option<String>,
    /// `service.namespace`.
    pub service_namespace: Option<String>,
    /// `service.instance.id`.
    pub service_instance_id: Option<String>,
    /// `deployment.environment.name`.
    pub deployment_environment: Option<String>,
    /// Other resource attributes.
    pub resource_attributes: BTreeMap<String, String>,
    /// Console output, if on.
    pub console: Option<ConsoleSettings>,
    /// File output, if on.
    pub file: Option<FileSettings>,
    /// OTLP export, if on.
    pub otlp: Option<OtlpSettings>,
    /// The span pipeline: sampling, queue, batching, opt-in attributes.
    pub traces: TracesSettings,
    /// The Zipkin exporter's settings (resolved whether or not it is used).
    pub zipkin: ZipkinSettings,
    /// Bound on flushing at shutdown.
    pub shutdown_timeout: Duration,
    /// The admin HTTP listener, if configured (`[admin] listen`).
    pub admin: Option<AdminSettings>,
    /// The automatic metrics and their exporters.
    pub metrics: MetricsSettings,
    /// Log records over OTLP (off unless chosen).
    pub logs: LogsSettings,
    /// Whether records of the `log` crate become events, and whether it was asked
    /// for: `None` (the default) bridges them when no other logger is installed,
    /// `Some(true)` makes another logger an error of [`init`](crate::init).
    pub log_bridge: Option<bool>,
    /// Whether GenAI message content is recorded on `#[traced_genai]` spans;
    /// `None` (the default) leaves [`genai::capture_content`](crate::genai::capture_content)
    /// as the program set it (off unless it turned it on).
    pub genai_capture_content: Option<bool>,
    /// The service's objectives (`[[slo]]`, or [`TelemetryBuilder::slo`](crate::TelemetryBuilder::slo)),
    /// for the alert rules of `GET /tracing/prometheus-rules`; applied again when the
    /// config file changes.
    pub slos: Vec<crate::catalogue::Slo>,
    /// Deprecated keys that were used, each with its replacement (printed on stderr
    /// by `init`).
    pub warnings: Vec<String>,
}

/// Log records over OTLP (`[logs]`, `OTEL_LOGS_EXPORTER`): events and `log`
/// records, with the current span's ids.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LogsSettings {
    /// Where records go; empty when log export is off.
    pub exporters: Vec<LogsExporter>,
    /// Filter in `EnvFilter` syntax for the events exported.
    pub level: String,
    /// The OTLP log exporter's settings (the endpoint is the full URL).
    pub otlp: Option<OtlpSettings>,
    /// Records held for export at most (queued, buffered or in flight); beyond it
    /// records are dropped and counted.
    pub max_queue_size: usize,
    /// Records per export call.
    pub max_export_batch_size: usize,
    /// How often idle threads' records are sent.
    pub scheduled_delay: Duration,
}

/// The automatic metrics (`[metrics]`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MetricsSettings {
    /// Whether annotated calls record their metrics at all.
    pub enabled: bool,
    /// Where metrics go; empty when none.
    pub exporters: Vec<MetricsExporter>,
    /// How often they are exported over OTLP.
    pub interval: Duration,
    /// Which calls the duration histograms keep as exemplars.
    pub exemplar_filter: ExemplarFilter,
    /// The OTLP metrics exporter's settings (the endpoint is the full URL).
    pub otlp: Option<OtlpSettings>,
    /// Where the Prometheus endpoint listens of its own (else `/metrics` is served
    /// on the admin listener, when there is one).
    pub prometheus_listen: Option<std::net::SocketAddr>,
}

/// Resolved settings of the admin HTTP listener.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdminSettings {
    /// Address the listener binds (loopback unless a token is set).
    pub listen: std::net::SocketAddr,
    /// Bearer token every request must carry, if set (redacted in `Debug`).
    pub token: Option<String>,
}

impl std::fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSettings")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Resolved sampling settings (`[sampling]`); the control handle changes them while
/// the program runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamplingSettings {
    /// `off`, `ratio` or `full`.
    pub mode: SamplingMode,
    /// The share of traces kept in mode `ratio` (0.0 ..= 1.0).
    pub ratio: f64,
    /// In mode `ratio`, follow a remote parent's decision.
    pub parent_based: bool,
    /// Active on-demand rules at most.
    pub max_rules: usize,
    /// Rules listed in the config file.
    pub rules: Vec<RuleSettings>,
    /// Latency-triggered sampling, if on.
    pub adaptive: Option<AdaptiveSettings>,
    /// Error- and latency-keeping, if on.
    pub tail: Option<TailSettings>,
}

impl Default for SamplingSettings {
    fn default() -> Self {
        Self {
            mode: SamplingMode::Ratio,
            ratio: 1.0,
            parent_based: true,
            max_rules: 100,
            rules: Vec::new(),
            adaptive: None,
            tail: None,
        }
    }
}

/// An on-demand sampling rule from the config file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuleSettings {
    /// Attribute names (or `span.name`, or a baggage entry's key) and the values a
    /// local root must have, as text.
    pub conditions: BTreeMap<String, String>,
    /// The share of matching traces kept (0.0 ..= 1.0).
    pub rate: f64,
    /// How long the rule lasts from when the file was read; `None`: while the file
    /// lists it.
    pub duration: Option<Duration>,
}

/// Resolved latency-triggered sampling settings (`[sampling.adaptive]`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct AdaptiveSettings {
    /// A span name whose p99 over the window exceeds this is triggered.
    pub latency_threshold: Duration,
    /// The sliding window the p99 is taken over.
    pub window: Duration,
    /// The share of traces rooted at a triggered name that is kept.
    pub sample_rate: f64,
    /// How long a name stays triggered after its p99 falls back.
    pub cooldown: Duration,
}

/// Resolved error- and latency-keeping settings (`[sampling.tail]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TailSettings {
    /// Keep a trace whose local part has a span with error status.
    pub keep_errors: bool,
    /// Keep a trace whose local root took longer than this.
    pub keep_slower_than: Option<Duration>,
    /// Spans held for the decision at most; beyond it spans are counted in
    /// `dropped_by.tail_buffer_full`.
    pub max_buffered_spans: usize,
}

/// Resolved console settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConsoleSettings {
    /// Filter in `EnvFilter` syntax.
    pub level: String,
    /// Line format.
    pub format: ConsoleFormat,
    /// Colours.
    pub ansi: Ansi,
}

/// Resolved file settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FileSettings {
    /// Directory of the files.
    pub dir: PathBuf,
    /// File name prefix.
    pub prefix: String,
    /// Rotation.
    pub rotation: Rotation,
    /// Files kept (`None`: all).
    pub max_files: Option<usize>,
    /// Filter in `EnvFilter` syntax.
    pub level: String,
    /// Line format.
    pub format: FileFormat,
}

/// Resolved OTLP settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OtlpSettings {
    /// The URL spans are sent to (for HTTP including `/v1/traces`).
    pub endpoint: String,
    /// Transport.
    pub protocol: Protocol,
    /// Headers (values redacted in `Debug`).
    pub headers: Headers,
    /// Bound on one export call, retries included.
    pub timeout: Duration,
    /// Payload compression.
    pub compression: Compression,
}

/// Resolved settings of the Zipkin exporter, which POSTs Zipkin v2 JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ZipkinSettings {
    /// The URL spans are sent to, e.g. `http://localhost:9411/api/v2/spans`.
    pub endpoint: String,
    /// Bound on one export call (connecting, sending and the answer).
    pub timeout: Duration,
}

/// Resolved settings of the span pipeline (they apply with any exporter).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TracesSettings {
    /// Filter in `EnvFilter` syntax for the spans the pipeline sees.
    pub level: String,
    /// Head sampler, as the `OTEL_TRACES_SAMPLER` names it (mode `off` shows as
    /// `always_off`); [`sampling`](Self::sampling) has the full picture.
    pub sampler: Sampler,
    /// Sampling: mode, ratio, rules, adaptive and tail settings.
    pub sampling: SamplingSettings,
    /// Spans held for export at most (waiting in an open trace, queued, buffered or
    /// in flight); whole traces beyond it are shed and counted.
    pub max_queue_size: usize,
    /// How often partial batches of idle threads are exported.
    pub scheduled_delay: Duration,
    /// Spans per export call.
    pub max_export_batch_size: usize,
    /// Export calls in flight at once.
    pub max_concurrent_exports: usize,
    /// Adds `code.file.path` and `code.line.number` to every span.
    pub code_attributes: bool,
    /// Adds `thread.id` and `thread.name` to every span.
    pub thread_attributes: bool,
    /// Adds `busy_ns` and `idle_ns` (time inside and outside the span) to every span.
    pub timing_attributes: bool,
    /// How much of a span is kept: attributes, events, links, value lengths.
    pub limits: SpanLimits,
    /// Where spans go; empty when nothing is exported.
    pub exporters: Vec<TracesExporter>,
    /// The `console` exporter's file (stdout when `None`).
    pub console_exporter_path: Option<PathBuf>,
}
