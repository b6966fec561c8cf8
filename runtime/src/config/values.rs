//! The values settings take: the keyword enums, the sampler, and the parsers that
//! check a value and name its setting, the value and what is allowed when it is
//! wrong (with the closest allowed word).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::InitError;

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
    /// Each trace as an indented tree when its local root ends: spans with kind,
    /// duration, status and fields, log events in place.
    Tree,
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

/// Where spans are exported (`OTEL_TRACES_EXPORTER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TracesExporter {
    /// OTLP to a collector (`otlp`).
    Otlp,
    /// OTLP JSON lines on stdout or in a file (`console`); feature `json`.
    Console,
    /// Zipkin v2 JSON (`zipkin`).
    Zipkin,
    /// Nothing (`none`); spans still get ids for logs and propagation.
    None,
}

/// Where log records are exported (`OTEL_LOGS_EXPORTER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogsExporter {
    /// OTLP to a collector (`otlp`).
    Otlp,
    /// OTLP JSON lines on stdout (`console`); feature `json`.
    Console,
    /// Nothing (`none`).
    None,
}

/// Where metrics are exported (`OTEL_METRICS_EXPORTER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsExporter {
    /// OTLP to a collector (`otlp`).
    Otlp,
    /// The Prometheus text format on `GET /metrics` (`prometheus`); feature `prometheus`.
    Prometheus,
    /// Nothing (`none`).
    None,
}

/// Which calls' measurements a duration histogram keeps as exemplars
/// (`OTEL_METRICS_EXEMPLAR_FILTER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExemplarFilter {
    /// Calls whose span is sampled (`trace_based`, the specification's default).
    #[default]
    TraceBased,
    /// Every call inside a span, sampled or not (`always_on`).
    AlwaysOn,
    /// None (`always_off`).
    AlwaysOff,
}

/// How traces are chosen for export (`[sampling] mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SamplingMode {
    /// Nothing is recorded or exported; annotated calls take `tracing`'s disabled
    /// path for the pipeline (console and file output are unaffected).
    Off,
    /// The head sampler: a share of traces by trace id (`ratio`), and the remote
    /// parent's decision when `parent_based`.
    Ratio,
    /// Every trace.
    Full,
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
            const NAMES: &'static [&'static str] = &[$($name),*];

            /// Parses a setting's value; the error names `key`, the value, what is
            /// allowed and the closest name.
            pub(super) fn parse_setting(key: &str, value: &str) -> Result<Self, InitError> {
                value
                    .parse()
                    .map_err(|()| InitError::invalid(key, value, allowed_with_hint(Self::ALLOWED, Self::NAMES, value)))
            }

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

keyword_enum!(ConsoleFormat, "console format", { "full" => Full, "compact" => Compact, "pretty" => Pretty, "json" => Json, "tree" => Tree });
keyword_enum!(Ansi, "when to use colours", { "auto" => Auto, "always" => Always, "never" => Never });
keyword_enum!(Rotation, "file rotation", { "never" => Never, "minutely" => Minutely, "hourly" => Hourly, "daily" => Daily });
keyword_enum!(FileFormat, "file format", { "text" => Text, "json" => Json });
keyword_enum!(Protocol, "OTLP protocol", { "grpc" => Grpc, "http/protobuf" => HttpProtobuf });
keyword_enum!(Compression, "OTLP compression", { "none" => None, "gzip" => Gzip });
keyword_enum!(SamplingMode, "sampling mode", { "off" => Off, "ratio" => Ratio, "full" => Full });
keyword_enum!(MetricsExporter, "metrics exporter", { "otlp" => Otlp, "prometheus" => Prometheus, "none" => None });
keyword_enum!(LogsExporter, "log exporter", { "otlp" => Otlp, "console" => Console, "none" => None });
keyword_enum!(ExemplarFilter, "exemplar filter", { "trace_based" => TraceBased, "always_on" => AlwaysOn, "always_off" => AlwaysOff });
keyword_enum!(TracesExporter, "span exporter", { "otlp" => Otlp, "console" => Console, "zipkin" => Zipkin, "none" => None });

/// A comma-separated list of span exporters, as `OTEL_TRACES_EXPORTER` takes it.
pub(super) fn exporter_list(key: &str, value: &str) -> Result<Vec<TracesExporter>, InitError> {
    let list = value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| TracesExporter::parse_setting(key, v))
        .collect::<Result<Vec<_>, _>>()?;
    check_exporters(key, list)
}

/// A list of exporters: not empty, `none` alone, no repeats.
pub(super) fn check_exporters(
    key: &str,
    mut list: Vec<TracesExporter>,
) -> Result<Vec<TracesExporter>, InitError> {
    let shown = || {
        list.iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    if list.is_empty() {
        return Err(InitError::invalid(
            key,
            "",
            "expected `otlp`, `console`, `zipkin` or `none`, or a comma-separated list of them",
        ));
    }
    if list.len() > 1 && list.contains(&TracesExporter::None) {
        return Err(InitError::invalid(
            key,
            shown(),
            "`none` stands alone: it turns every span exporter off",
        ));
    }
    list.dedup();
    list.retain(|e| *e != TracesExporter::None);
    Ok(list)
}

/// A comma-separated list of metrics exporters (`OTEL_METRICS_EXPORTER`): `none`
/// alone means an empty list.
pub(super) fn metrics_exporter_list(
    key: &str,
    value: &str,
) -> Result<Vec<MetricsExporter>, InitError> {
    let mut list = value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| MetricsExporter::parse_setting(key, v))
        .collect::<Result<Vec<_>, _>>()?;
    if list.is_empty() {
        return Err(InitError::invalid(
            key,
            "",
            "expected `otlp`, `prometheus` or `none`, or a comma-separated list of them",
        ));
    }
    if list.len() > 1 && list.contains(&MetricsExporter::None) {
        return Err(InitError::invalid(
            key,
            value,
            "`none` stands alone: it turns every metrics exporter off",
        ));
    }
    list.dedup();
    list.retain(|e| *e != MetricsExporter::None);
    Ok(list)
}

/// A comma-separated list of log exporters (`OTEL_LOGS_EXPORTER`): `none` alone
/// means an empty list.
pub(super) fn logs_exporter_list(key: &str, value: &str) -> Result<Vec<LogsExporter>, InitError> {
    let mut list = value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| LogsExporter::parse_setting(key, v))
        .collect::<Result<Vec<_>, _>>()?;
    if list.is_empty() {
        return Err(InitError::invalid(
            key,
            "",
            "expected `otlp`, `console` or `none`, or a comma-separated list of them",
        ));
    }
    if list.len() > 1 && list.contains(&LogsExporter::None) {
        return Err(InitError::invalid(
            key,
            value,
            "`none` stands alone: it turns every log exporter off",
        ));
    }
    list.dedup();
    list.retain(|e| *e != LogsExporter::None);
    Ok(list)
}

const SAMPLER_NAMES: &[&str] = &[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
];
const SAMPLER_KINDS: &str = "expected `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or `parentbased_traceidratio`";

impl Sampler {
    pub(super) fn from_parts(
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
            _ => {
                return Err(InitError::invalid(
                    kind_key,
                    kind,
                    allowed_with_hint(SAMPLER_KINDS, SAMPLER_NAMES, kind),
                ));
            }
        })
    }
}

pub(crate) fn check_ratio(ratio: f64, key: &str) -> Result<f64, InitError> {
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

/// `allowed`, plus "did you mean" when a name is close to `value`.
fn allowed_with_hint(allowed: &str, names: &[&str], value: &str) -> String {
    match semtrace_semconv::suggest::closest(value.trim(), names.iter().copied()) {
        Some(best) => format!("{allowed}; did you mean `{best}`?"),
        None => allowed.to_owned(),
    }
}

pub(super) fn file_key(key: &str) -> String {
    format!("`{key}` in config file")
}

pub(super) fn parse_count(key: &str, value: &str) -> Result<usize, InitError> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(InitError::invalid(
            key,
            value,
            "expected a whole number of at least 1",
        )),
    }
}

/// A count from the config file (TOML integers are `i64`).
#[allow(clippy::trivially_copy_pass_by_ref)] // the shape every file parser has
pub(super) fn file_count(key: &str, value: &i64) -> Result<usize, InitError> {
    parse_count(key, &value.to_string())
}

/// A limit (0 or more) from a variable.
pub(super) fn parse_limit(key: &str, value: &str) -> Result<usize, InitError> {
    value.parse::<usize>().map_err(|_| {
        InitError::invalid(
            key,
            value,
            "expected a whole number of 0 or more (the OpenTelemetry span limits)",
        )
    })
}

/// A limit (0 or more) from the config file.
#[allow(clippy::trivially_copy_pass_by_ref)] // the shape every file parser has
pub(super) fn file_limit(key: &str, value: &i64) -> Result<usize, InitError> {
    parse_limit(key, &value.to_string())
}

/// A count from a builder call.
pub(super) fn at_least_one(key: &str, value: usize) -> Result<usize, InitError> {
    if value == 0 {
        Err(InitError::invalid(
            key,
            0,
            "expected a whole number of at least 1",
        ))
    } else {
        Ok(value)
    }
}

/// Milliseconds from the config file.
#[allow(clippy::trivially_copy_pass_by_ref, clippy::unnecessary_wraps)] // the shape every file parser has
pub(super) fn file_millis(_key: &str, value: &u64) -> Result<Duration, InitError> {
    Ok(Duration::from_millis(*value))
}

/// A flag from the config file.
#[allow(clippy::trivially_copy_pass_by_ref, clippy::unnecessary_wraps)] // the shape every file parser has
pub(super) fn file_flag(_key: &str, value: &bool) -> Result<bool, InitError> {
    Ok(*value)
}

/// Text taken as it is.
#[allow(clippy::unnecessary_wraps)] // the shape every parser has
pub(super) fn text(_key: &str, value: &str) -> Result<String, InitError> {
    Ok(value.to_owned())
}

/// An `EnvFilter` directive string from any source.
pub(super) fn filter(key: &str, value: &str) -> Result<String, InitError> {
    check_filter(key, value.to_owned())
}

/// A duration written with units, as in `500ms`, `30s`, `10m`, `1h` or `1h 30m`.
pub(crate) fn parse_duration(key: &str, value: &str) -> Result<Duration, InitError> {
    humantime::parse_duration(value.trim()).map_err(|_| {
        InitError::invalid(
            key,
            value,
            "expected a duration with units, such as `500ms`, `30s`, `10m` or `1h`",
        )
    })
}

/// A duration from the config file: text with units, or a whole number of
/// milliseconds.
pub(super) fn file_duration(
    key: &str,
    value: &super::file::DurationValue,
) -> Result<Duration, InitError> {
    match value {
        super::file::DurationValue::Millis(ms) => Ok(Duration::from_millis(*ms)),
        super::file::DurationValue::Text(text) => parse_duration(key, text),
    }
}

pub(super) fn parse_millis(key: &str, value: &str) -> Result<Duration, InitError> {
    value
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| InitError::invalid(key, value, "expected a whole number of milliseconds"))
}

pub(super) fn parse_bool(key: &str, value: &str) -> Result<bool, InitError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(InitError::invalid(key, value, "expected `true` or `false`")),
    }
}

/// Checks an `EnvFilter` directive string.
pub(super) fn check_filter(key: &str, value: String) -> Result<String, InitError> {
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
pub(super) fn check_endpoint(key: &str, value: &str) -> Result<(), InitError> {
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
pub(super) fn parse_pairs(
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

/// The span limits of the OpenTelemetry specification (`[traces.limits]`,
/// `OTEL_SPAN_*_LIMIT`): what one span keeps at most. Beyond a count the first ones
/// are kept and the rest dropped and counted; longer string values are cut.
///
/// ```
/// let mut limits = semtrace::config::SpanLimits::default();
/// limits.attribute_count = 32;
/// limits.attribute_value_length = Some(1024);
/// let builder = semtrace::Telemetry::builder("svc").span_limits(limits);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanLimits {
    /// Attributes per span (default 128).
    pub attribute_count: usize,
    /// Events per span (default 128).
    pub event_count: usize,
    /// Links per span (default 128).
    pub link_count: usize,
    /// Attributes per event (default 128).
    pub event_attribute_count: usize,
    /// Attributes per link (default 128).
    pub link_attribute_count: usize,
    /// Characters kept of a string value, and of each string of a string array, of
    /// the span's, its events' and its links' attributes (default: no limit).
    pub attribute_value_length: Option<usize>,
}

impl SpanLimits {
    /// The specification's default of every count limit.
    pub const DEFAULT_COUNT: usize = 128;
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self {
            attribute_count: Self::DEFAULT_COUNT,
            event_count: Self::DEFAULT_COUNT,
            link_count: Self::DEFAULT_COUNT,
            event_attribute_count: Self::DEFAULT_COUNT,
            link_attribute_count: Self::DEFAULT_COUNT,
            attribute_value_length: None,
        }
    }
}
