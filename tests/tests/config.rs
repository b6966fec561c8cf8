//! Config file errors and the precedence table (builder > env > file > defaults),
//! resolved with an injected environment so no test touches the process environment.

use std::collections::HashMap;
use std::time::Duration;

use semtrace::config::{Compression, ConsoleFormat, Protocol, Rotation, Sampler};
use semtrace::{Config, InitError, Settings, TelemetryBuilder};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn parse(text: &str) -> Result<Config, InitError> {
    Config::parse(text, "test.toml", &env(&[]))
}

fn parse_err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
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

fn resolve_err(b: &TelemetryBuilder) -> String {
    b.resolve().unwrap_err().to_string()
}

// ---- config file errors ----

#[test]
fn unknown_key_names_path_and_closest_key() {
    assert_eq!(
        parse_err("[otlp]\nendpont = \"http://x:4317\""),
        "unknown key `otlp.endpont` in config file test.toml; did you mean `otlp.endpoint`?"
    );
}

#[test]
fn unknown_nested_key_names_full_path() {
    assert_eq!(
        parse_err("[otlp]\nsampler = { knd = \"always_on\" }"),
        "unknown key `otlp.sampler.knd` in config file test.toml; did you mean `otlp.sampler.kind`?"
    );
}

#[test]
fn unknown_key_without_close_match_has_no_suggestion() {
    assert_eq!(
        parse_err("[console]\nzzz = 1"),
        "unknown key `console.zzz` in config file test.toml"
    );
}

#[test]
fn unknown_section_suggests_section() {
    assert_eq!(
        parse_err("[consol]\nlevel = \"info\""),
        "unknown key `consol` in config file test.toml; did you mean `console`?"
    );
}

#[test]
fn ratio_out_of_range() {
    let b = builder(
        "[otlp]\nendpoint = \"http://h:4317\"\nsampler = { kind = \"traceidratio\", ratio = 1.5 }",
        &[],
    );
    assert_eq!(
        resolve_err(&b),
        "invalid value `1.5` for `otlp.sampler.ratio` in config file: expected a ratio between 0.0 and 1.0"
    );
}

#[test]
fn unknown_sampler_kind() {
    let b = builder(
        "[otlp]\nendpoint = \"http://h:4317\"\nsampler = { kind = \"sometimes\" }",
        &[],
    );
    assert!(
        resolve_err(&b).starts_with(
            "invalid value `sometimes` for `otlp.sampler.kind` in config file: expected `always_on`"
        ),
        "{}",
        resolve_err(&b)
    );
}

#[test]
fn malformed_url() {
    let b = builder("[otlp]\nendpoint = \"localhost:4317\"", &[]);
    assert_eq!(
        resolve_err(&b),
        "invalid value `localhost:4317` for `otlp.endpoint` in config file: expected an absolute `http://` or `https://` URL such as `http://localhost:4317`"
    );
}

#[test]
fn unknown_protocol() {
    let b = builder(
        "[otlp]\nendpoint = \"http://h:4317\"\nprotocol = \"carrier-pigeon\"",
        &[],
    );
    assert_eq!(
        resolve_err(&b),
        "invalid value `carrier-pigeon` for `otlp.protocol` in config file: expected `grpc` `http/protobuf` (OTLP protocol)"
    );
}

#[test]
fn a_misspelt_value_names_the_closest_allowed_one() {
    let b = builder(
        "[otlp]\nendpoint = \"http://h:4317\"",
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "gprc")],
    );
    assert_eq!(
        resolve_err(&b),
        "invalid value `gprc` for `OTEL_EXPORTER_OTLP_PROTOCOL`: expected `grpc` `http/protobuf` (OTLP protocol); did you mean `grpc`?"
    );
    let b = builder("[console]\nformat = \"compat\"", &[]);
    assert!(
        resolve_err(&b).ends_with("did you mean `compact`?"),
        "{}",
        resolve_err(&b)
    );
    let b = builder("", &[("OTEL_TRACES_SAMPLER", "parentbased_alwayson")]);
    assert!(
        resolve_err(&b).ends_with("did you mean `parentbased_always_on`?"),
        "{}",
        resolve_err(&b)
    );
}

#[test]
fn the_traces_section_sets_the_pipeline() {
    let s = resolve(
        "[traces]\nmax_concurrent_exports = 3\ncode_attributes = true\ntiming_attributes = true",
        &[],
    );
    assert_eq!(s.traces.max_concurrent_exports, 3);
    assert!(s.traces.code_attributes && s.traces.timing_attributes);
    assert!(!s.traces.thread_attributes);
    assert_eq!(s.traces.max_queue_size, 16_384, "documented default");
    assert_eq!(s.traces.max_export_batch_size, 2048, "documented default");
    assert_eq!(
        parse_err("[traces]\nthread_attribute = true"),
        "unknown key `traces.thread_attribute` in config file test.toml; did you mean `traces.thread_attributes`?"
    );
    let b = builder("[traces]\nmax_concurrent_exports = 0", &[]);
    assert_eq!(
        resolve_err(&b),
        "invalid value `0` for `traces.max_concurrent_exports` in config file: expected a whole number of at least 1"
    );
}

#[test]
fn span_exporters_follow_otel_traces_exporter() {
    use semtrace::config::TracesExporter as E;
    // An endpoint alone means OTLP.
    let s = resolve("[otlp]\nendpoint = \"http://h:4317\"", &[]);
    assert_eq!(s.traces.exporters, [E::Otlp]);
    // Chosen: OTLP without an endpoint gets the specification's default.
    let s = resolve("", &[("OTEL_TRACES_EXPORTER", "otlp,console")]);
    assert_eq!(s.traces.exporters, [E::Otlp, E::Console]);
    assert_eq!(s.otlp.unwrap().endpoint, "http://localhost:4318/v1/traces");
    // `none` turns OTLP off even with an endpoint.
    let s = resolve(
        "[otlp]\nendpoint = \"http://h:4317\"",
        &[("OTEL_TRACES_EXPORTER", "none")],
    );
    assert!(s.traces.exporters.is_empty() && s.otlp.is_none());
    // Console only, from the file, with its path.
    let s = resolve(
        "[exporters]\ntraces = [\"console\"]\nconsole = { path = \"spans.jsonl\" }",
        &[],
    );
    assert_eq!(s.traces.exporters, [E::Console]);
    assert!(s.otlp.is_none());
    assert_eq!(
        s.traces.console_exporter_path.as_deref(),
        Some(std::path::Path::new("spans.jsonl"))
    );
    let b = builder("", &[("OTEL_TRACES_EXPORTER", "otlp,jaegr")]);
    assert!(
        resolve_err(&b).starts_with("invalid value `jaegr` for `OTEL_TRACES_EXPORTER`"),
        "{}",
        resolve_err(&b)
    );
    let b = builder("", &[("OTEL_TRACES_EXPORTER", "none,otlp")]);
    assert_eq!(
        resolve_err(&b),
        "invalid value `none,otlp` for `OTEL_TRACES_EXPORTER`: `none` stands alone: it turns every span exporter off"
    );
}

#[test]
fn max_files_zero() {
    let b = builder("[file]\npath = \"logs\"\nmax_files = 0", &[]);
    assert_eq!(
        resolve_err(&b),
        "invalid value `0` for `file.max_files` in config file: expected a whole number of at least 1"
    );
}

#[test]
fn unset_variable_without_default() {
    let err = Config::parse(
        "[otlp]\nheaders = { \"x-api-key\" = \"${OTLP_API_KEY}\" }",
        "test.toml",
        &env(&[]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable `OTLP_API_KEY` used in `otlp.headers.x-api-key` is not set; set it or give a default with `${OTLP_API_KEY:-default}`"
    );
}

#[test]
fn variable_with_default_and_set_variable_expand() {
    let config = Config::parse(
        "[service]\nversion = \"${APP_VERSION:-0.0.0}\"\nname = \"${NAME}\"",
        "test.toml",
        &env(&[("NAME", "coordinator")]),
    )
    .unwrap();
    assert_eq!(config.service.version.as_deref(), Some("0.0.0"));
    assert_eq!(config.service.name.as_deref(), Some("coordinator"));
}

#[test]
fn wrong_type_is_a_parse_error_with_position() {
    let msg = parse_err("[file]\nmax_files = \"seven\"");
    assert!(msg.starts_with("invalid config file test.toml:"), "{msg}");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn invalid_level_filter() {
    let b = builder("[console]\nlevel = \"info,[[\"", &[]);
    assert!(
        resolve_err(&b).starts_with("invalid value `info,[[` for `console.level` in config file"),
        "{}",
        resolve_err(&b)
    );
}

#[test]
fn invalid_env_values_name_the_variable() {
    let b = builder(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4317"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ],
    );
    assert_eq!(
        resolve_err(&b),
        "invalid value `2` for `OTEL_TRACES_SAMPLER_ARG`: expected a ratio between 0.0 and 1.0"
    );
    let b = builder(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4317"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "many"),
        ],
    );
    assert_eq!(
        resolve_err(&b),
        "invalid value `many` for `OTEL_BSP_MAX_QUEUE_SIZE`: expected a whole number of at least 1"
    );
}

#[test]
fn header_values_never_appear_in_errors_or_debug() {
    let b = builder(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4317"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s3cr3t,broken"),
        ],
    );
    let msg = resolve_err(&b);
    assert!(!msg.contains("s3cr3t"), "{msg}");
    assert!(msg.contains("`OTEL_EXPORTER_OTLP_HEADERS`"), "{msg}");

    let config = Config::parse(
        "[otlp]\nendpoint = \"http://h:4317\"\nheaders = { \"x-api-key\" = \"s3cr3t\" }",
        "t",
        &env(&[]),
    )
    .unwrap();
    let settings = TelemetryBuilder::default()
        .config(config.clone())
        .otlp_header("authorization", "Bearer t0ken")
        .env_lookup(env(&[]))
        .resolve()
        .unwrap();
    let debug = format!("{settings:?} {config:?}");
    assert!(
        !debug.contains("s3cr3t") && !debug.contains("t0ken"),
        "{debug}"
    );
    assert!(
        debug.contains("x-api-key") && debug.contains("<redacted>"),
        "{debug}"
    );
    assert_eq!(
        settings.otlp.unwrap().headers.get("x-api-key"),
        Some("s3cr3t")
    );
}

// ---- precedence: one test per row of the table ----

const FILE: &str = r#"
[service]
name = "from-file"
[console]
level = "warn"
format = "compact"
[otlp]
endpoint = "http://file:4317"
protocol = "grpc"
timeout_ms = 1000
sampler = { kind = "always_off" }
"#;

#[test]
fn row4_defaults_without_env_or_file() {
    let s = resolve("", &[]);
    assert!(
        s.service_name.starts_with("unknown_service"),
        "{}",
        s.service_name
    );
    let console = s.console.unwrap();
    assert_eq!(console.level, "info");
    assert_eq!(console.format, ConsoleFormat::Full);
    assert!(s.file.is_none());
    assert!(s.otlp.is_none(), "no endpoint: no export");
    assert_eq!(s.shutdown_timeout, Duration::from_secs(5));
}

#[test]
fn row3_file_beats_defaults() {
    let s = resolve(FILE, &[]);
    assert_eq!(s.service_name, "from-file");
    assert_eq!(s.console.as_ref().unwrap().level, "warn");
    assert_eq!(s.console.unwrap().format, ConsoleFormat::Compact);
    let otlp = s.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://file:4317");
    assert_eq!(otlp.protocol, Protocol::Grpc);
    assert_eq!(otlp.timeout, Duration::from_secs(1));
    assert_eq!(s.traces.sampler, Sampler::AlwaysOff);
}

#[test]
fn row2_env_beats_file() {
    let s = resolve(
        FILE,
        &[
            ("OTEL_SERVICE_NAME", "from-env"),
            ("RUST_LOG", "debug"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ],
    );
    assert_eq!(s.service_name, "from-env");
    assert_eq!(s.console.unwrap().level, "debug");
    let otlp = s.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://env:4318/v1/traces");
    assert_eq!(otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(otlp.timeout, Duration::from_millis(2500));
    assert_eq!(s.traces.sampler, Sampler::ParentBasedTraceIdRatio(0.25));
}

#[test]
fn row1_builder_beats_env() {
    let s = builder(
        FILE,
        &[
            ("OTEL_SERVICE_NAME", "from-env"),
            ("RUST_LOG", "debug"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318"),
            ("OTEL_TRACES_SAMPLER", "always_on"),
        ],
    )
    .service_name("from-builder")
    .console_level("error")
    .otlp_endpoint("http://builder:4317")
    .otlp_protocol(Protocol::Grpc)
    .sampler(Sampler::TraceIdRatio(0.5))
    .resolve()
    .unwrap();
    assert_eq!(s.service_name, "from-builder");
    assert_eq!(s.console.unwrap().level, "error");
    let otlp = s.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://builder:4317");
    assert_eq!(s.traces.sampler, Sampler::TraceIdRatio(0.5));
}

#[test]
fn maps_merge_per_key_in_precedence_order() {
    let file = "[resource]\nteam = \"file\"\nregion = \"file\"\n[otlp]\nendpoint = \"http://h:4317\"\nheaders = { a = \"file\", b = \"file\" }";
    let s = builder(
        file,
        &[
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "region=env,service.version=1.2.3,zone=a%20b",
            ),
            ("OTEL_EXPORTER_OTLP_HEADERS", "b=env,c=env"),
        ],
    )
    .otlp_header("c", "builder")
    .resource_attribute("zone", "builder")
    .resolve()
    .unwrap();
    assert_eq!(s.resource_attributes["team"], "file");
    assert_eq!(s.resource_attributes["region"], "env");
    assert_eq!(s.resource_attributes["zone"], "builder");
    assert_eq!(s.service_version.as_deref(), Some("1.2.3"));
    assert!(!s.resource_attributes.contains_key("service.version"));
    let headers = s.otlp.unwrap().headers;
    assert_eq!(headers.get("a"), Some("file"));
    assert_eq!(headers.get("b"), Some("env"));
    assert_eq!(headers.get("c"), Some("builder"));
}

#[test]
fn sdk_disabled_turns_export_off_whatever_else_is_set() {
    let s = builder(FILE, &[("OTEL_SDK_DISABLED", "true")])
        .otlp_endpoint("http://builder:4317")
        .resolve()
        .unwrap();
    assert!(s.otlp.is_none());
    let s = resolve(FILE, &[("OTEL_SDK_DISABLED", "false")]);
    assert!(s.otlp.is_some());
}

#[test]
fn traces_specific_variables_win_and_endpoint_is_used_as_is() {
    let s = resolve(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://traces:4318/custom",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "900"),
        ],
    );
    let otlp = s.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://traces:4318/custom");
    assert_eq!(otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(otlp.compression, Compression::Gzip);
    assert_eq!(otlp.timeout, Duration::from_millis(700));
}

#[test]
fn batch_settings_from_env_and_file() {
    let file = "[otlp]\nendpoint = \"http://h:4317\"\nbatch = { max_queue_size = 100, scheduled_delay_ms = 50, max_export_batch_size = 10 }";
    let s = resolve(file, &[("OTEL_BSP_MAX_QUEUE_SIZE", "300")]);
    assert!(s.otlp.is_some());
    assert_eq!(s.traces.max_queue_size, 300);
    assert_eq!(s.traces.scheduled_delay, Duration::from_millis(50));
    assert_eq!(s.traces.max_export_batch_size, 10);
}

#[test]
fn semtrace_config_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("telemetry.toml");
    std::fs::write(
        &path,
        "[service]\nname = \"from-semtrace-config\"\n[file]\npath = \"logs\"\nrotation = \"hourly\"\nmax_files = 3",
    )
    .unwrap();
    let path_str = path.to_str().unwrap().to_owned();
    let s = TelemetryBuilder::default()
        .env_lookup(move |name| (name == "SEMTRACE_CONFIG").then(|| path_str.clone()))
        .resolve()
        .unwrap();
    assert_eq!(s.service_name, "from-semtrace-config");
    let file = s.file.unwrap();
    assert_eq!(file.rotation, Rotation::Hourly);
    assert_eq!(file.max_files, Some(3));
    assert_eq!(file.prefix, "from-semtrace-config");
}

#[test]
fn missing_config_file_names_the_path() {
    let err = TelemetryBuilder::default()
        .env_lookup(env(&[]))
        .config_file("does/not/exist.toml")
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot read config file `does/not/exist.toml`:"),
        "{err}"
    );
}

#[test]
fn the_sampling_section_sets_mode_ratio_and_parent_based() {
    use semtrace::SamplingMode;
    let s = resolve("[sampling]\nmode = \"full\"\n", &[]);
    assert_eq!(s.traces.sampling.mode, SamplingMode::Full);
    assert_eq!(s.traces.sampler, Sampler::AlwaysOn);
    let s = resolve("[sampling]\nratio = 0.1\n", &[]);
    let t = &s.traces.sampling;
    assert_eq!(
        (t.mode, t.ratio, t.parent_based),
        (SamplingMode::Ratio, 0.1, true)
    );
    assert_eq!(s.traces.sampler, Sampler::ParentBasedTraceIdRatio(0.1));
    assert!(s.warnings.is_empty());
    // The environment still wins over the file, as the specification's variables do.
    let s = resolve(
        "[sampling]\nmode = \"off\"\n",
        &[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ],
    );
    let t = &s.traces.sampling;
    assert_eq!(
        (t.mode, t.ratio, t.parent_based),
        (SamplingMode::Ratio, 0.25, false)
    );
    let s = resolve("[sampling]\nmode = \"off\"\n", &[]);
    assert_eq!(s.traces.sampling.mode, SamplingMode::Off);
}

#[test]
fn the_old_sampler_key_still_works_with_a_warning_naming_the_new_one() {
    use semtrace::SamplingMode;
    let s = resolve(
        "[otlp]\nsampler = { kind = \"traceidratio\", ratio = 0.5 }\n",
        &[],
    );
    let t = &s.traces.sampling;
    assert_eq!(
        (t.mode, t.ratio, t.parent_based),
        (SamplingMode::Ratio, 0.5, false)
    );
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0].contains("`otlp.sampler`") && s.warnings[0].contains("`[sampling]`"),
        "{:?}",
        s.warnings
    );
    // With both, the new section wins.
    let s = resolve(
        "[sampling]\nratio = 0.2\n[otlp]\nsampler = { kind = \"always_on\" }\n",
        &[],
    );
    assert!((s.traces.sampling.ratio - 0.2).abs() < f64::EPSILON);
}

#[test]
fn bad_sampling_values_name_the_key_the_value_and_what_is_allowed() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[sampling]\nmode = \"ful\"\n",
            &["`sampling.mode`", "`ful`", "did you mean `full`"],
        ),
        ("[sampling]\nratio = 1.5\n", &["`sampling.ratio`", "1.5"]),
        ("[sampling]\nmax_rules = 0\n", &["`sampling.max_rules`"]),
        (
            "[[sampling.rules]]\nmatch = { a = \"b\" }\nduration = \"25h\"\n",
            &["`sampling.rules[0].duration`", "`1s` to `24h`"],
        ),
        (
            "[[sampling.rules]]\nmatch = { a = \"b\" }\nduration = \"soon\"\n",
            &["`sampling.rules[0].duration`", "`soon`", "`10m`"],
        ),
        (
            "[[sampling.rules]]\nrate = 0.5\n",
            &["`sampling.rules[0].match`"],
        ),
        (
            "[[sampling.rules]]\nmatch = { a = \"b\" }\nrate = 2.0\n",
            &["`sampling.rules[0].rate`"],
        ),
        (
            "[sampling.adaptive]\nwindow = \"1m\"\n",
            &["`sampling.adaptive.latency_threshold`", "(missing)"],
        ),
        (
            "[sampling.adaptive]\nlatency_threshold = \"0ms\"\n",
            &["`sampling.adaptive.latency_threshold`", "above zero"],
        ),
        (
            "[sampling.tail]\nkeep_slower_than = \"fast\"\n",
            &["`sampling.tail.keep_slower_than`"],
        ),
        (
            "[admin]\nlisten = \"1.2.3.4:9\"\n",
            &["`admin.listen`", "admin.token"],
        ),
    ];
    for (text, needles) in cases {
        let err = resolve_err(&builder(text, &[]));
        for needle in *needles {
            assert!(err.contains(needle), "{text}: `{needle}` not in: {err}");
        }
    }
    let err = parse_err("[sampling.tail]\nkeep_error = true\n");
    assert!(
        err.contains("`sampling.tail.keep_error`") && err.contains("keep_errors"),
        "{err}"
    );
    let err = parse_err("[[sampling.rules]]\nmatch = { a = \"b\" }\nrat = 1.0\n");
    assert!(
        err.contains("`sampling.rules.rat`") && err.contains("rate"),
        "{err}"
    );
}

#[test]
fn metrics_follow_the_otlp_endpoint_unless_told_otherwise() {
    use semtrace::config::MetricsExporter;
    // Nothing set: no exporter.
    let s = resolve("", &[]);
    assert!(s.metrics.exporters.is_empty());
    assert!(s.metrics.enabled);
    assert_eq!(s.metrics.interval, Duration::from_secs(60));
    // A generic endpoint turns OTLP metrics on, `/v1/metrics` appended for HTTP.
    let s = resolve(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "1500"),
        ],
    );
    assert_eq!(s.metrics.exporters, [MetricsExporter::Otlp]);
    let otlp = s.metrics.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://collector:4318/v1/metrics");
    assert_eq!(s.metrics.interval, Duration::from_millis(1500));
    // The metrics-specific variables win, and their URL is used as it is.
    let s = resolve(
        "[otlp]\nendpoint = \"http://file:4318\"\n",
        &[
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://m:9000/custom",
            ),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-key=secret"),
        ],
    );
    let otlp = s.metrics.otlp.unwrap();
    assert_eq!(otlp.endpoint, "http://m:9000/custom");
    assert_eq!(otlp.protocol, Protocol::Grpc);
    assert_eq!(otlp.timeout, Duration::from_millis(2500));
    assert_eq!(otlp.headers.get("x-key"), Some("secret"));
    // Spans keep theirs.
    assert_eq!(s.otlp.unwrap().endpoint, "http://file:4318/v1/traces");
    // `none`, and Prometheus from the file.
    let s = resolve(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    );
    assert!(s.metrics.exporters.is_empty());
    let s = resolve(
        "[metrics]\nexporters = [\"prometheus\"]\ninterval = \"5s\"\n[metrics.prometheus]\nlisten = \"9464\"\n",
        &[],
    );
    assert_eq!(s.metrics.exporters, [MetricsExporter::Prometheus]);
    assert_eq!(s.metrics.interval, Duration::from_secs(5));
    assert_eq!(
        s.metrics.prometheus_listen,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    // Listing an endpoint-less `otlp` uses the specification's default.
    let s = resolve("", &[("OTEL_METRICS_EXPORTER", "otlp,prometheus")]);
    assert_eq!(
        s.metrics.exporters,
        [MetricsExporter::Otlp, MetricsExporter::Prometheus]
    );
    assert_eq!(
        s.metrics.otlp.unwrap().endpoint,
        "http://localhost:4318/v1/metrics"
    );
}

#[test]
fn bad_metrics_settings_name_the_key_the_value_and_what_is_allowed() {
    let e = resolve_err(&builder("", &[("OTEL_METRICS_EXPORTER", "prometheos")]));
    assert!(e.contains("OTEL_METRICS_EXPORTER"), "{e}");
    assert!(e.contains("prometheos"), "{e}");
    assert!(e.contains("`prometheus`"), "{e}");
    let e = resolve_err(&builder("", &[("OTEL_METRICS_EXPORTER", "otlp,none")]));
    assert!(e.contains("`none` stands alone"), "{e}");
    let e = resolve_err(&builder("", &[("OTEL_METRIC_EXPORT_INTERVAL", "10s")]));
    assert!(
        e.contains("OTEL_METRIC_EXPORT_INTERVAL") && e.contains("milliseconds"),
        "{e}"
    );
    let e = resolve_err(&builder("[metrics]\ninterval = 0\n", &[]));
    assert!(e.contains("metrics.interval"), "{e}");
    let e = resolve_err(&builder("[metrics.prometheus]\nlisten = \"here\"\n", &[]));
    assert!(
        e.contains("metrics.prometheus.listen") && e.contains("here"),
        "{e}"
    );
    let e = parse_err("[metrics]\nexporter = [\"otlp\"]\n");
    assert!(e.contains("exporters"), "{e}");
}

#[test]
fn the_exemplar_filter_comes_from_the_variable_the_file_or_the_builder() {
    use semtrace::config::ExemplarFilter;
    let filter = |b: TelemetryBuilder| b.resolve().unwrap().metrics.exemplar_filter;
    assert_eq!(filter(builder("", &[])), ExemplarFilter::TraceBased);
    let file = "[metrics]\nexemplar_filter = \"always_on\"\n";
    assert_eq!(filter(builder(file, &[])), ExemplarFilter::AlwaysOn);
    // The variable wins over the file, the builder over both.
    let var = [("OTEL_METRICS_EXEMPLAR_FILTER", "always_off")];
    assert_eq!(filter(builder(file, &var)), ExemplarFilter::AlwaysOff);
    let b = builder(file, &var).metrics_exemplar_filter(ExemplarFilter::AlwaysOn);
    assert_eq!(filter(b), ExemplarFilter::AlwaysOn);
}

#[test]
fn a_bad_exemplar_filter_names_the_key_the_value_and_what_is_allowed() {
    let e = resolve_err(&builder(
        "",
        &[("OTEL_METRICS_EXEMPLAR_FILTER", "trace_base")],
    ));
    assert!(e.contains("OTEL_METRICS_EXEMPLAR_FILTER"), "{e}");
    assert!(e.contains("trace_base"), "{e}");
    assert!(
        e.contains("`trace_based`") && e.contains("`always_on`") && e.contains("`always_off`"),
        "{e}"
    );
    let e = resolve_err(&builder(
        "[metrics]\nexemplar_filter = \"sometimes\"\n",
        &[],
    ));
    assert!(
        e.contains("metrics.exemplar_filter") && e.contains("sometimes"),
        "{e}"
    );
}

/// The settings types' earlier path still names the same types.
#[test]
#[allow(deprecated)]
fn the_deprecated_settings_path_names_the_config_types() {
    let protocol: semtrace::settings::Protocol = semtrace::config::Protocol::Grpc;
    assert_eq!(protocol, semtrace::config::Protocol::Grpc);
    let _: fn() -> semtrace::settings::Settings = || unreachable!();
}

#[test]
fn genai_content_capture_is_off_unless_a_setting_names_it() {
    const VAR: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
    assert_eq!(resolve("", &[]).genai_capture_content, None);
    assert_eq!(
        resolve("[genai]\ncapture_content = true", &[]).genai_capture_content,
        Some(true)
    );
    // The variable other languages' GenAI instrumentations read wins over the file,
    // and the builder over both.
    assert_eq!(
        resolve("[genai]\ncapture_content = true", &[(VAR, "false")]).genai_capture_content,
        Some(false)
    );
    let settings = builder("", &[(VAR, "false")])
        .genai_capture_content(true)
        .resolve()
        .unwrap();
    assert_eq!(settings.genai_capture_content, Some(true));
    let err = resolve_err(&builder("", &[(VAR, "sometimes")]));
    assert!(
        err.contains(VAR) && err.contains("sometimes") && err.contains("`true` or `false`"),
        "{err}"
    );
    let err = parse_err("[genai]\ncapture = true");
    assert!(
        err.contains("genai.capture") && err.contains("capture_content"),
        "{err}"
    );
}
