//! The TOML config file: its model, `${VAR}` expansion and unknown-key checks. The
//! format is described in the [module docs](super).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::error::InitError;

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
    /// Bound on flushing everything when the guard is dropped, in milliseconds.
    pub shutdown_timeout_ms: Option<u64>,
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

/// Valid keys per table; tables not listed (`resource`, `otlp.headers`) hold free keys.
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "service",
            "resource",
            "console",
            "file",
            "otlp",
            "traces",
            "exporters",
            "sampling",
            "admin",
            "metrics",
            "shutdown_timeout_ms",
        ],
    ),
    (
        "metrics",
        &[
            "enabled",
            "exporters",
            "interval",
            "endpoint",
            "protocol",
            "prometheus",
        ],
    ),
    ("metrics.prometheus", &["listen"]),
    (
        "sampling",
        &[
            "mode",
            "ratio",
            "parent_based",
            "max_rules",
            "rules",
            "adaptive",
            "tail",
        ],
    ),
    ("sampling.rules", &["match", "rate", "duration"]),
    (
        "sampling.adaptive",
        &["latency_threshold", "window", "sample_rate", "cooldown"],
    ),
    (
        "sampling.tail",
        &["keep_errors", "keep_slower_than", "max_buffered_spans"],
    ),
    ("admin", &["listen", "token"]),
    ("exporters", &["traces", "console", "zipkin"]),
    ("exporters.console", &["path"]),
    ("exporters.zipkin", &["endpoint", "timeout_ms"]),
    (
        "traces",
        &[
            "max_concurrent_exports",
            "code_attributes",
            "thread_attributes",
            "timing_attributes",
        ],
    ),
    (
        "service",
        &["name", "version", "namespace", "instance_id", "environment"],
    ),
    ("console", &["enabled", "level", "format", "ansi"]),
    (
        "file",
        &[
            "enabled",
            "path",
            "prefix",
            "rotation",
            "max_files",
            "level",
            "format",
        ],
    ),
    (
        "otlp",
        &[
            "enabled",
            "endpoint",
            "protocol",
            "headers",
            "timeout_ms",
            "compression",
            "level",
            "sampler",
            "batch",
        ],
    ),
    ("otlp.sampler", &["kind", "ratio"]),
    (
        "otlp.batch",
        &[
            "max_queue_size",
            "scheduled_delay_ms",
            "max_export_batch_size",
        ],
    ),
];

impl Config {
    /// Reads and parses a config file, expanding `${VAR}` from the process environment.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, InitError> {
        Self::from_file_with_env(path.as_ref(), &|name| std::env::var(name).ok())
    }

    /// Parses TOML text, expanding `${VAR}` from the process environment.
    pub fn from_toml(text: &str) -> Result<Self, InitError> {
        Self::parse(text, "config", &|name| std::env::var(name).ok())
    }

    pub(crate) fn from_file_with_env(path: &Path, env: EnvLookup<'_>) -> Result<Self, InitError> {
        let text = std::fs::read_to_string(path).map_err(|source| InitError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &format!("`{}`", path.display()), env)
    }

    /// Parses TOML text with an injected environment. `origin` names the source in
    /// error messages.
    #[doc(hidden)]
    pub fn parse(
        text: &str,
        origin: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, InitError> {
        let parse_error = |e: toml::de::Error| InitError::ParseConfig {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        };
        let table: toml::Table = toml::from_str(text).map_err(parse_error)?;
        check_keys(&table, "", origin)?;
        let mut config: Self = toml::from_str(text).map_err(parse_error)?;
        config.expand(env)?;
        Ok(config)
    }

    fn expand(&mut self, env: EnvLookup<'_>) -> Result<(), InitError> {
        let s = &mut self.service;
        for (key, value) in [
            ("service.name", &mut s.name),
            ("service.version", &mut s.version),
            ("service.namespace", &mut s.namespace),
            ("service.instance_id", &mut s.instance_id),
            ("service.environment", &mut s.environment),
            ("console.level", &mut self.console.level),
            ("console.format", &mut self.console.format),
            ("console.ansi", &mut self.console.ansi),
            ("file.path", &mut self.file.path),
            ("file.prefix", &mut self.file.prefix),
            ("file.rotation", &mut self.file.rotation),
            ("file.level", &mut self.file.level),
            ("file.format", &mut self.file.format),
            ("otlp.endpoint", &mut self.otlp.endpoint),
            ("otlp.protocol", &mut self.otlp.protocol),
            ("otlp.compression", &mut self.otlp.compression),
            ("otlp.level", &mut self.otlp.level),
            ("sampling.mode", &mut self.sampling.mode),
            ("admin.listen", &mut self.admin.listen),
            ("admin.token", &mut self.admin.token),
            ("metrics.endpoint", &mut self.metrics.endpoint),
            ("metrics.protocol", &mut self.metrics.protocol),
            (
                "metrics.prometheus.listen",
                &mut self.metrics.prometheus.listen,
            ),
            ("exporters.console.path", &mut self.exporters.console.path),
            (
                "exporters.zipkin.endpoint",
                &mut self.exporters.zipkin.endpoint,
            ),
        ] {
            if let Some(v) = value {
                *v = expand(v, key, env)?;
            }
        }
        if let Some(sampler) = &mut self.otlp.sampler {
            sampler.kind = expand(&sampler.kind, "otlp.sampler.kind", env)?;
        }
        for (name, value) in &mut self.otlp.headers.0 {
            *value = expand(value, &format!("otlp.headers.{name}"), env)?;
        }
        for (name, value) in &mut self.resource {
            *value = expand(value, &format!("resource.{name}"), env)?;
        }
        Ok(())
    }
}

/// Reports the first key that is not in [`SCHEMA`], with the closest valid key.
fn check_keys(table: &toml::Table, path: &str, origin: &str) -> Result<(), InitError> {
    let Some((_, allowed)) = SCHEMA.iter().find(|(p, _)| *p == path) else {
        return Ok(()); // a free-form table
    };
    for (key, value) in table {
        let full = join_path(path, key);
        if !allowed.contains(&key.as_str()) {
            return Err(InitError::UnknownKey {
                suggestion: closest_key(path, key),
                path: full,
                origin: format!("config file {origin}"),
            });
        }
        match value {
            toml::Value::Table(inner) => check_keys(inner, &full, origin)?,
            // Arrays of tables (`[[sampling.rules]]`) are checked per entry.
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(inner) = item {
                        check_keys(inner, &full, origin)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The most similar valid key: same table first, then any table (for a key written in
/// the wrong section).
fn closest_key(path: &str, key: &str) -> Option<String> {
    let keys = |same_table: bool| {
        SCHEMA
            .iter()
            .filter(move |(p, _)| !same_table || *p == path)
            .flat_map(|(p, keys)| keys.iter().map(move |k| (*p, *k)))
    };
    let best = |same_table: bool| {
        let leaf = semtrace_semconv::suggest::closest(key, keys(same_table).map(|(_, k)| k))?;
        let (table, _) = keys(same_table).find(|(_, k)| *k == leaf)?;
        Some(join_path(table, leaf))
    };
    best(true).or_else(|| best(false))
}

/// Expands `${VAR}` and `${VAR:-default}` in `value`; `key` names the setting in errors.
pub(crate) fn expand(value: &str, key: &str, env: EnvLookup<'_>) -> Result<String, InitError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(InitError::invalid(
                format!("`{key}`"),
                value,
                "`${` must be closed by `}`, as in `${VAR}` or `${VAR:-default}`",
            ));
        };
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((var, default)) => (var, Some(default)),
            None => (inner, None),
        };
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(InitError::invalid(
                format!("`{key}`"),
                value,
                "a variable name has only letters, digits and `_`, as in `${APP_VERSION}`",
            ));
        }
        match (env(var).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(InitError::UnsetVariable {
                    var: var.to_owned(),
                    key: key.to_owned(),
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn schema_lists_every_field() {
        // Each key of the schema deserializes, so the schema and the structs agree.
        let text = r#"
            shutdown_timeout_ms = 1
            [service]
            name = "a"
            version = "b"
            namespace = "c"
            instance_id = "d"
            environment = "e"
            [resource]
            any = "x"
            [console]
            enabled = true
            level = "info"
            format = "json"
            ansi = "never"
            [file]
            enabled = true
            path = "p"
            prefix = "q"
            rotation = "daily"
            max_files = 2
            level = "debug"
            format = "text"
            [otlp]
            enabled = true
            endpoint = "http://h:1"
            protocol = "grpc"
            headers = { k = "v" }
            timeout_ms = 3
            compression = "gzip"
            level = "info"
            sampler = { kind = "always_on", ratio = 1.0 }
            batch = { max_queue_size = 1, scheduled_delay_ms = 2, max_export_batch_size = 1 }
            [traces]
            max_concurrent_exports = 2
            code_attributes = true
            thread_attributes = true
            timing_attributes = true
            [exporters]
            traces = ["otlp", "console"]
            console = { path = "spans.jsonl" }
            [exporters.zipkin]
            endpoint = "http://h:9411/api/v2/spans"
            timeout_ms = 4
            [sampling]
            mode = "ratio"
            ratio = 0.5
            parent_based = false
            max_rules = 10
            [[sampling.rules]]
            match = { "task.type" = "import" }
            rate = 1.0
            duration = "10m"
            [sampling.adaptive]
            latency_threshold = "500ms"
            window = 60000
            sample_rate = 1.0
            cooldown = "5m"
            [sampling.tail]
            keep_errors = true
            keep_slower_than = "2s"
            max_buffered_spans = 100
            [admin]
            listen = "127.0.0.1:9464"
            token = "t"
        "#;
        Config::parse(text, "test", &no_env).unwrap();
    }

    #[test]
    fn expansion_forms() {
        let env = |name: &str| (name == "SET").then(|| "yes".to_owned());
        assert_eq!(expand("a${SET}b", "k", &env).unwrap(), "ayesb");
        assert_eq!(expand("${UNSET:-d}", "k", &env).unwrap(), "d");
        assert_eq!(expand("${SET:-d}", "k", &env).unwrap(), "yes");
        assert_eq!(expand("${UNSET:-}", "k", &env).unwrap(), "");
        assert_eq!(expand("no vars", "k", &env).unwrap(), "no vars");
    }
}
