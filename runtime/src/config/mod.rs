//! The one place where builder calls, environment variables, the config file and
//! defaults meet.
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
//!
//! The `TRACES_` variant of a variable wins over the generic one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::InitError;

mod file;

pub(crate) use file::EnvLookup;
pub use file::{
    BatchConfig, Config, ConsoleConfig, FileConfig, Headers, OtlpConfig, SamplerConfig,
    ServiceConfig, TracesConfig,
};

/// Console line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsoleFormat {
    /// `tracing-subscriber`'s default one-line format with span context.
    Full,
    /// Shorter lines.
    Compact,
    /// Multi-line, for development.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// When the console uses colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ansi {
    /// When stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// When the log file rolls over to a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// One file, `prefix.log`.
    Never,
    /// `prefix.YYYY-MM-DD-HH-mm.log`.
    Minutely,
    /// `prefix.YYYY-MM-DD-HH.log`.
    Hourly,
    /// `prefix.YYYY-MM-DD.log`.
    Daily,
}

/// Log file line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// The `full` console format without colours.
    Text,
    /// One JSON object per line.
    Json,
}

/// OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// gRPC over tonic (`grpc`); feature `otlp-grpc`.
    Grpc,
    /// Protobuf over HTTP (`http/protobuf`); feature `otlp-http`.
    HttpProtobuf,
}

/// OTLP payload compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// No compression.
    None,
    /// gzip.
    Gzip,
}

/// Which traces are recorded and exported.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sampler {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// A fixed share of traces, chosen by trace id (0.0 ..= 1.0).
    TraceIdRatio(f64),
    /// Follow the parent's decision; root spans always on.
    ParentBasedAlwaysOn,
    /// Follow the parent's decision; root spans always off.
    ParentBasedAlwaysOff,
    /// Follow the parent's decision; root spans by ratio.
    ParentBasedTraceIdRatio(f64),
}

macro_rules! keyword_enum {
    ($ty:ident, $what:literal, { $($name:literal => $variant:ident),* $(,)? }) => {
        impl $ty {
            const ALLOWED: &'static str = concat!("expected ", $("`", $name, "` ",)* "(", $what, ")");

            /// The name used in config files and environment variables.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }
        }

        impl FromStr for $ty {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok(Self::$variant),)*
                    _ => Err(()),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum!(ConsoleFormat, "console format", { "full" => Full, "compact" => Compact, "pretty" => Pretty, "json" => Json });
keyword_enum!(Ansi, "when to use colours", { "auto" => Auto, "always" => Always, "never" => Never });
keyword_enum!(Rotation, "file rotation", { "never" => Never, "minutely" => Minutely, "hourly" => Hourly, "daily" => Daily });
keyword_enum!(FileFormat, "file format", { "text" => Text, "json" => Json });
keyword_enum!(Protocol, "OTLP protocol", { "grpc" => Grpc, "http/protobuf" => HttpProtobuf });
keyword_enum!(Compression, "OTLP compression", { "none" => None, "gzip" => Gzip });

const SAMPLER_KINDS: &str = "expected `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or `parentbased_traceidratio`";

impl Sampler {
    fn from_parts(
        kind: &str,
        ratio: Option<f64>,
        kind_key: &str,
        ratio_key: &str,
    ) -> Result<Self, InitError> {
        let ratio = || -> Result<f64, InitError> {
            let r = ratio.unwrap_or(1.0);
            check_ratio(r, ratio_key)
        };
        Ok(match kind.trim().to_ascii_lowercase().as_str() {
            "always_on" => Self::AlwaysOn,
            "always_off" => Self::AlwaysOff,
            "traceidratio" => Self::TraceIdRatio(ratio()?),
            "parentbased_always_on" => Self::ParentBasedAlwaysOn,
            "parentbased_always_off" => Self::ParentBasedAlwaysOff,
            "parentbased_traceidratio" => Self::ParentBasedTraceIdRatio(ratio()?),
            _ => return Err(InitError::invalid(kind_key, kind, SAMPLER_KINDS)),
        })
    }

    fn validate(self, key: &str) -> Result<Self, InitError> {
        if let Self::TraceIdRatio(r) | Self::ParentBasedTraceIdRatio(r) = self {
            check_ratio(r, key)?;
        }
        Ok(self)
    }
}

fn check_ratio(ratio: f64, key: &str) -> Result<f64, InitError> {
    if (0.0..=1.0).contains(&ratio) {
        Ok(ratio)
    } else {
        Err(InitError::invalid(
            key,
            ratio,
            "expected a ratio between 0.0 and 1.0",
        ))
    }
}

/// Everything semtrace will set up, after precedence was applied. Obtain it with
/// [`TelemetryBuilder::resolve`](crate::TelemetryBuilder::resolve).
#[derive(Debug, Clone)]
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
    /// Bound on flushing at shutdown.
    pub shutdown_timeout: Duration,
}

/// Resolved console settings.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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

/// Resolved settings of the span pipeline (they apply with any exporter).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TracesSettings {
    /// Filter in `EnvFilter` syntax for the spans the pipeline sees.
    pub level: String,
    /// Head sampler.
    pub sampler: Sampler,
    /// Spans held for export at most (queued, buffered or in flight); whole traces
    /// beyond it are shed and counted.
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
}

/// Values set by explicit builder calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) service_namespace: Option<String>,
    pub(crate) service_instance_id: Option<String>,
    pub(crate) deployment_environment: Option<String>,
    pub(crate) resource_attributes: BTreeMap<String, String>,
    pub(crate) console: Option<bool>,
    pub(crate) console_level: Option<String>,
    pub(crate) console_format: Option<ConsoleFormat>,
    pub(crate) ansi: Option<Ansi>,
    pub(crate) file_dir: Option<PathBuf>,
    pub(crate) file_prefix: Option<String>,
    pub(crate) file_rotation: Option<Rotation>,
    pub(crate) file_max_files: Option<usize>,
    pub(crate) file_level: Option<String>,
    pub(crate) file_format: Option<FileFormat>,
    pub(crate) otlp: Option<bool>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) otlp_protocol: Option<Protocol>,
    pub(crate) otlp_headers: BTreeMap<String, String>,
    pub(crate) otlp_timeout: Option<Duration>,
    pub(crate) otlp_compression: Option<Compression>,
    pub(crate) otlp_level: Option<String>,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) scheduled_delay: Option<Duration>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) max_concurrent_exports: Option<usize>,
    pub(crate) code_attributes: Option<bool>,
    pub(crate) thread_attributes: Option<bool>,
    pub(crate) timing_attributes: Option<bool>,
    pub(crate) shutdown_timeout: Option<Duration>,
}

pub(crate) const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Sized for semtrace's pipeline rather than the SDK batch processor's 2048/512: a
/// queued span takes about 200 bytes here, and larger batches with a few exports in
/// flight let the exporter keep up with a busy service (see the README's numbers).
const DEFAULT_QUEUE_SIZE: usize = 16_384;
const DEFAULT_BATCH_SIZE: usize = 2048;
const DEFAULT_CONCURRENT_EXPORTS: usize = 4;

/// Reads environment variables through the injected lookup, ignoring empty values.
struct Env<'a>(EnvLookup<'a>);

impl Env<'_> {
    fn get(&self, name: &'static str) -> Option<(String, String)> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(|v| (format!("`{name}`"), v))
    }

    /// The `TRACES_` variable, else the generic one.
    fn get2(&self, traces: &'static str, generic: &'static str) -> Option<(String, String)> {
        self.get(traces).or_else(|| self.get(generic))
    }
}

fn file_key(key: &str) -> String {
    format!("`{key}` in config file")
}

fn parse_keyword<T: FromStr>(key: &str, value: &str, allowed: &str) -> Result<T, InitError> {
    value
        .parse()
        .map_err(|_| InitError::invalid(key, value, allowed))
}

fn parse_count(key: &str, value: &str) -> Result<usize, InitError> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(InitError::invalid(
            key,
            value,
            "expected a whole number of at least 1",
        )),
    }
}

fn file_count(key: &str, value: i64) -> Result<usize, InitError> {
    parse_count(&file_key(key), &value.to_string())
}

fn parse_millis(key: &str, value: &str) -> Result<Duration, InitError> {
    value
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| InitError::invalid(key, value, "expected a whole number of milliseconds"))
}

fn parse_bool(key: &str, value: &str) -> Result<bool, InitError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(InitError::invalid(key, value, "expected `true` or `false`")),
    }
}

/// Checks an `EnvFilter` directive string.
fn check_filter(key: &str, value: String) -> Result<String, InitError> {
    match tracing_subscriber::EnvFilter::builder().parse(&value) {
        Ok(_) => Ok(value),
        Err(e) => Err(InitError::invalid(
            key,
            &value,
            format!("expected a filter such as `info` or `warn,my_crate=debug` ({e})"),
        )),
    }
}

/// Checks an endpoint URL: absolute, `http` or `https`, with a host.
fn check_endpoint(key: &str, value: &str) -> Result<(), InitError> {
    let allowed =
        "expected an absolute `http://` or `https://` URL such as `http://localhost:4317`";
    let uri: http::Uri = value
        .parse()
        .map_err(|_| InitError::invalid(key, value, allowed))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if !scheme_ok || !host_ok {
        return Err(InitError::invalid(key, value, allowed));
    }
    if uri.scheme_str() == Some("https") && !cfg!(feature = "tls") {
        return Err(InitError::FeatureDisabled {
            what: format!("the `https` endpoint in {key}"),
            feature: "tls",
        });
    }
    Ok(())
}

/// `k=v,k2=v2` as used by `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`;
/// values are percent-decoded. `secret` keeps values out of error messages.
fn parse_pairs(
    key: &str,
    value: &str,
    secret: bool,
) -> Result<BTreeMap<String, String>, InitError> {
    let mut out = BTreeMap::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let shown = if secret {
            entry.split('=').next().unwrap_or_default().to_owned() + "=<redacted>"
        } else {
            entry.to_owned()
        };
        let Some((k, v)) = entry.split_once('=') else {
            return Err(InitError::invalid(
                key,
                shown,
                "expected `key=value` pairs separated by `,`",
            ));
        };
        let k = k.trim();
        let Some(v) = percent_decode(v.trim()) else {
            return Err(InitError::invalid(
                key,
                shown,
                "expected percent-encoded values (`%20`)",
            ));
        };
        if k.is_empty() {
            return Err(InitError::invalid(
                key,
                shown,
                "expected a non-empty key before `=`",
            ));
        }
        out.insert(k.to_owned(), v);
    }
    Ok(out)
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Applies the precedence table. `config` is the already parsed config file.
#[allow(clippy::too_many_lines)] // one straight list of settings reads best
pub(crate) fn resolve(
    o: &Overrides,
    env: EnvLookup<'_>,
    config: &Config,
) -> Result<Settings, InitError> {
    let env = Env(env);

    // Resource: file < OTEL_RESOURCE_ATTRIBUTES < builder.
    let mut attributes = config.resource.clone();
    if let Some((key, value)) = env.get("OTEL_RESOURCE_ATTRIBUTES") {
        attributes.extend(parse_pairs(&key, &value, false)?);
    }
    attributes.extend(o.resource_attributes.clone());
    let mut take = |attr: &str, builder: &Option<String>, file: &Option<String>| {
        let from_env = attributes.remove(attr);
        builder.clone().or(from_env).or_else(|| file.clone())
    };
    let s = &config.service;
    let service_name = o
        .service_name
        .clone()
        .or_else(|| env.get("OTEL_SERVICE_NAME").map(|(_, v)| v))
        .or_else(|| take("service.name", &None, &s.name))
        .unwrap_or_else(default_service_name);
    let service_version = take("service.version", &o.service_version, &s.version);
    let service_namespace = take("service.namespace", &o.service_namespace, &s.namespace);
    let service_instance_id = take(
        "service.instance.id",
        &o.service_instance_id,
        &s.instance_id,
    );
    let deployment_environment = take(
        "deployment.environment.name",
        &o.deployment_environment,
        &s.environment,
    );

    let console = resolve_console(o, &env, config)?;
    let file = resolve_file(o, config, &service_name)?;
    let otlp = resolve_otlp(o, &env, config)?;
    let traces = resolve_traces(o, &env, config)?;

    let shutdown_timeout = o
        .shutdown_timeout
        .or(config.shutdown_timeout_ms.map(Duration::from_millis))
        .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);

    Ok(Settings {
        service_name,
        service_version,
        service_namespace,
        service_instance_id,
        deployment_environment,
        resource_attributes: attributes,
        console,
        file,
        otlp,
        traces,
        shutdown_timeout,
    })
}

fn default_service_name() -> String {
    let exe = std::env::current_exe().ok();
    let name = exe
        .as_deref()
        .and_then(std::path::Path::file_stem)
        .and_then(|s| s.to_str());
    name.map_or_else(
        || "unknown_service".to_owned(),
        |n| format!("unknown_service:{n}"),
    )
}

fn resolve_console(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<Option<ConsoleSettings>, InitError> {
    let c = &config.console;
    if !o.console.or(c.enabled).unwrap_or(true) {
        return Ok(None);
    }
    let level = match (&o.console_level, env.get("RUST_LOG"), &c.level) {
        (Some(l), _, _) => check_filter("`TelemetryBuilder::console_level`", l.clone())?,
        (None, Some((key, l)), _) => check_filter(&key, l)?,
        (None, None, Some(l)) => check_filter(&file_key("console.level"), l.clone())?,
        (None, None, None) => "info".to_owned(),
    };
    let format = match (o.console_format, &c.format) {
        (Some(f), _) => f,
        (None, Some(f)) => parse_keyword(&file_key("console.format"), f, ConsoleFormat::ALLOWED)?,
        (None, None) => ConsoleFormat::Full,
    };
    let mut ansi = match (o.ansi, &c.ansi) {
        (Some(a), _) => a,
        (None, Some(a)) => parse_keyword(&file_key("console.ansi"), a, Ansi::ALLOWED)?,
        (None, None) => Ansi::Auto,
    };
    if ansi == Ansi::Auto && env.get("NO_COLOR").is_some() {
        ansi = Ansi::Never;
    }
    Ok(Some(ConsoleSettings {
        level,
        format,
        ansi,
    }))
}

fn resolve_file(
    o: &Overrides,
    config: &Config,
    service_name: &str,
) -> Result<Option<FileSettings>, InitError> {
    let f = &config.file;
    let dir = o
        .file_dir
        .clone()
        .or_else(|| f.path.as_ref().map(PathBuf::from));
    let Some(dir) = dir.filter(|_| o.file_dir.is_some() || f.enabled != Some(false)) else {
        return Ok(None);
    };
    let prefix = o
        .file_prefix
        .clone()
        .or_else(|| f.prefix.clone())
        .unwrap_or_else(|| {
            service_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        });
    let rotation = match (o.file_rotation, &f.rotation) {
        (Some(r), _) => r,
        (None, Some(r)) => parse_keyword(&file_key("file.rotation"), r, Rotation::ALLOWED)?,
        (None, None) => Rotation::Daily,
    };
    let max_files = match (o.file_max_files, f.max_files) {
        (Some(0), _) => {
            return Err(InitError::invalid(
                "`TelemetryBuilder::file_max_files`",
                0,
                "expected a whole number of at least 1",
            ));
        }
        (Some(n), _) => Some(n),
        (None, Some(n)) => Some(file_count("file.max_files", n)?),
        (None, None) => None,
    };
    let level = match (&o.file_level, &f.level) {
        (Some(l), _) => check_filter("`TelemetryBuilder::file_level`", l.clone())?,
        (None, Some(l)) => check_filter(&file_key("file.level"), l.clone())?,
        (None, None) => "info".to_owned(),
    };
    let format = match (o.file_format, &f.format) {
        (Some(x), _) => x,
        (None, Some(x)) => parse_keyword(&file_key("file.format"), x, FileFormat::ALLOWED)?,
        (None, None) => FileFormat::Text,
    };
    Ok(Some(FileSettings {
        dir,
        prefix,
        rotation,
        max_files,
        level,
        format,
    }))
}

#[allow(clippy::too_many_lines)]
fn resolve_otlp(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<Option<OtlpSettings>, InitError> {
    let c = &config.otlp;
    if let Some((key, v)) = env.get("OTEL_SDK_DISABLED")
        && parse_bool(&key, &v)?
    {
        return Ok(None);
    }
    if o.otlp == Some(false) || (o.otlp.is_none() && c.enabled == Some(false)) {
        return Ok(None);
    }

    // (key for errors, URL, whether `/v1/traces` must be appended for HTTP)
    let endpoint = if let Some(e) = &o.otlp_endpoint {
        Some((
            "`TelemetryBuilder::otlp_endpoint`".to_owned(),
            e.clone(),
            true,
        ))
    } else if let Some((key, e)) = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        Some((key, e, false))
    } else if let Some((key, e)) = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Some((key, e, true))
    } else {
        c.endpoint
            .clone()
            .map(|e| (file_key("otlp.endpoint"), e, true))
    };
    let Some((endpoint_key, endpoint, is_base)) = endpoint else {
        return Ok(None);
    };
    check_endpoint(&endpoint_key, &endpoint)?;

    let protocol = if let Some(p) = o.otlp_protocol {
        p
    } else if let Some((key, p)) = env.get2(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ) {
        parse_keyword(&key, &p, Protocol::ALLOWED)?
    } else if let Some(p) = &c.protocol {
        parse_keyword(&file_key("otlp.protocol"), p, Protocol::ALLOWED)?
    } else if cfg!(feature = "otlp-http") || !cfg!(feature = "otlp-grpc") {
        Protocol::HttpProtobuf
    } else {
        Protocol::Grpc
    };
    match protocol {
        Protocol::Grpc if !cfg!(feature = "otlp-grpc") => {
            return Err(InitError::FeatureDisabled {
                what: "OTLP protocol `grpc`".into(),
                feature: "otlp-grpc",
            });
        }
        Protocol::HttpProtobuf if !cfg!(feature = "otlp-http") => {
            return Err(InitError::FeatureDisabled {
                what: "OTLP protocol `http/protobuf`".into(),
                feature: "otlp-http",
            });
        }
        _ => {}
    }
    let endpoint =
        if protocol == Protocol::HttpProtobuf && is_base && !endpoint.ends_with("/v1/traces") {
            format!("{}/v1/traces", endpoint.trim_end_matches('/'))
        } else {
            endpoint
        };

    let mut headers = c.headers.0.clone();
    for var in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ] {
        if let Some((key, v)) = env.get(var) {
            headers.extend(parse_pairs(&key, &v, true)?);
        }
    }
    headers.extend(o.otlp_headers.clone());
    for (name, value) in &headers {
        let key = format!("OTLP header `{name}`");
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(InitError::invalid(
                key,
                name,
                "expected a valid HTTP header name",
            ));
        }
        if http::HeaderValue::from_str(value).is_err() {
            return Err(InitError::invalid(
                key,
                "<redacted>",
                "expected visible ASCII characters",
            ));
        }
    }

    let timeout = if let Some(t) = o.otlp_timeout {
        t
    } else if let Some((key, t)) = env
        .get2(
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        )
        .or_else(|| env.get("OTEL_BSP_EXPORT_TIMEOUT"))
    {
        parse_millis(&key, &t)?
    } else {
        c.timeout_ms
            .map_or(DEFAULT_EXPORT_TIMEOUT, Duration::from_millis)
    };

    let compression = if let Some(x) = o.otlp_compression {
        x
    } else if let Some((key, x)) = env.get2(
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ) {
        parse_keyword(&key, &x, Compression::ALLOWED)?
    } else if let Some(x) = &c.compression {
        parse_keyword(&file_key("otlp.compression"), x, Compression::ALLOWED)?
    } else {
        Compression::None
    };

    Ok(Some(OtlpSettings {
        endpoint,
        protocol,
        headers: Headers(headers),
        timeout,
        compression,
    }))
}

#[allow(clippy::many_single_char_names)] // o, c, b, t: the sources, as in the other resolvers
fn resolve_traces(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<TracesSettings, InitError> {
    let c = &config.otlp;
    let level = match (&o.otlp_level, &c.level) {
        (Some(l), _) => check_filter("`TelemetryBuilder::otlp_level`", l.clone())?,
        (None, Some(l)) => check_filter(&file_key("otlp.level"), l.clone())?,
        (None, None) => "info".to_owned(),
    };

    let sampler = if let Some(s) = o.sampler {
        s.validate("`TelemetryBuilder::sampler`")?
    } else if let Some((key, kind)) = env.get("OTEL_TRACES_SAMPLER") {
        let ratio = match env.get("OTEL_TRACES_SAMPLER_ARG") {
            Some((arg_key, arg)) => Some(arg.parse::<f64>().map_err(|_| {
                InitError::invalid(&arg_key, &arg, "expected a ratio between 0.0 and 1.0")
            })?),
            None => None,
        };
        Sampler::from_parts(&kind, ratio, &key, "`OTEL_TRACES_SAMPLER_ARG`")?
    } else if let Some(s) = &c.sampler {
        Sampler::from_parts(
            &s.kind,
            s.ratio,
            &file_key("otlp.sampler.kind"),
            &file_key("otlp.sampler.ratio"),
        )?
    } else {
        Sampler::ParentBasedAlwaysOn
    };

    let b = &c.batch;
    let count = |builder: Option<usize>,
                 var: &'static str,
                 file: Option<i64>,
                 file_name: &str,
                 default: usize| {
        if let Some(n) = builder {
            return if n == 0 {
                Err(InitError::invalid(
                    "`TelemetryBuilder` batch size",
                    0,
                    "expected a whole number of at least 1",
                ))
            } else {
                Ok(n)
            };
        }
        if let Some((key, v)) = env.get(var) {
            return parse_count(&key, &v);
        }
        file.map_or(Ok(default), |n| file_count(file_name, n))
    };
    let max_queue_size = count(
        o.max_queue_size,
        "OTEL_BSP_MAX_QUEUE_SIZE",
        b.max_queue_size,
        "otlp.batch.max_queue_size",
        DEFAULT_QUEUE_SIZE,
    )?;
    let max_export_batch_size = count(
        o.max_export_batch_size,
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        b.max_export_batch_size,
        "otlp.batch.max_export_batch_size",
        DEFAULT_BATCH_SIZE,
    )?
    .min(max_queue_size);
    let scheduled_delay = if let Some(d) = o.scheduled_delay {
        d
    } else if let Some((key, v)) = env.get("OTEL_BSP_SCHEDULE_DELAY") {
        parse_millis(&key, &v)?
    } else {
        b.scheduled_delay_ms
            .map_or(Duration::from_secs(5), Duration::from_millis)
    };

    let t = &config.traces;
    let max_concurrent_exports = match (o.max_concurrent_exports, t.max_concurrent_exports) {
        (Some(0), _) => {
            return Err(InitError::invalid(
                "`TelemetryBuilder::max_concurrent_exports`",
                0,
                "expected a whole number of at least 1",
            ));
        }
        (Some(n), _) => n,
        (None, Some(n)) => file_count("traces.max_concurrent_exports", n)?,
        (None, None) => DEFAULT_CONCURRENT_EXPORTS,
    };
    Ok(TracesSettings {
        level,
        sampler,
        max_queue_size,
        scheduled_delay,
        max_export_batch_size,
        max_concurrent_exports,
        code_attributes: o.code_attributes.or(t.code_attributes).unwrap_or(false),
        thread_attributes: o.thread_attributes.or(t.thread_attributes).unwrap_or(false),
        timing_attributes: o.timing_attributes.or(t.timing_attributes).unwrap_or(false),
    })
}
