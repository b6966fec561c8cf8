//! Applies the precedence table. Every setting is one [`pick`] chain: the builder's
//! value, else the environment's, else the config file's, else the default — each
//! checked by the parser of its source, whose error names that source.

use std::path::PathBuf;
use std::time::Duration;

use super::env::{Env, var};
use super::file::{AdaptiveConfig, DurationValue, RuleConfig, TailConfig};
use super::file::{Config, EnvLookup, Headers};
use super::overrides::Overrides;
use super::rules;
use super::values::{
    Ansi, Compression, ConsoleFormat, ExemplarFilter, FileFormat, MetricsExporter, Protocol,
    Rotation, Sampler, SamplingMode, TracesExporter, at_least_one, check_endpoint, check_exporters,
    check_filter, check_ratio, exporter_list, file_count, file_duration, file_flag, file_key,
    file_limit, file_millis, filter, logs_exporter_list, metrics_exporter_list, parse_bool,
    parse_count, parse_limit, parse_millis, parse_pairs, text,
};
use super::{
    AdaptiveSettings, AdminSettings, ConsoleSettings, FileSettings, LogsSettings, MetricsSettings,
    OtlpSettings, RuleSettings, SamplingSettings, Settings, SpanLimits, TailSettings,
    TracesSettings, ZipkinSettings,
};
use crate::error::InitError;

const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_SCHEDULED_DELAY: Duration = Duration::from_secs(5);
/// Sized for semtrace's pipeline rather than the SDK batch processor's 2048/512: a
/// queued span takes about 200 bytes here, and larger batches with a few exports in
/// flight let the exporter keep up with a busy service (see the README's numbers).
const DEFAULT_QUEUE_SIZE: usize = 16_384;
const DEFAULT_BATCH_SIZE: usize = 2048;
const DEFAULT_CONCURRENT_EXPORTS: usize = 4;
/// The specification's default metric export interval.
const DEFAULT_METRIC_INTERVAL: Duration = Duration::from_secs(60);
/// The log queue and batch: sized as the span pipeline's (a queued record takes a
/// little more than a span, its message included); the delay is the
/// specification's `OTEL_BLRP_SCHEDULE_DELAY` default.
const DEFAULT_LOG_QUEUE_SIZE: usize = 16_384;
const DEFAULT_LOG_BATCH_SIZE: usize = 2048;
const DEFAULT_LOG_DELAY: Duration = Duration::from_secs(1);
/// Where a Zipkin server started with its defaults takes spans.
const DEFAULT_ZIPKIN_ENDPOINT: &str = "http://localhost:9411/api/v2/spans";

/// One setting, by precedence. Start with [`pick`], add the sources in rank order,
/// end with a default.
pub(super) struct Pick<'a, T> {
    env: &'a Env<'a>,
    found: Option<Result<T, InitError>>,
}

/// The builder's value of a setting (`None` when not called), named `method` in
/// errors and checked by `check`.
pub(super) fn pick<'a, T>(
    env: &'a Env<'a>,
    method: &str,
    builder: Option<T>,
    check: impl FnOnce(&str, T) -> Result<T, InitError>,
) -> Pick<'a, T> {
    let found = builder.map(|value| check(&format!("`TelemetryBuilder::{method}`"), value));
    Pick { env, found }
}

/// Accepts a builder value as it is (its type already rules out bad values).
#[allow(clippy::unnecessary_wraps)] // the shape every builder check has
pub(super) fn as_is<T>(_key: &str, value: T) -> Result<T, InitError> {
    Ok(value)
}

impl<T> Pick<'_, T> {
    /// The environment variable `var`, unless a higher source set the value.
    pub(super) fn env(
        mut self,
        var: &'static str,
        parse: impl FnOnce(&str, &str) -> Result<T, InitError>,
    ) -> Self {
        if self.found.is_none()
            && let Some((key, value)) = self.env.get(var)
        {
            self.found = Some(parse(&key, &value));
        }
        self
    }

    /// The config file's `key`, unless a higher source set the value.
    pub(super) fn file<R: ?Sized>(
        mut self,
        key: &str,
        value: Option<&R>,
        parse: impl FnOnce(&str, &R) -> Result<T, InitError>,
    ) -> Self {
        if self.found.is_none()
            && let Some(value) = value
        {
            self.found = Some(parse(&file_key(key), value));
        }
        self
    }

    /// The value, or `default` when no source set it.
    pub(super) fn or(self, default: T) -> Result<T, InitError> {
        self.found.unwrap_or(Ok(default))
    }

    /// The value, or the computed default when no source set it.
    pub(super) fn or_else(self, default: impl FnOnce() -> T) -> Result<T, InitError> {
        self.found.unwrap_or_else(|| Ok(default()))
    }

    /// The value, if a source set it.
    pub(super) fn found(self) -> Result<Option<T>, InitError> {
        self.found.transpose()
    }
}

/// Applies the precedence table. `config` is the already parsed config file.
#[allow(clippy::too_many_lines)] // one pick chain per setting
pub(crate) fn resolve(
    o: &Overrides,
    lookup: EnvLookup<'_>,
    config: &Config,
) -> Result<Settings, InitError> {
    let env = Env::new(lookup);

    // Resource attributes merge per key: file < OTEL_RESOURCE_ATTRIBUTES < builder; a
    // `service.*` one stands between the environment and the file for its setting.
    let mut attributes = config.resource.clone();
    if let Some((key, value)) = env.get(var::OTEL_RESOURCE_ATTRIBUTES) {
        attributes.extend(parse_pairs(&key, &value, false)?);
    }
    attributes.extend(o.resource_attributes.clone());
    let mut service =
        |attr: &str, method: &str, builder: &Option<String>, file: &Option<String>| {
            let from_attributes = attributes.remove(attr);
            pick(&env, method, builder.clone(), as_is)
                .file(attr, from_attributes.as_deref(), text)
                .file(attr, file.as_deref(), text)
                .found()
        };
    let s = &config.service;
    let service_name = pick(&env, "service_name", o.service_name.clone(), as_is)
        .env(var::OTEL_SERVICE_NAME, text)
        .found()?
        .map_or_else(
            || service("service.name", "service_name", &None, &s.name),
            |name| Ok(Some(name)),
        )?
        .unwrap_or_else(default_service_name);
    let service_version = service(
        "service.version",
        "service_version",
        &o.service_version,
        &s.version,
    )?;
    let service_namespace = service(
        "service.namespace",
        "service_namespace",
        &o.service_namespace,
        &s.namespace,
    )?;
    let service_instance_id = service(
        "service.instance.id",
        "service_instance_id",
        &o.service_instance_id,
        &s.instance_id,
    )?;
    let deployment_environment = service(
        "deployment.environment.name",
        "deployment_environment",
        &o.deployment_environment,
        &s.environment,
    )?;

    let console = resolve_console(o, &env, config)?;
    let file = resolve_file(o, &env, config, &service_name)?;
    let chosen = pick(
        &env,
        "traces_exporters",
        o.traces_exporters.clone(),
        check_exporters,
    )
    .env(var::OTEL_TRACES_EXPORTER, exporter_list)
    .file(
        "exporters.traces",
        config.exporters.traces.as_deref(),
        |key, list: &[String]| exporter_list(key, &list.join(",")),
    )
    .found()?;
    let otlp = resolve_otlp(o, &env, config, chosen.as_deref())?;
    // Unless chosen, OTLP is the exporter when an endpoint is set.
    let exporters = chosen.unwrap_or_else(|| otlp.iter().map(|_| TracesExporter::Otlp).collect());
    let mut warnings = Vec::new();
    let mut traces = resolve_traces(o, &env, config, &mut warnings)?;
    traces.exporters = exporters;
    traces.console_exporter_path = pick(
        &env,
        "console_exporter_path",
        o.console_exporter_path.clone(),
        as_is,
    )
    .file(
        "exporters.console.path",
        config.exporters.console.path.as_deref(),
        |_, p: &str| Ok(PathBuf::from(p)),
    )
    .found()?;
    let zipkin = resolve_zipkin(o, &env, config)?;
    let shutdown_timeout = pick(&env, "shutdown_timeout", o.shutdown_timeout, as_is)
        .file(
            "shutdown_timeout_ms",
            config.shutdown_timeout_ms.as_ref(),
            file_millis,
        )
        .or(DEFAULT_SHUTDOWN_TIMEOUT)?;

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
        zipkin,
        shutdown_timeout,
        admin: resolve_admin(&env, config)?,
        metrics: resolve_metrics(o, &env, config)?,
        logs: resolve_logs(o, &env, config)?,
        log_bridge: pick(&env, "log_bridge", o.log_bridge, as_is)
            .env(var::SEMTRACE_LOG_BRIDGE, parse_bool)
            .file("logs.bridge", config.logs.bridge.as_ref(), file_flag)
            .found()?,
        genai_capture_content: pick(
            &env,
            "genai_capture_content",
            o.genai_capture_content,
            as_is,
        )
        .env(
            var::OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
            parse_bool,
        )
        .file(
            "genai.capture_content",
            config.genai.capture_content.as_ref(),
            file_flag,
        )
        .found()?,
        slos: super::objectives::resolve(o.slos.as_deref(), &config.slo)?,
        warnings,
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

fn checked_filter(key: &str, value: String) -> Result<String, InitError> {
    check_filter(key, value)
}

fn resolve_console(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<Option<ConsoleSettings>, InitError> {
    let c = &config.console;
    let on = pick(env, "console", o.console, as_is)
        .file("console.enabled", c.enabled.as_ref(), file_flag)
        .or(true)?;
    if !on {
        return Ok(None);
    }
    let level = pick(
        env,
        "console_level",
        o.console_level.clone(),
        checked_filter,
    )
    .env(var::RUST_LOG, filter)
    .file("console.level", c.level.as_deref(), filter)
    .or_else(|| "info".to_owned())?;
    let format = pick(env, "console_format", o.console_format, as_is)
        .file(
            "console.format",
            c.format.as_deref(),
            ConsoleFormat::parse_setting,
        )
        .or(ConsoleFormat::Full)?;
    let mut ansi = pick(env, "ansi", o.ansi, as_is)
        .file("console.ansi", c.ansi.as_deref(), Ansi::parse_setting)
        .or(Ansi::Auto)?;
    // `NO_COLOR` only refines `auto`: an explicit choice stands.
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
    env: &Env<'_>,
    config: &Config,
    service_name: &str,
) -> Result<Option<FileSettings>, InitError> {
    let f = &config.file;
    // A builder directory turns file output on; the file's `enabled = false` only
    // turns off the file's own `path`.
    let dir = pick(env, "file_dir", o.file_dir.clone(), as_is)
        .file("file.path", f.path.as_deref(), |_, p: &str| {
            Ok(PathBuf::from(p))
        })
        .found()?;
    let Some(dir) = dir.filter(|_| o.file_dir.is_some() || f.enabled != Some(false)) else {
        return Ok(None);
    };
    let prefix = pick(env, "file_prefix", o.file_prefix.clone(), as_is)
        .file("file.prefix", f.prefix.as_deref(), text)
        .or_else(|| {
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
        })?;
    let rotation = pick(env, "file_rotation", o.file_rotation, as_is)
        .file(
            "file.rotation",
            f.rotation.as_deref(),
            Rotation::parse_setting,
        )
        .or(Rotation::Daily)?;
    let max_files = pick(env, "file_max_files", o.file_max_files, at_least_one)
        .file("file.max_files", f.max_files.as_ref(), file_count)
        .found()?;
    let level = pick(env, "file_level", o.file_level.clone(), checked_filter)
        .file("file.level", f.level.as_deref(), filter)
        .or_else(|| "info".to_owned())?;
    let format = pick(env, "file_format", o.file_format, as_is)
        .file(
            "file.format",
            f.format.as_deref(),
            FileFormat::parse_setting,
        )
        .or(FileFormat::Text)?;
    Ok(Some(FileSettings {
        dir,
        prefix,
        rotation,
        max_files,
        level,
        format,
    }))
}

/// An endpoint with the key it came from and whether `/v1/traces` is appended for
/// HTTP (a base URL) or not (a traces URL, used as is).
type Endpoint = (String, String, bool);

/// OTLP settings when OTLP is among the exporters: chosen explicitly (then without
/// an endpoint the specification's default applies), or implied by an endpoint.
fn resolve_otlp(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    chosen: Option<&[TracesExporter]>,
) -> Result<Option<OtlpSettings>, InitError> {
    let explicit = chosen.is_some_and(|list| list.contains(&TracesExporter::Otlp));
    if chosen.is_some() && !explicit {
        return Ok(None);
    }
    let c = &config.otlp;
    // The specification's kill switch wins over every source.
    if let Some((key, v)) = env.get(var::OTEL_SDK_DISABLED)
        && parse_bool(&key, &v)?
    {
        return Ok(None);
    }
    let on = pick(env, "otlp", o.otlp, as_is)
        .file("otlp.enabled", c.enabled.as_ref(), file_flag)
        .or(true)?;
    if !on {
        return Ok(None);
    }
    let base = |key: &str, url: &str| -> Result<Endpoint, InitError> {
        Ok((key.to_owned(), url.to_owned(), true))
    };
    let builder_endpoint = o
        .otlp_endpoint
        .clone()
        .map(|e| ("`TelemetryBuilder::otlp_endpoint`".to_owned(), e, true));
    let endpoint = pick(env, "otlp_endpoint", builder_endpoint, as_is)
        .env(var::OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, |key, url| {
            Ok((key.to_owned(), url.to_owned(), false))
        })
        .env(var::OTEL_EXPORTER_OTLP_ENDPOINT, base)
        .file("otlp.endpoint", c.endpoint.as_deref(), base)
        .found()?;
    let endpoint = match endpoint {
        Some(endpoint) => endpoint,
        None if explicit => (
            "`OTEL_TRACES_EXPORTER`".to_owned(),
            String::new(), // the default for the protocol, below
            true,
        ),
        None => return Ok(None),
    };
    let (endpoint_key, endpoint, is_base) = endpoint;
    if !endpoint.is_empty() {
        check_endpoint(&endpoint_key, &endpoint)?;
    }

    let signal = Signal {
        vars: [
            var::OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
            var::OTEL_EXPORTER_OTLP_TRACES_HEADERS,
            var::OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
        ],
        timeout_vars: &[
            var::OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
            var::OTEL_EXPORTER_OTLP_TIMEOUT,
            var::OTEL_BSP_EXPORT_TIMEOUT,
        ],
        protocol_file: None,
        path: "/v1/traces",
    };
    transport(o, env, config, &signal, endpoint, is_base).map(Some)
}

/// What one OTLP signal (spans, metrics) reads beyond the generic settings.
struct Signal<'c> {
    /// Its protocol, headers and compression variables.
    vars: [&'static str; 3],
    /// Its timeout variables, in order.
    timeout_vars: &'static [&'static str],
    /// A config key of its own for the protocol, with its value.
    protocol_file: Option<(&'static str, Option<&'c str>)>,
    /// The path appended to an HTTP base URL.
    path: &'static str,
}

/// Protocol, full endpoint, headers, timeout and compression of one signal's
/// exporter, each falling back from the signal's variable to the generic one and
/// the `[otlp]` section.
fn transport(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    signal: &Signal<'_>,
    endpoint: String,
    is_base: bool,
) -> Result<OtlpSettings, InitError> {
    let c = &config.otlp;
    let [protocol_var, headers_var, compression_var] = signal.vars;
    let (own_key, own_value) = signal.protocol_file.unwrap_or(("otlp.protocol", None));
    let protocol = pick(env, "otlp_protocol", o.otlp_protocol, as_is)
        .env(protocol_var, Protocol::parse_setting)
        .env(var::OTEL_EXPORTER_OTLP_PROTOCOL, Protocol::parse_setting)
        .file(own_key, own_value, Protocol::parse_setting)
        .file(
            "otlp.protocol",
            c.protocol.as_deref(),
            Protocol::parse_setting,
        )
        .or_else(|| {
            if cfg!(feature = "otlp-http") || !cfg!(feature = "otlp-grpc") {
                Protocol::HttpProtobuf
            } else {
                Protocol::Grpc
            }
        })?;
    check_built(protocol)?;
    let endpoint = signal_endpoint(endpoint, protocol, is_base, signal.path);
    let headers = resolve_headers(o, env, config, headers_var)?;
    let mut timeout = pick(env, "otlp_timeout", o.otlp_timeout, as_is);
    for var in signal.timeout_vars {
        timeout = timeout.env(var, parse_millis);
    }
    let timeout = timeout
        .file("otlp.timeout_ms", c.timeout_ms.as_ref(), file_millis)
        .or(DEFAULT_EXPORT_TIMEOUT)?;
    let compression = pick(env, "otlp_compression", o.otlp_compression, as_is)
        .env(compression_var, Compression::parse_setting)
        .env(
            var::OTEL_EXPORTER_OTLP_COMPRESSION,
            Compression::parse_setting,
        )
        .file(
            "otlp.compression",
            c.compression.as_deref(),
            Compression::parse_setting,
        )
        .or(Compression::None)?;
    Ok(OtlpSettings {
        endpoint,
        protocol,
        headers,
        timeout,
        compression,
    })
}

fn resolve_traces(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Result<TracesSettings, InitError> {
    let (otlp, batch, traces) = (&config.otlp, &config.otlp.batch, &config.traces);
    let level = pick(env, "otlp_level", o.otlp_level.clone(), checked_filter)
        .file("otlp.level", otlp.level.as_deref(), filter)
        .or_else(|| "info".to_owned())?;
    let (sampling, sampler) = resolve_sampling(o, env, config, warnings)?;
    let max_queue_size = pick(env, "max_queue_size", o.max_queue_size, at_least_one)
        .env(var::OTEL_BSP_MAX_QUEUE_SIZE, parse_count)
        .file(
            "otlp.batch.max_queue_size",
            batch.max_queue_size.as_ref(),
            file_count,
        )
        .or(DEFAULT_QUEUE_SIZE)?;
    let max_export_batch_size = pick(
        env,
        "max_export_batch_size",
        o.max_export_batch_size,
        at_least_one,
    )
    .env(var::OTEL_BSP_MAX_EXPORT_BATCH_SIZE, parse_count)
    .file(
        "otlp.batch.max_export_batch_size",
        batch.max_export_batch_size.as_ref(),
        file_count,
    )
    .or(DEFAULT_BATCH_SIZE)?
    .min(max_queue_size);
    let scheduled_delay = pick(env, "scheduled_delay", o.scheduled_delay, as_is)
        .env(var::OTEL_BSP_SCHEDULE_DELAY, parse_millis)
        .file(
            "otlp.batch.scheduled_delay_ms",
            batch.scheduled_delay_ms.as_ref(),
            file_millis,
        )
        .or(DEFAULT_SCHEDULED_DELAY)?;
    let max_concurrent_exports = pick(
        env,
        "max_concurrent_exports",
        o.max_concurrent_exports,
        at_least_one,
    )
    .file(
        "traces.max_concurrent_exports",
        traces.max_concurrent_exports.as_ref(),
        file_count,
    )
    .or(DEFAULT_CONCURRENT_EXPORTS)?;
    let flag = |method: &str, builder: Option<bool>, key: &str, file: Option<bool>| {
        pick(env, method, builder, as_is)
            .file(key, file.as_ref(), file_flag)
            .or(false)
    };
    Ok(TracesSettings {
        level,
        sampler,
        sampling,
        max_queue_size,
        scheduled_delay,
        max_export_batch_size,
        max_concurrent_exports,
        code_attributes: flag(
            "code_attributes",
            o.code_attributes,
            "traces.code_attributes",
            traces.code_attributes,
        )?,
        thread_attributes: flag(
            "thread_attributes",
            o.thread_attributes,
            "traces.thread_attributes",
            traces.thread_attributes,
        )?,
        timing_attributes: flag(
            "timing_attributes",
            o.timing_attributes,
            "traces.timing_attributes",
            traces.timing_attributes,
        )?,
        limits: resolve_limits(o, env, config)?,
        // Set by the caller, which also resolves the OTLP exporter.
        exporters: Vec::new(),
        console_exporter_path: None,
    })
}

/// The span limits: each from the builder's [`SpanLimits`], its own variable, the
/// generic variable the specification falls back to, `[traces.limits]`, or the
/// default.
fn resolve_limits(o: &Overrides, env: &Env<'_>, config: &Config) -> Result<SpanLimits, InitError> {
    let l = &config.traces.limits;
    let defaults = SpanLimits::default();
    let count = |own: &'static str,
                 generic: Option<&'static str>,
                 key: &str,
                 file: Option<&i64>,
                 builder: Option<usize>,
                 default: usize| {
        let mut p = pick(env, "span_limits", builder, as_is).env(own, parse_limit);
        if let Some(generic) = generic {
            p = p.env(generic, parse_limit);
        }
        p.file(&format!("traces.limits.{key}"), file, file_limit)
            .or(default)
    };
    let b = o.span_limits;
    let generic = Some(var::OTEL_ATTRIBUTE_COUNT_LIMIT);
    Ok(SpanLimits {
        attribute_count: count(
            var::OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
            generic,
            "attribute_count",
            l.attribute_count.as_ref(),
            b.map(|b| b.attribute_count),
            defaults.attribute_count,
        )?,
        event_count: count(
            var::OTEL_SPAN_EVENT_COUNT_LIMIT,
            None,
            "event_count",
            l.event_count.as_ref(),
            b.map(|b| b.event_count),
            defaults.event_count,
        )?,
        link_count: count(
            var::OTEL_SPAN_LINK_COUNT_LIMIT,
            None,
            "link_count",
            l.link_count.as_ref(),
            b.map(|b| b.link_count),
            defaults.link_count,
        )?,
        event_attribute_count: count(
            var::OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT,
            generic,
            "event_attribute_count",
            l.event_attribute_count.as_ref(),
            b.map(|b| b.event_attribute_count),
            defaults.event_attribute_count,
        )?,
        link_attribute_count: count(
            var::OTEL_LINK_ATTRIBUTE_COUNT_LIMIT,
            generic,
            "link_attribute_count",
            l.link_attribute_count.as_ref(),
            b.map(|b| b.link_attribute_count),
            defaults.link_attribute_count,
        )?,
        attribute_value_length: match b {
            Some(b) => b.attribute_value_length,
            None => pick(env, "span_limits", None, as_is)
                .env(var::OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, parse_limit)
                .env(var::OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, parse_limit)
                .file(
                    "traces.limits.attribute_value_length",
                    l.attribute_value_length.as_ref(),
                    file_limit,
                )
                .found()?,
        },
    })
}

/// Mode, ratio and parent-based, from whichever source sets them first.
type Head = (SamplingMode, f64, bool);

fn head_of(sampler: Sampler) -> Head {
    match sampler {
        Sampler::AlwaysOn => (SamplingMode::Full, 1.0, false),
        Sampler::AlwaysOff => (SamplingMode::Ratio, 0.0, false),
        Sampler::TraceIdRatio(r) => (SamplingMode::Ratio, r, false),
        Sampler::ParentBasedAlwaysOn => (SamplingMode::Ratio, 1.0, true),
        Sampler::ParentBasedAlwaysOff => (SamplingMode::Ratio, 0.0, true),
        Sampler::ParentBasedTraceIdRatio(r) => (SamplingMode::Ratio, r, true),
    }
}

/// The `OTEL_TRACES_SAMPLER` equivalent of a mode, ratio and parent-based flag.
pub(crate) fn sampler_of((mode, ratio, parent_based): Head) -> Sampler {
    match (mode, parent_based) {
        (SamplingMode::Off, _) => Sampler::AlwaysOff,
        (SamplingMode::Full, _) => Sampler::AlwaysOn,
        (_, false) if ratio >= 1.0 => Sampler::AlwaysOn,
        (_, false) if ratio <= 0.0 => Sampler::AlwaysOff,
        (_, false) => Sampler::TraceIdRatio(ratio),
        (_, true) if ratio >= 1.0 => Sampler::ParentBasedAlwaysOn,
        (_, true) if ratio <= 0.0 => Sampler::ParentBasedAlwaysOff,
        (_, true) => Sampler::ParentBasedTraceIdRatio(ratio),
    }
}

/// The most spans held for tail decisions by default.
const DEFAULT_TAIL_BUFFER: usize = 10_000;
const DEFAULT_MAX_RULES: usize = 100;
const DEFAULT_ADAPTIVE_WINDOW: Duration = Duration::from_secs(60);
const DEFAULT_ADAPTIVE_COOLDOWN: Duration = Duration::from_secs(300);

fn resolve_sampling(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Result<(SamplingSettings, Sampler), InitError> {
    let c = &config.sampling;
    let from_section = c.mode.is_some() || c.ratio.is_some() || c.parent_based.is_some();
    if config.otlp.sampler.is_some() {
        warnings.push(
            "`otlp.sampler` in the config file is deprecated: use the `[sampling]` section \
             (`mode`, `ratio`, `parent_based`) instead"
                .to_owned(),
        );
    }
    let head = pick(env, "sampler", o.sampler.map(head_of), |key, h: Head| {
        check_ratio(h.1, key).map(|_| h)
    })
    .env(var::OTEL_TRACES_SAMPLER, |key, kind| {
        let ratio = match env.get(var::OTEL_TRACES_SAMPLER_ARG) {
            Some((arg_key, arg)) => Some(arg.parse::<f64>().map_err(|_| {
                InitError::invalid(&arg_key, &arg, "expected a ratio between 0.0 and 1.0")
            })?),
            None => None,
        };
        Sampler::from_parts(kind, ratio, key, "`OTEL_TRACES_SAMPLER_ARG`").map(head_of)
    })
    .file("sampling", from_section.then_some(c), |_, c| {
        let mode = match &c.mode {
            Some(m) => SamplingMode::parse_setting(&file_key("sampling.mode"), m)?,
            None => SamplingMode::Ratio,
        };
        let ratio = check_ratio(c.ratio.unwrap_or(1.0), &file_key("sampling.ratio"))?;
        Ok((mode, ratio, c.parent_based.unwrap_or(true)))
    })
    .file("otlp.sampler", config.otlp.sampler.as_ref(), |_, s| {
        Sampler::from_parts(
            &s.kind,
            s.ratio,
            &file_key("otlp.sampler.kind"),
            &file_key("otlp.sampler.ratio"),
        )
        .map(head_of)
    })
    .or((SamplingMode::Ratio, 1.0, true))?;

    let max_rules = pick(env, "max_rules", None, at_least_one)
        .file("sampling.max_rules", c.max_rules.as_ref(), file_count)
        .or(DEFAULT_MAX_RULES)?;
    let mut rules = Vec::with_capacity(c.rules.len());
    for (i, rule) in c.rules.iter().enumerate() {
        rules.push(rule_settings(i, rule)?);
    }
    if rules.len() > max_rules {
        return Err(InitError::invalid(
            file_key("sampling.rules"),
            format!("{} rules", rules.len()),
            format!("at most `sampling.max_rules` = {max_rules}"),
        ));
    }
    let adaptive = c.adaptive.as_ref().map(adaptive_settings).transpose()?;
    let tail = c.tail.as_ref().map(tail_settings).transpose()?;
    let settings = SamplingSettings {
        mode: head.0,
        ratio: head.1,
        parent_based: head.2,
        max_rules,
        rules,
        adaptive,
        tail,
    };
    Ok((settings, sampler_of(head)))
}

fn rule_settings(i: usize, rule: &RuleConfig) -> Result<RuleSettings, InitError> {
    let invalid = |e: rules::RuleError| {
        InitError::invalid(
            file_key(&format!("sampling.rules[{i}].{}", e.field)),
            e.value,
            format!("expected {}", e.allowed),
        )
    };
    let mut conditions = Vec::with_capacity(rule.conditions.len());
    for (name, value) in &rule.conditions {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                let field = format!("match.{name}");
                return Err(invalid(rules::RuleError::new(
                    field,
                    other,
                    rules::CONDITION_ALLOWED,
                )));
            }
        };
        conditions.push((name.clone(), text));
    }
    let rate = rule.rate.unwrap_or(1.0);
    let duration = match &rule.duration {
        Some(DurationValue::Millis(ms)) => Some(Duration::from_millis(*ms)),
        Some(DurationValue::Text(text)) => Some(rules::duration_from_text(text).map_err(invalid)?),
        None => None,
    };
    rules::check(&conditions, rate, duration).map_err(invalid)?;
    Ok(RuleSettings {
        conditions: conditions.into_iter().collect(),
        rate,
        duration,
    })
}

fn adaptive_settings(c: &AdaptiveConfig) -> Result<AdaptiveSettings, InitError> {
    let positive = |k: &str, v: Option<&DurationValue>, default: Option<Duration>| {
        let key = file_key(&format!("sampling.adaptive.{k}"));
        let d = match (v, default) {
            (Some(v), _) => file_duration(&key, v)?,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(InitError::invalid(
                    key,
                    "(missing)",
                    "expected a duration such as `500ms`: the p99 above which a span name is triggered",
                ));
            }
        };
        if d.is_zero() {
            return Err(InitError::invalid(
                key,
                "0",
                "expected a duration above zero",
            ));
        }
        Ok(d)
    };
    Ok(AdaptiveSettings {
        latency_threshold: positive("latency_threshold", c.latency_threshold.as_ref(), None)?,
        window: positive("window", c.window.as_ref(), Some(DEFAULT_ADAPTIVE_WINDOW))?,
        sample_rate: check_ratio(
            c.sample_rate.unwrap_or(1.0),
            &file_key("sampling.adaptive.sample_rate"),
        )?,
        cooldown: match &c.cooldown {
            Some(v) => file_duration(&file_key("sampling.adaptive.cooldown"), v)?,
            None => DEFAULT_ADAPTIVE_COOLDOWN,
        },
    })
}

fn tail_settings(c: &TailConfig) -> Result<TailSettings, InitError> {
    Ok(TailSettings {
        keep_errors: c.keep_errors.unwrap_or(true),
        keep_slower_than: c
            .keep_slower_than
            .as_ref()
            .map(|v| file_duration(&file_key("sampling.tail.keep_slower_than"), v))
            .transpose()?,
        max_buffered_spans: match &c.max_buffered_spans {
            Some(n) => file_count(&file_key("sampling.tail.max_buffered_spans"), n)?,
            None => DEFAULT_TAIL_BUFFER,
        },
    })
}

/// The admin listener: `SEMTRACE_ADMIN_LISTEN` or `admin.listen`, with a token from
/// `SEMTRACE_ADMIN_TOKEN` or `admin.token`.
fn resolve_admin(env: &Env<'_>, config: &Config) -> Result<Option<AdminSettings>, InitError> {
    let a = &config.admin;
    let listen = pick(env, "admin_listen", None, as_is)
        .env(var::SEMTRACE_ADMIN_LISTEN, parse_listen)
        .file("admin.listen", a.listen.as_deref(), parse_listen)
        .found()?;
    let token = pick(env, "admin_token", None, as_is)
        .env(var::SEMTRACE_ADMIN_TOKEN, text)
        .file("admin.token", a.token.as_deref(), text)
        .found()?
        .filter(|t| !t.is_empty());
    let Some(listen) = listen else {
        return Ok(None);
    };
    if !listen.ip().is_loopback() && token.is_none() {
        return Err(InitError::invalid(
            "`admin.listen`",
            listen,
            "a loopback address such as `127.0.0.1:9464`, unless `admin.token` (or \
             `SEMTRACE_ADMIN_TOKEN`) is set: the admin endpoints change what is traced",
        ));
    }
    Ok(Some(AdminSettings { listen, token }))
}

/// `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`, or a port alone (on loopback).
fn parse_listen(key: &str, value: &str) -> Result<std::net::SocketAddr, InitError> {
    let v = value.trim();
    let loopback = std::net::Ipv4Addr::LOCALHOST;
    let parsed = if let Ok(port) = v.parse::<u16>() {
        Some(std::net::SocketAddr::from((loopback, port)))
    } else if let Some(port) = v.strip_prefix("localhost:") {
        port.parse::<u16>()
            .ok()
            .map(|p| std::net::SocketAddr::from((loopback, p)))
    } else {
        v.parse().ok()
    };
    parsed.ok_or_else(|| {
        InitError::invalid(
            key,
            value,
            "expected an address and port such as `127.0.0.1:9464`, or a port alone",
        )
    })
}

/// The metrics: which exporters, how often, and the OTLP metrics exporter's
/// settings, which fall back to the span exporter's (`OTEL_EXPORTER_OTLP_METRICS_*`
/// before `OTEL_EXPORTER_OTLP_*`).
fn resolve_metrics(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<MetricsSettings, InitError> {
    let m = &config.metrics;
    let enabled = pick(env, "metrics", None, as_is)
        .file("metrics.enabled", m.enabled.as_ref(), file_flag)
        .or(true)?;
    let interval = pick(env, "metrics_interval", o.metrics_interval, as_is)
        .env(var::OTEL_METRIC_EXPORT_INTERVAL, parse_millis)
        .file("metrics.interval", m.interval.as_ref(), file_duration)
        .or(DEFAULT_METRIC_INTERVAL)?;
    if interval.is_zero() {
        return Err(InitError::invalid(
            "`metrics.interval`",
            "0",
            "expected a positive duration such as `60s`",
        ));
    }
    let exemplar_filter = pick(
        env,
        "metrics_exemplar_filter",
        o.metrics_exemplar_filter,
        as_is,
    )
    .env(
        var::OTEL_METRICS_EXEMPLAR_FILTER,
        ExemplarFilter::parse_setting,
    )
    .file(
        "metrics.exemplar_filter",
        m.exemplar_filter.as_deref(),
        ExemplarFilter::parse_setting,
    )
    .or(ExemplarFilter::TraceBased)?;
    let prometheus_listen = pick(env, "metrics_prometheus_listen", None, as_is)
        .file(
            "metrics.prometheus.listen",
            m.prometheus.listen.as_deref(),
            parse_listen,
        )
        .found()?;
    let chosen = pick(
        env,
        "metrics_exporters",
        o.metrics_exporters.clone(),
        |key, list: Vec<MetricsExporter>| {
            let text: Vec<&str> = list.iter().map(|e| e.as_str()).collect();
            metrics_exporter_list(key, &text.join(","))
        },
    )
    .env(var::OTEL_METRICS_EXPORTER, metrics_exporter_list)
    .file(
        "metrics.exporters",
        m.exporters.as_deref(),
        |key, list: &[String]| metrics_exporter_list(key, &list.join(",")),
    )
    .found()?;
    let explicit_otlp = chosen
        .as_ref()
        .is_some_and(|l| l.contains(&MetricsExporter::Otlp));
    let otlp = if chosen.is_none() || explicit_otlp {
        resolve_metrics_otlp(o, env, config, explicit_otlp)?
    } else {
        None
    };
    let exporters = chosen.unwrap_or_else(|| {
        let mut list: Vec<MetricsExporter> = otlp.iter().map(|_| MetricsExporter::Otlp).collect();
        if prometheus_listen.is_some() {
            list.push(MetricsExporter::Prometheus);
        }
        list
    });
    Ok(MetricsSettings {
        enabled,
        exporters,
        interval,
        exemplar_filter,
        otlp,
        prometheus_listen,
    })
}

/// The OTLP metrics exporter: on when chosen (then the specification's default
/// endpoint applies) or when an endpoint is set.
fn resolve_metrics_otlp(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    explicit: bool,
) -> Result<Option<OtlpSettings>, InitError> {
    let c = &config.otlp;
    let m = &config.metrics;
    if let Some((key, v)) = env.get(var::OTEL_SDK_DISABLED)
        && parse_bool(&key, &v)?
    {
        return Ok(None);
    }
    if !explicit && (o.otlp == Some(false) || (o.otlp.is_none() && c.enabled == Some(false))) {
        return Ok(None);
    }
    let base = |key: &str, url: &str| -> Result<Endpoint, InitError> {
        Ok((key.to_owned(), url.to_owned(), true))
    };
    let as_given = |key: &str, url: &str| -> Result<Endpoint, InitError> {
        Ok((key.to_owned(), url.to_owned(), false))
    };
    let builder_endpoint = o
        .otlp_endpoint
        .clone()
        .map(|e| ("`TelemetryBuilder::otlp_endpoint`".to_owned(), e, true));
    let endpoint = pick(env, "otlp_endpoint", builder_endpoint, as_is)
        .env(var::OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, as_given)
        .env(var::OTEL_EXPORTER_OTLP_ENDPOINT, base)
        .file("metrics.endpoint", m.endpoint.as_deref(), as_given)
        .file("otlp.endpoint", c.endpoint.as_deref(), base)
        .found()?;
    let (endpoint_key, endpoint, is_base) = match endpoint {
        Some(endpoint) => endpoint,
        None if explicit => ("`OTEL_METRICS_EXPORTER`".to_owned(), String::new(), true),
        None => return Ok(None),
    };
    if !endpoint.is_empty() {
        check_endpoint(&endpoint_key, &endpoint)?;
    }
    let signal = Signal {
        vars: [
            var::OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
            var::OTEL_EXPORTER_OTLP_METRICS_HEADERS,
            var::OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
        ],
        timeout_vars: &[
            var::OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
            var::OTEL_EXPORTER_OTLP_TIMEOUT,
        ],
        protocol_file: Some(("metrics.protocol", m.protocol.as_deref())),
        path: "/v1/metrics",
    };
    transport(o, env, config, &signal, endpoint, is_base).map(Some)
}

/// Log records: off unless an exporter is chosen (`OTEL_LOGS_EXPORTER`,
/// `logs.exporters`, the builder) or a logs endpoint is set; the OTLP settings fall
/// back from `OTEL_EXPORTER_OTLP_LOGS_*` to the generic ones and `[otlp]`.
fn resolve_logs(o: &Overrides, env: &Env<'_>, config: &Config) -> Result<LogsSettings, InitError> {
    let l = &config.logs;
    let level = pick(env, "logs_level", o.logs_level.clone(), checked_filter)
        .file("logs.level", l.level.as_deref(), filter)
        .or_else(|| "info".to_owned())?;
    let chosen = pick(
        env,
        "logs_exporters",
        o.logs_exporters.clone(),
        |key, list: Vec<super::LogsExporter>| {
            let text: Vec<&str> = list.iter().map(|e| e.as_str()).collect();
            logs_exporter_list(key, &text.join(","))
        },
    )
    .env(var::OTEL_LOGS_EXPORTER, logs_exporter_list)
    .file(
        "logs.exporters",
        l.exporters.as_deref(),
        |key, list: &[String]| logs_exporter_list(key, &list.join(",")),
    )
    .found()?;
    let max_queue_size = pick(env, "logs_max_queue_size", None, at_least_one)
        .env(var::OTEL_BLRP_MAX_QUEUE_SIZE, parse_count)
        .file("logs.max_queue_size", l.max_queue_size.as_ref(), file_count)
        .or(DEFAULT_LOG_QUEUE_SIZE)?;
    let max_export_batch_size = pick(env, "logs_max_export_batch_size", None, at_least_one)
        .env(var::OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, parse_count)
        .file(
            "logs.max_export_batch_size",
            l.max_export_batch_size.as_ref(),
            file_count,
        )
        .or(DEFAULT_LOG_BATCH_SIZE)?
        .min(max_queue_size);
    let scheduled_delay = pick(env, "logs_scheduled_delay", None, as_is)
        .env(var::OTEL_BLRP_SCHEDULE_DELAY, parse_millis)
        .file(
            "logs.scheduled_delay",
            l.scheduled_delay.as_ref(),
            file_duration,
        )
        .or(DEFAULT_LOG_DELAY)?;
    let explicit = chosen
        .as_ref()
        .is_some_and(|list| list.contains(&super::LogsExporter::Otlp));
    let own_endpoint = o.logs_endpoint.is_some()
        || env.get(var::OTEL_EXPORTER_OTLP_LOGS_ENDPOINT).is_some()
        || l.endpoint.is_some();
    let disabled = match env.get(var::OTEL_SDK_DISABLED) {
        Some((key, v)) => parse_bool(&key, &v)?,
        None => false,
    };
    let otlp = if !disabled && (explicit || (chosen.is_none() && own_endpoint)) {
        Some(resolve_logs_otlp(o, env, config)?)
    } else {
        None
    };
    let exporters = match chosen {
        Some(list) if disabled => list
            .into_iter()
            .filter(|e| *e != super::LogsExporter::Otlp)
            .collect(),
        Some(list) => list,
        None => otlp.iter().map(|_| super::LogsExporter::Otlp).collect(),
    };
    Ok(LogsSettings {
        exporters,
        level,
        otlp,
        max_queue_size,
        max_export_batch_size,
        scheduled_delay,
    })
}

/// The OTLP log exporter's settings: the logs' own endpoint as given, else a
/// generic one with `/v1/logs` appended for HTTP, else the specification's default.
fn resolve_logs_otlp(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<OtlpSettings, InitError> {
    let l = &config.logs;
    let base = |key: &str, url: &str| -> Result<Endpoint, InitError> {
        Ok((key.to_owned(), url.to_owned(), true))
    };
    let as_given = |key: &str, url: &str| -> Result<Endpoint, InitError> {
        Ok((key.to_owned(), url.to_owned(), false))
    };
    let builder_endpoint = o
        .logs_endpoint
        .clone()
        .map(|e| ("`TelemetryBuilder::logs_endpoint`".to_owned(), e, false))
        .or_else(|| {
            o.otlp_endpoint
                .clone()
                .map(|e| ("`TelemetryBuilder::otlp_endpoint`".to_owned(), e, true))
        });
    let endpoint = pick(env, "logs_endpoint", builder_endpoint, as_is)
        .env(var::OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, as_given)
        .env(var::OTEL_EXPORTER_OTLP_ENDPOINT, base)
        .file("logs.endpoint", l.endpoint.as_deref(), as_given)
        .file("otlp.endpoint", config.otlp.endpoint.as_deref(), base)
        .found()?;
    let (endpoint_key, endpoint, is_base) =
        endpoint.unwrap_or_else(|| ("`OTEL_LOGS_EXPORTER`".to_owned(), String::new(), true));
    if !endpoint.is_empty() {
        check_endpoint(&endpoint_key, &endpoint)?;
    }
    let signal = Signal {
        vars: [
            var::OTEL_EXPORTER_OTLP_LOGS_PROTOCOL,
            var::OTEL_EXPORTER_OTLP_LOGS_HEADERS,
            var::OTEL_EXPORTER_OTLP_LOGS_COMPRESSION,
        ],
        timeout_vars: &[
            var::OTEL_EXPORTER_OTLP_LOGS_TIMEOUT,
            var::OTEL_EXPORTER_OTLP_TIMEOUT,
            var::OTEL_BLRP_EXPORT_TIMEOUT,
        ],
        protocol_file: Some(("logs.protocol", l.protocol.as_deref())),
        path: "/v1/logs",
    };
    transport(o, env, config, &signal, endpoint, is_base)
}

/// A signal's URL: the specification's default for the protocol when the exporter
/// was chosen without one, and `path` (`/v1/traces`) appended to an HTTP base URL.
fn signal_endpoint(endpoint: String, protocol: Protocol, is_base: bool, path: &str) -> String {
    let endpoint = if endpoint.is_empty() {
        // The specification's defaults.
        match protocol {
            Protocol::Grpc => "http://localhost:4317".to_owned(),
            _ => "http://localhost:4318".to_owned(),
        }
    } else {
        endpoint
    };
    if protocol == Protocol::HttpProtobuf && is_base && !endpoint.ends_with(path) {
        format!("{}{path}", endpoint.trim_end_matches('/'))
    } else {
        endpoint
    }
}

/// A protocol this build of semtrace can speak.
fn check_built(protocol: Protocol) -> Result<(), InitError> {
    let needs = match protocol {
        Protocol::Grpc if !cfg!(feature = "otlp-grpc") => Some("otlp-grpc"),
        Protocol::HttpProtobuf if !cfg!(feature = "otlp-http") => Some("otlp-http"),
        _ => None,
    };
    match needs {
        Some(feature) => Err(InitError::FeatureDisabled {
            what: format!("OTLP protocol `{protocol}`"),
            feature,
        }),
        None => Ok(()),
    }
}

/// Always resolved (with defaults when unset), so a bad value is reported even
/// before the exporter is chosen.
fn resolve_zipkin(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<ZipkinSettings, InitError> {
    let z = &config.exporters.zipkin;
    let checked = |key: &str, url: String| check_endpoint(key, &url).map(|()| url);
    let endpoint = pick(env, "zipkin_endpoint", o.zipkin_endpoint.clone(), checked)
        .env(var::OTEL_EXPORTER_ZIPKIN_ENDPOINT, |key, url| {
            checked(key, url.to_owned())
        })
        .file(
            "exporters.zipkin.endpoint",
            z.endpoint.as_deref(),
            |key, url| checked(key, url.to_owned()),
        )
        .or_else(|| DEFAULT_ZIPKIN_ENDPOINT.to_owned())?;
    let timeout = pick(env, "zipkin_timeout", o.zipkin_timeout, as_is)
        .env(var::OTEL_EXPORTER_ZIPKIN_TIMEOUT, parse_millis)
        .file(
            "exporters.zipkin.timeout_ms",
            z.timeout_ms.as_ref(),
            file_millis,
        )
        .or(DEFAULT_EXPORT_TIMEOUT)?;
    Ok(ZipkinSettings { endpoint, timeout })
}

/// Headers merge per name: file < generic variable < the signal's variable < builder.
fn resolve_headers(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
    signal_var: &'static str,
) -> Result<Headers, InitError> {
    let mut headers = config.otlp.headers.0.clone();
    for var in [var::OTEL_EXPORTER_OTLP_HEADERS, signal_var] {
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
    Ok(Headers(headers))
}
