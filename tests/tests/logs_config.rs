//! The log pipeline's settings: off unless chosen, `OTEL_LOGS_EXPORTER`, the logs'
//! own `OTEL_EXPORTER_OTLP_LOGS_*` variables before the generic ones, `OTEL_BLRP_*`,
//! `[logs]`, and errors that name the key, the value and what is allowed. Resolved
//! with an injected environment: no test touches the process environment.

use std::collections::HashMap;
use std::time::Duration;

use semtrace::config::{Compression, LogsExporter, Protocol};
use semtrace::{Config, Settings, TelemetryBuilder};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn builder(file: &str, vars: &[(&str, &str)]) -> TelemetryBuilder {
    let config = Config::parse(file, "test.toml", &env(vars)).unwrap();
    TelemetryBuilder::default()
        .config(config)
        .env_lookup(env(vars))
}

fn resolve(file: &str, vars: &[(&str, &str)]) -> Settings {
    builder(file, vars).resolve().unwrap()
}

fn resolve_err(file: &str, vars: &[(&str, &str)]) -> String {
    builder(file, vars).resolve().unwrap_err().to_string()
}

#[test]
fn off_by_default_even_with_a_generic_endpoint() {
    let s = resolve("", &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318")]);
    assert!(s.logs.exporters.is_empty());
    assert!(s.logs.otlp.is_none());
    assert!(s.otlp.is_some(), "spans are exported");
}

#[test]
fn chosen_logs_fall_back_to_the_generic_endpoint_with_v1_logs_appended() {
    let s = resolve(
        "",
        &[
            ("OTEL_LOGS_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ],
    );
    assert_eq!(s.logs.exporters, [LogsExporter::Otlp]);
    let o = s.logs.otlp.unwrap();
    assert_eq!(o.endpoint, "http://h:4318/v1/logs");
    assert_eq!(o.compression, Compression::Gzip);
}

#[test]
fn the_logs_endpoint_turns_them_on_and_is_used_as_is() {
    let s = resolve(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            (
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                "http://logs:9999/custom",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
            ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "250"),
        ],
    );
    assert_eq!(s.logs.exporters, [LogsExporter::Otlp]);
    let o = s.logs.otlp.unwrap();
    assert_eq!(o.endpoint, "http://logs:9999/custom");
    assert_eq!(
        o.protocol,
        Protocol::HttpProtobuf,
        "the logs' own variable wins"
    );
    assert_eq!(o.timeout, Duration::from_millis(250));
    // Spans keep the generic settings.
    assert_eq!(s.otlp.unwrap().protocol, Protocol::Grpc);
}

#[test]
fn chosen_without_any_endpoint_takes_the_specification_default() {
    let s = resolve("", &[("OTEL_LOGS_EXPORTER", "otlp")]);
    let o = s.logs.otlp.unwrap();
    assert!(
        o.endpoint.ends_with(":4318/v1/logs") || o.endpoint.ends_with(":4317"),
        "{}",
        o.endpoint
    );
}

#[test]
fn blrp_variables_win_over_the_logs_section() {
    let file = "[logs]\nexporters = [\"otlp\"]\nlevel = \"debug\"\nmax_queue_size = 100\nmax_export_batch_size = 10\nscheduled_delay = \"2s\"\n";
    let s = resolve(file, &[]);
    assert_eq!(s.logs.level, "debug");
    assert_eq!(
        (
            s.logs.max_queue_size,
            s.logs.max_export_batch_size,
            s.logs.scheduled_delay
        ),
        (100, 10, Duration::from_secs(2))
    );
    let s = resolve(
        file,
        &[
            ("OTEL_BLRP_MAX_QUEUE_SIZE", "50"),
            ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "500"),
            ("OTEL_BLRP_SCHEDULE_DELAY", "100"),
            ("OTEL_BLRP_EXPORT_TIMEOUT", "700"),
        ],
    );
    assert_eq!(
        (
            s.logs.max_queue_size,
            s.logs.max_export_batch_size,
            s.logs.scheduled_delay
        ),
        (50, 50, Duration::from_millis(100)),
        "a batch is never larger than the queue"
    );
    assert_eq!(s.logs.otlp.unwrap().timeout, Duration::from_millis(700));
}

#[test]
fn the_builder_wins_over_the_environment() {
    let s = builder("", &[("OTEL_LOGS_EXPORTER", "otlp")])
        .logs_exporters([LogsExporter::Console])
        .logs_level("warn")
        .resolve()
        .unwrap();
    assert_eq!(s.logs.exporters, [LogsExporter::Console]);
    assert!(s.logs.otlp.is_none());
    assert_eq!(s.logs.level, "warn");
}

#[test]
fn sdk_disabled_turns_otlp_logs_off() {
    let s = resolve(
        "",
        &[
            ("OTEL_LOGS_EXPORTER", "otlp"),
            ("OTEL_SDK_DISABLED", "true"),
        ],
    );
    assert!(s.logs.exporters.is_empty() && s.logs.otlp.is_none());
}

#[test]
fn bad_values_name_the_key_the_value_and_what_is_allowed() {
    assert_eq!(
        resolve_err("", &[("OTEL_LOGS_EXPORTER", "otlpp")]),
        "invalid value `otlpp` for `OTEL_LOGS_EXPORTER`: expected `otlp` `console` `none` (log exporter); did you mean `otlp`?"
    );
    assert_eq!(
        resolve_err("", &[("OTEL_LOGS_EXPORTER", "otlp,none")]),
        "invalid value `otlp,none` for `OTEL_LOGS_EXPORTER`: `none` stands alone: it turns every log exporter off"
    );
    assert_eq!(
        resolve_err("", &[("OTEL_BLRP_MAX_QUEUE_SIZE", "many")]),
        "invalid value `many` for `OTEL_BLRP_MAX_QUEUE_SIZE`: expected a whole number of at least 1"
    );
    let msg = resolve_err(
        "",
        &[
            ("OTEL_LOGS_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "udp"),
        ],
    );
    assert!(
        msg.starts_with("invalid value `udp` for `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL`: expected `grpc` `http/protobuf`"),
        "{msg}"
    );
    let msg = resolve_err("[logs]\nlevel = \"info,[\"\n", &[]);
    assert!(msg.contains("`logs.level`"), "{msg}");
    let msg = resolve_err("", &[("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "not a url")]);
    assert!(
        msg.contains("`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`") && msg.contains("not a url"),
        "{msg}"
    );
}

#[test]
fn an_unknown_key_of_the_logs_section_names_the_closest() {
    let err = Config::parse("[logs]\nlevl = \"info\"\n", "test.toml", &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("logs.levl") && err.contains("logs.level"),
        "{err}"
    );
}
