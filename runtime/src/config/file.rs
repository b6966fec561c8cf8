//! The TOML config file's model: the types serde reads it into. Reading it is in
//! `load`, `${VAR}` expansion in `expand`, the known keys in `keys`. The format is
//! described in the [module docs](super).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// Looks up an environment variable; injectable so tests need not touch the process
/// environment.
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The whole config file. Every field is optional; see
/// [`TelemetryBuilder`](crate::TelemetryBuilder) for the defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `[service]`: who emits the telemetry.
    #[serde(default)]
    pub service: ServiceConfig,
    /// `[resource]`: extra resource attributes, `key = "value"`.
    #[serde(default)]
    pub resource: BTreeMap<String, String>,
    /// `[console]`.
    #[serde(default)]
    pub console: ConsoleConfig,
    /// `[file]`.
    #[serde(default)]
    pub file: FileConfig,
    /// `[otlp]`.
    #[serde(default)]
    pub otlp: OtlpConfig,
    /// `[traces]`: the span pipeline.
    #[serde(default)]
    pub traces: TracesConfig,
    /// `[exporters]`: where spans go.
    #[serde(default)]
    pub exporters: ExportersConfig,
    /// `[sampling]`: mode, ratio, rules, adaptive and tail sampling.
    #[serde(default)]
    pub sampling: SamplingConfig,
    /// `[admin]`: the admin HTTP listener.
    #[serde(default)]
    pub admin: AdminConfig,
    /// `[metrics]`: the automatic metrics and where they go.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// `[logs]`: log records over OTLP, and records of the `log` crate.
    #[serde(default)]
    pub logs: LogsConfig,
    /// `[genai]`: what `#[traced_genai]` spans record.
    #[serde(default)]
    pub genai: GenAiConfig,
    /// Bound on flushing everything when the guard is dropped, in milliseconds.
    pub shutdown_timeout_ms: Option<u64>,
    /// `[[slo]]`: the service's objectives, for the alert rules of
    /// `GET /tracing/prometheus-rules`.
    #[serde(default)]
    pub slo: Vec<SloConfig>,
}

/// One `[[slo]]` entry: an objective for one HTTP route, or (without `route`) for
/// every route.
///
/// ```toml
/// [[slo]]
/// route = "/api/tasks/{id}"
/// availability = 99.9                          # % of requests without a 5xx
/// latency = { under = "250ms", percent = 99.0 } # % of requests within `under`
///
/// [[slo]]
/// availability = 99.5                          # every other route
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SloConfig {
    /// The route as `http.route` spells it; unset: every route no other entry names.
    pub route: Option<String>,
    /// Percent of requests answered without a 5xx.
    pub availability: Option<f64>,
    /// Percent of requests answered within a time.
    pub latency: Option<LatencyConfig>,
}

/// `latency = { under = "250ms", percent = 99.0 }` of an `[[slo]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LatencyConfig {
    /// A bucket boundary of the duration histogram (`"250ms"`, or milliseconds).
    pub under: DurationValue,
    /// Percent of requests answered within `under`.
    pub percent: f64,
}

/// `[logs]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LogsConfig {
    /// Records of crates that log through the `log` crate become events (default
    /// true).
    pub bridge: Option<bool>,
    /// Where log records go: `["otlp"]`, `["console"]`, `["none"]` (default: none,
    /// unless `endpoint` is set).
    pub exporters: Option<Vec<String>>,
    /// Filter in `EnvFilter` syntax for the events exported as log records
    /// (default `info`).
    pub level: Option<String>,
    /// The logs URL, used as is (turns log export on).
    pub endpoint: Option<String>,
    /// `grpc` or `http/protobuf` (default: the `[otlp]` protocol).
    pub protocol: Option<String>,
    /// Records held for export at most (default 16384).
    pub max_queue_size: Option<i64>,
    /// Records per export call (default 2048).
    pub max_export_batch_size: Option<i64>,
    /// How often idle threads' records are sent (default 1 s).
    pub scheduled_delay: Option<DurationValue>,
}

/// `[genai]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GenAiConfig {
    /// Record GenAI message content (input and output messages, system
    /// instructions) on `#[traced_genai]` spans (default false).
    pub capture_content: Option<bool>,
}

/// `[service]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// `service.name`.
    pub name: Option<String>,
    /// `service.version`.
    pub version: Option<String>,
    /// `service.namespace`.
    pub namespace: Option<String>,
    /// `service.instance.id`.
    pub instance_id: Option<String>,
    /// `deployment.environment.name`.
    pub environment: Option<String>,
}

/// `[console]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ConsoleConfig {
    /// `false` turns console output off.
    pub enabled: Option<bool>,
    /// Filter in `EnvFilter` syntax, e.g. `info,my_crate=debug`.
    pub level: Option<String>,
    /// `full`, `compact`, `pretty` or `json`.
    pub format: Option<String>,
    /// `auto` (on a terminal only), `always` or `never`.
    pub ansi: Option<String>,
}

/// `[file]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FileConfig {
    /// `false` turns file output off even when `path` is set.
    pub enabled: Option<bool>,
    /// Directory of the log files; setting it turns file output on.
    pub path: Option<String>,
    /// File name prefix.
    pub prefix: Option<String>,
    /// `never`, `minutely`, `hourly` or `daily`.
    pub rotation: Option<String>,
    /// How many files to keep (at least 1).
    pub max_files: Option<i64>,
    /// Filter in `EnvFilter` syntax.
    pub level: Option<String>,
    /// `text` or `json`.
    pub format: Option<String>,
}

/// `[otlp]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OtlpConfig {
    /// `false` turns export off even when `endpoint` is set.
    pub enabled: Option<bool>,
    /// Collector URL; setting it turns export on.
    pub endpoint: Option<String>,
    /// `grpc` or `http/protobuf`.
    pub protocol: Option<String>,
    /// Headers sent with every export (values are redacted in `Debug`).
    #[serde(default)]
    pub headers: Headers,
    /// Export timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `gzip` or `none`.
    pub compression: Option<String>,
    /// Filter in `EnvFilter` syntax for spans and events sent to the collector.
    pub level: Option<String>,
    /// `{ kind = "…", ratio = 0.1 }`.
    pub sampler: Option<SamplerConfig>,
    /// `{ max_queue_size, scheduled_delay_ms, max_export_batch_size }`.
    #[serde(default)]
    pub batch: BatchConfig,
}

/// `[traces]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TracesConfig {
    /// Export calls in flight at once (at least 1; default 4).
    pub max_concurrent_exports: Option<i64>,
    /// `true` adds `code.file.path` and `code.line.number` to every span.
    pub code_attributes: Option<bool>,
    /// `true` adds `thread.id` and `thread.name` to every span.
    pub thread_attributes: Option<bool>,
    /// `true` adds `busy_ns` and `idle_ns` to every span.
    pub timing_attributes: Option<bool>,
    /// `[traces.limits]`: the specification's span limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// `[traces.limits]`: what one span keeps at most (each 0 or more).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// Attributes per span (default 128).
    pub attribute_count: Option<i64>,
    /// Events per span (default 128).
    pub event_count: Option<i64>,
    /// Links per span (default 128).
    pub link_count: Option<i64>,
    /// Attributes per event (default 128).
    pub event_attribute_count: Option<i64>,
    /// Attributes per link (default 128).
    pub link_attribute_count: Option<i64>,
    /// Characters kept of a string attribute value (default: no limit).
    pub attribute_value_length: Option<i64>,
}

/// `[exporters]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ExportersConfig {
    /// `["otlp"]`, `["console"]`, `["zipkin"]`, `["none"]`, or several.
    pub traces: Option<Vec<String>>,
    /// `[exporters.console]`.
    #[serde(default)]
    pub console: ConsoleExporterConfig,
    /// `[exporters.zipkin]`.
    #[serde(default)]
    pub zipkin: ZipkinConfig,
}

/// `[exporters.console]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ConsoleExporterConfig {
    /// File the OTLP JSON lines are appended to (stdout when unset).
    pub path: Option<String>,
}

/// `[exporters.zipkin]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ZipkinConfig {
    /// URL the spans are sent to (default `http://localhost:9411/api/v2/spans`).
    pub endpoint: Option<String>,
    /// Export timeout in milliseconds (default 10000).
    pub timeout_ms: Option<u64>,
}

/// `[sampling]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SamplingConfig {
    /// `off`, `ratio` or `full`.
    pub mode: Option<String>,
    /// Share of traces kept in mode `ratio`, between 0 and 1.
    pub ratio: Option<f64>,
    /// Follow a remote parent's decision (default `true`).
    pub parent_based: Option<bool>,
    /// Active on-demand rules at most (default 100).
    pub max_rules: Option<i64>,
    /// `[[sampling.rules]]`: `match = { "task.type" = "import" }`, `rate`, `duration`.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// `[sampling.adaptive]`.
    pub adaptive: Option<AdaptiveConfig>,
    /// `[sampling.tail]`.
    pub tail: Option<TailConfig>,
}

/// One `[[sampling.rules]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleConfig {
    /// Attribute names (or `span.name`) and the values a local root must have.
    #[serde(rename = "match", default)]
    pub conditions: BTreeMap<String, toml::Value>,
    /// Share of matching traces kept (default 1.0).
    pub rate: Option<f64>,
    /// How long the rule lasts (`30s`, `10m`, `1h`; 1 s to 24 h); unset: while the
    /// file lists it.
    pub duration: Option<DurationValue>,
}

/// `[sampling.adaptive]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AdaptiveConfig {
    /// p99 above which a span name is triggered (required), e.g. `"500ms"`.
    pub latency_threshold: Option<DurationValue>,
    /// Sliding window of the p99 (default `"1m"`).
    pub window: Option<DurationValue>,
    /// Share of a triggered name's traces kept (default 1.0).
    pub sample_rate: Option<f64>,
    /// How long a name stays triggered after its p99 falls back (default `"5m"`).
    pub cooldown: Option<DurationValue>,
}

/// `[sampling.tail]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TailConfig {
    /// Keep traces with an error (default `true`).
    pub keep_errors: Option<bool>,
    /// Keep traces whose local root took longer, e.g. `"2s"`.
    pub keep_slower_than: Option<DurationValue>,
    /// Spans held for the decision at most (default 10000).
    pub max_buffered_spans: Option<i64>,
}

/// `[admin]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AdminConfig {
    /// `"127.0.0.1:PORT"` (or just a port, on loopback) starts the admin listener.
    pub listen: Option<String>,
    /// Bearer token every admin request must carry.
    pub token: Option<String>,
}

/// `[metrics]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MetricsConfig {
    /// `false` records no metrics at all.
    pub enabled: Option<bool>,
    /// `otlp`, `prometheus`, `none`.
    pub exporters: Option<Vec<String>>,
    /// How often metrics are exported over OTLP.
    pub interval: Option<DurationValue>,
    /// The OTLP metrics URL, used as it is (default: `otlp.endpoint` plus `/v1/metrics`).
    pub endpoint: Option<String>,
    /// `grpc` or `http/protobuf` (default: `otlp.protocol`).
    pub protocol: Option<String>,
    /// Which calls the duration histograms keep as exemplars: `trace_based`
    /// (default), `always_on`, `always_off`.
    pub exemplar_filter: Option<String>,
    /// `[metrics.prometheus]`.
    #[serde(default)]
    pub prometheus: PrometheusConfig,
}

/// `[metrics.prometheus]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PrometheusConfig {
    /// `"127.0.0.1:PORT"` (or just a port) serves `GET /metrics` there.
    pub listen: Option<String>,
}

/// A duration in the config file: text with units (`"500ms"`, `"10m"`) or a whole
/// number of milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    /// Text with units.
    Text(String),
    /// Milliseconds.
    Millis(u64),
}

/// `otlp.sampler` (deprecated: use `[sampling]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SamplerConfig {
    /// `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`,
    /// `parentbased_always_off` or `parentbased_traceidratio`.
    pub kind: String,
    /// Ratio for the `traceidratio` kinds, between 0 and 1.
    pub ratio: Option<f64>,
}

/// `otlp.batch`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BatchConfig {
    /// Spans buffered before new ones are dropped.
    pub max_queue_size: Option<i64>,
    /// Delay between two exports, in milliseconds.
    pub scheduled_delay_ms: Option<u64>,
    /// Spans per export call.
    pub max_export_batch_size: Option<i64>,
}

/// Header names and values. `Debug` shows the names only: values are often API keys.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Headers(pub(crate) BTreeMap<String, String>);

impl Headers {
    /// Header names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The value of one header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[cfg_attr(
        not(any(feature = "otlp-grpc", feature = "otlp-http")),
        allow(dead_code)
    )]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}
