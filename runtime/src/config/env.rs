//! Environment variables, read through an injectable lookup.

use super::file::EnvLookup;

/// Reads environment variables through the injected lookup, ignoring empty values.
pub(super) struct Env<'a>(EnvLookup<'a>);

impl<'a> Env<'a> {
    pub(super) fn new(lookup: EnvLookup<'a>) -> Self {
        Self(lookup)
    }

    pub(super) fn get(&self, name: &'static str) -> Option<(String, String)> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(|v| (format!("`{name}`"), v))
    }
}

/// Every environment variable semtrace reads, by the name the OpenTelemetry
/// specification (`OTEL_*`), tracing (`RUST_LOG`) or semtrace (`SEMTRACE_*`) gives
/// it: the one place a name is spelled.
pub(crate) mod var {
    /// The attribute count limits' fallback (spans, events, links).
    pub(crate) const OTEL_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_ATTRIBUTE_COUNT_LIMIT";
    /// Characters kept of a string attribute value, where the span's own is unset.
    pub(crate) const OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    /// The log batch processor's export timeout, milliseconds.
    pub(crate) const OTEL_BLRP_EXPORT_TIMEOUT: &str = "OTEL_BLRP_EXPORT_TIMEOUT";
    /// Log records per export call.
    pub(crate) const OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE";
    /// Log records held for export at most.
    pub(crate) const OTEL_BLRP_MAX_QUEUE_SIZE: &str = "OTEL_BLRP_MAX_QUEUE_SIZE";
    /// How often idle threads' log records are sent, milliseconds.
    pub(crate) const OTEL_BLRP_SCHEDULE_DELAY: &str = "OTEL_BLRP_SCHEDULE_DELAY";
    /// The variable `OTEL_BSP_EXPORT_TIMEOUT`.
    pub(crate) const OTEL_BSP_EXPORT_TIMEOUT: &str = "OTEL_BSP_EXPORT_TIMEOUT";
    /// The variable `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`.
    pub(crate) const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
    /// The variable `OTEL_BSP_MAX_QUEUE_SIZE`.
    pub(crate) const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
    /// The variable `OTEL_BSP_SCHEDULE_DELAY`.
    pub(crate) const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
    /// Attributes per event.
    pub(crate) const OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT";
    /// The variable `OTEL_EXPORTER_OTLP_COMPRESSION`.
    pub(crate) const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
    /// The variable `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub(crate) const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
    /// The variable `OTEL_EXPORTER_OTLP_HEADERS`.
    pub(crate) const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
    /// The variable `OTEL_EXPORTER_OTLP_LOGS_COMPRESSION`.
    pub(crate) const OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: &str =
        "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION";
    /// The logs endpoint, used as is (also turns log export on).
    pub(crate) const OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
    /// The variable `OTEL_EXPORTER_OTLP_LOGS_HEADERS`.
    pub(crate) const OTEL_EXPORTER_OTLP_LOGS_HEADERS: &str = "OTEL_EXPORTER_OTLP_LOGS_HEADERS";
    /// The variable `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL`.
    pub(crate) const OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL";
    /// The variable `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT`.
    pub(crate) const OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT";
    /// The variable `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`.
    pub(crate) const OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: &str =
        "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION";
    /// The variable `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`.
    pub(crate) const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str =
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    /// The variable `OTEL_EXPORTER_OTLP_METRICS_HEADERS`.
    pub(crate) const OTEL_EXPORTER_OTLP_METRICS_HEADERS: &str =
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
    /// The variable `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`.
    pub(crate) const OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: &str =
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";
    /// The variable `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`.
    pub(crate) const OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: &str =
        "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT";
    /// The variable `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub(crate) const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
    /// The variable `OTEL_EXPORTER_OTLP_TIMEOUT`.
    pub(crate) const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
    /// The variable `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`.
    pub(crate) const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str =
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
    /// The variable `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    pub(crate) const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str =
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    /// The variable `OTEL_EXPORTER_OTLP_TRACES_HEADERS`.
    pub(crate) const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
    /// The variable `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`.
    pub(crate) const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str =
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    /// The variable `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`.
    pub(crate) const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
    /// The variable `OTEL_EXPORTER_ZIPKIN_ENDPOINT`.
    pub(crate) const OTEL_EXPORTER_ZIPKIN_ENDPOINT: &str = "OTEL_EXPORTER_ZIPKIN_ENDPOINT";
    /// The variable `OTEL_EXPORTER_ZIPKIN_TIMEOUT`.
    pub(crate) const OTEL_EXPORTER_ZIPKIN_TIMEOUT: &str = "OTEL_EXPORTER_ZIPKIN_TIMEOUT";
    /// Attributes per link.
    pub(crate) const OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT";
    /// Where log records go (`otlp`, `console`, `none`).
    pub(crate) const OTEL_LOGS_EXPORTER: &str = "OTEL_LOGS_EXPORTER";
    /// The variable `OTEL_METRICS_EXEMPLAR_FILTER`.
    pub(crate) const OTEL_METRICS_EXEMPLAR_FILTER: &str = "OTEL_METRICS_EXEMPLAR_FILTER";
    /// The variable `OTEL_METRICS_EXPORTER`.
    pub(crate) const OTEL_METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
    /// The variable `OTEL_METRIC_EXPORT_INTERVAL`.
    pub(crate) const OTEL_METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
    /// Resource attributes, `key=value` pairs separated by commas.
    pub(crate) const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
    /// `true` turns export off.
    pub(crate) const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
    /// `service.name`.
    pub(crate) const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
    /// Attributes per span.
    pub(crate) const OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
    /// Characters kept of a span's string attribute value.
    pub(crate) const OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str =
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    /// Events per span.
    pub(crate) const OTEL_SPAN_EVENT_COUNT_LIMIT: &str = "OTEL_SPAN_EVENT_COUNT_LIMIT";
    /// Links per span.
    pub(crate) const OTEL_SPAN_LINK_COUNT_LIMIT: &str = "OTEL_SPAN_LINK_COUNT_LIMIT";
    /// The variable `OTEL_TRACES_EXPORTER`.
    pub(crate) const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
    /// The variable `OTEL_TRACES_SAMPLER`.
    pub(crate) const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
    /// The variable `OTEL_TRACES_SAMPLER_ARG`.
    pub(crate) const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
    /// The console filter, in `EnvFilter` syntax.
    pub(crate) const RUST_LOG: &str = "RUST_LOG";
    /// The variable `SEMTRACE_ADMIN_LISTEN`.
    pub(crate) const SEMTRACE_ADMIN_LISTEN: &str = "SEMTRACE_ADMIN_LISTEN";
    /// The variable `SEMTRACE_ADMIN_TOKEN`.
    pub(crate) const SEMTRACE_ADMIN_TOKEN: &str = "SEMTRACE_ADMIN_TOKEN";
    /// Whether `log` records become events (`true`, `false`).
    pub(crate) const SEMTRACE_LOG_BRIDGE: &str = "SEMTRACE_LOG_BRIDGE";
    /// Whether GenAI message content is recorded (`true`, `false`), the name the
    /// OpenTelemetry GenAI instrumentations of other languages read.
    pub(crate) const OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: &str =
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
    /// The config file to read.
    pub(crate) const SEMTRACE_CONFIG: &str = "SEMTRACE_CONFIG";
}
