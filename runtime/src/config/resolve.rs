//! Applies the precedence table. Every setting is one [`pick`] chain: the builder's
//! value, else the environment's, else the config file's, else the default — each
//! checked by the parser of its source, whose error names that source.

use std::path::PathBuf;
use std::time::Duration;

use super::env::Env;
use super::file::{Config, EnvLookup, Headers};
use super::overrides::Overrides;
use super::values::{
    Ansi, Compression, ConsoleFormat, FileFormat, Protocol, Rotation, Sampler, TracesExporter,
    at_least_one, check_endpoint, check_exporters, check_filter, exporter_list, file_count,
    file_flag, file_key, file_millis, filter, parse_bool, parse_count, parse_millis, parse_pairs,
    text,
};
use super::{
    ConsoleSettings, FileSettings, OtlpSettings, Settings, TracesSettings, ZipkinSettings,
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
pub(crate) fn resolve(
    o: &Overrides,
    lookup: EnvLookup<'_>,
    config: &Config,
) -> Result<Settings, InitError> {
    let env = Env::new(lookup);

    // Resource attributes merge per key: file < OTEL_RESOURCE_ATTRIBUTES < builder; a
    // `service.*` one stands between the environment and the file for its setting.
    let mut attributes = config.resource.clone();
    if let Some((key, value)) = env.get("OTEL_RESOURCE_ATTRIBUTES") {
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
        .env("OTEL_SERVICE_NAME", text)
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
    .env("OTEL_TRACES_EXPORTER", exporter_list)
    .file(
        "exporters.traces",
        config.exporters.traces.as_deref(),
        |key, list: &[String]| exporter_list(key, &list.join(",")),
    )
    .found()?;
    let otlp = resolve_otlp(o, &env, config, chosen.as_deref())?;
    // Unless chosen, OTLP is the exporter when an endpoint is set.
    let exporters = chosen.unwrap_or_else(|| otlp.iter().map(|_| TracesExporter::Otlp).collect());
    let mut traces = resolve_traces(o, &env, config)?;
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
    .env("RUST_LOG", filter)
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
    if let Some((key, v)) = env.get("OTEL_SDK_DISABLED")
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
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", |key, url| {
            Ok((key.to_owned(), url.to_owned(), false))
        })
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", base)
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

    let protocol = pick(env, "otlp_protocol", o.otlp_protocol, as_is)
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            Protocol::parse_setting,
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", Protocol::parse_setting)
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
    let endpoint = full_endpoint(endpoint, protocol, is_base);
    let headers = resolve_headers(o, env, config)?;

    let timeout = pick(env, "otlp_timeout", o.otlp_timeout, as_is)
        .env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", parse_millis)
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", parse_millis)
        .env("OTEL_BSP_EXPORT_TIMEOUT", parse_millis)
        .file("otlp.timeout_ms", c.timeout_ms.as_ref(), file_millis)
        .or(DEFAULT_EXPORT_TIMEOUT)?;
    let compression = pick(env, "otlp_compression", o.otlp_compression, as_is)
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            Compression::parse_setting,
        )
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", Compression::parse_setting)
        .file(
            "otlp.compression",
            c.compression.as_deref(),
            Compression::parse_setting,
        )
        .or(Compression::None)?;

    Ok(Some(OtlpSettings {
        endpoint,
        protocol,
        headers,
        timeout,
        compression,
    }))
}

fn resolve_traces(
    o: &Overrides,
    env: &Env<'_>,
    config: &Config,
) -> Result<TracesSettings, InitError> {
    let (otlp, batch, traces) = (&config.otlp, &config.otlp.batch, &config.traces);
    let level = pick(env, "otlp_level", o.otlp_level.clone(), checked_filter)
        .file("otlp.level", otlp.level.as_deref(), filter)
        .or_else(|| "info".to_owned())?;
    let sampler = pick(env, "sampler", o.sampler, |key, s: Sampler| s.validate(key))
        .env("OTEL_TRACES_SAMPLER", |key, kind| {
            let ratio = match env.get("OTEL_TRACES_SAMPLER_ARG") {
                Some((arg_key, arg)) => Some(arg.parse::<f64>().map_err(|_| {
                    InitError::invalid(&arg_key, &arg, "expected a ratio between 0.0 and 1.0")
                })?),
                None => None,
            };
            Sampler::from_parts(kind, ratio, key, "`OTEL_TRACES_SAMPLER_ARG`")
        })
        .file("otlp.sampler", otlp.sampler.as_ref(), |_, s| {
            Sampler::from_parts(
                &s.kind,
                s.ratio,
                &file_key("otlp.sampler.kind"),
                &file_key("otlp.sampler.ratio"),
            )
        })
        .or(Sampler::ParentBasedAlwaysOn)?;
    let max_queue_size = pick(env, "max_queue_size", o.max_queue_size, at_least_one)
        .env("OTEL_BSP_MAX_QUEUE_SIZE", parse_count)
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
    .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", parse_count)
    .file(
        "otlp.batch.max_export_batch_size",
        batch.max_export_batch_size.as_ref(),
        file_count,
    )
    .or(DEFAULT_BATCH_SIZE)?
    .min(max_queue_size);
    let scheduled_delay = pick(env, "scheduled_delay", o.scheduled_delay, as_is)
        .env("OTEL_BSP_SCHEDULE_DELAY", parse_millis)
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
        // Set by the caller, which also resolves the OTLP exporter.
        exporters: Vec::new(),
        console_exporter_path: None,
    })
}

/// The URL spans are sent to: the specification's default when OTLP was chosen
/// without one, and `/v1/traces` appended to an HTTP base URL.
fn full_endpoint(endpoint: String, protocol: Protocol, is_base: bool) -> String {
    let endpoint = if endpoint.is_empty() {
        // The specification's defaults.
        match protocol {
            Protocol::Grpc => "http://localhost:4317".to_owned(),
            _ => "http://localhost:4318".to_owned(),
        }
    } else {
        endpoint
    };
    if protocol == Protocol::HttpProtobuf && is_base && !endpoint.ends_with("/v1/traces") {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
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
        .env("OTEL_EXPORTER_ZIPKIN_ENDPOINT", |key, url| {
            checked(key, url.to_owned())
        })
        .file(
            "exporters.zipkin.endpoint",
            z.endpoint.as_deref(),
            |key, url| checked(key, url.to_owned()),
        )
        .or_else(|| DEFAULT_ZIPKIN_ENDPOINT.to_owned())?;
    let timeout = pick(env, "zipkin_timeout", o.zipkin_timeout, as_is)
        .env("OTEL_EXPORTER_ZIPKIN_TIMEOUT", parse_millis)
        .file(
            "exporters.zipkin.timeout_ms",
            z.timeout_ms.as_ref(),
            file_millis,
        )
        .or(DEFAULT_EXPORT_TIMEOUT)?;
    Ok(ZipkinSettings { endpoint, timeout })
}

/// Headers merge per name: file < generic variable < traces variable < builder.
fn resolve_headers(o: &Overrides, env: &Env<'_>, config: &Config) -> Result<Headers, InitError> {
    let mut headers = config.otlp.headers.0.clone();
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
    Ok(Headers(headers))
}
