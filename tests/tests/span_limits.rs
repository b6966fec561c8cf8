//! The OpenTelemetry span limits (`OTEL_SPAN_*_LIMIT`, `[traces.limits]`): what a
//! span keeps and what the exporter is told was dropped, the settings' precedence
//! and their errors. No global subscriber: each test scopes its own.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::trace::Status;
use opentelemetry::{Key, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use semtrace::config::SpanLimits;
use semtrace::{Config, SpanStats, TelemetryBuilder};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn builder(toml: &str, vars: &[(&str, &str)]) -> TelemetryBuilder {
    semtrace::Telemetry::builder("limits-test")
        .env_lookup(env(vars))
        .config(Config::from_toml(toml).unwrap())
        .console(false)
}

/// Runs `f` under a pipeline with these settings and returns what it exported.
fn run(toml: &str, vars: &[(&str, &str)], f: impl FnOnce()) -> (Vec<SpanData>, SpanStats) {
    let exporter = InMemorySpanExporter::default();
    let (dispatch, guard) = builder(toml, vars)
        .span_exporter(exporter.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, f);
    // Read before the shutdown, which empties the in-memory exporter.
    assert!(guard.flush(Duration::from_secs(10)), "flushed");
    let spans = exporter.get_finished_spans().unwrap();
    let stats = guard.shutdown().unwrap();
    (spans, stats)
}

fn one(spans: &[SpanData]) -> &SpanData {
    assert_eq!(spans.len(), 1, "{spans:#?}");
    &spans[0]
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

fn keys(span: &SpanData) -> Vec<String> {
    span.attributes
        .iter()
        .map(|kv| kv.key.to_string())
        .collect()
}

fn resolved(toml: &str, vars: &[(&str, &str)]) -> SpanLimits {
    builder(toml, vars).resolve().unwrap().traces.limits
}

fn resolve_err(toml: &str, vars: &[(&str, &str)]) -> String {
    builder(toml, vars).resolve().unwrap_err().to_string()
}

// ---- settings ----

#[test]
fn the_defaults_are_the_specifications() {
    let limits = resolved("", &[]);
    assert_eq!(limits, SpanLimits::default());
    assert_eq!(
        (
            limits.attribute_count,
            limits.event_count,
            limits.link_count,
            limits.event_attribute_count,
            limits.link_attribute_count,
            limits.attribute_value_length,
        ),
        (128, 128, 128, 128, 128, None)
    );
}

#[test]
fn own_variables_win_over_the_generic_ones_and_the_file() {
    let file = "[traces.limits]\nattribute_count = 9\nevent_count = 9\nlink_count = 9\n\
                event_attribute_count = 9\nlink_attribute_count = 9\nattribute_value_length = 9\n";
    assert_eq!(resolved(file, &[]), with_length(limits(9, 9, 9, 9, 9), 9));
    // The generic variables stand in for every attribute count and value length.
    let generic = [
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "4"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "40"),
    ];
    assert_eq!(
        resolved(file, &generic),
        with_length(limits(4, 9, 9, 4, 4), 40)
    );
    let own = [
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "2"),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "3"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "5"),
        ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "0"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "7"),
    ];
    let all: Vec<_> = generic.iter().chain(&own).copied().collect();
    assert_eq!(resolved(file, &all), with_length(limits(1, 2, 3, 5, 0), 7));
}

fn with_length(mut limits: SpanLimits, length: usize) -> SpanLimits {
    limits.attribute_value_length = Some(length);
    limits
}

fn limits(attributes: usize, events: usize, links: usize, ea: usize, la: usize) -> SpanLimits {
    let mut l = SpanLimits::default();
    l.attribute_count = attributes;
    l.event_count = events;
    l.link_count = links;
    l.event_attribute_count = ea;
    l.link_attribute_count = la;
    l
}

#[test]
fn the_builder_wins_over_the_environment() {
    let mut mine = limits(2, 3, 4, 5, 6);
    mine.attribute_value_length = Some(100);
    let got = builder("", &[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "50")])
        .span_limits(mine)
        .resolve()
        .unwrap()
        .traces
        .limits;
    assert_eq!(got, mine);
}

#[test]
fn bad_values_name_the_setting_the_value_and_what_is_allowed() {
    let allowed = "expected a whole number of 0 or more (the OpenTelemetry span limits)";
    for (var, value) in [
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "many"),
        ("OTEL_SPAN_LINK_COUNT_LIMIT", "1.5"),
        ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "ten"),
        ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "-0.1"),
        ("OTEL_ATTRIBUTE_COUNT_LIMIT", "x"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1k"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-5"),
    ] {
        assert_eq!(
            resolve_err("", &[(var, value)]),
            format!("invalid value `{value}` for `{var}`: {allowed}")
        );
    }
    assert_eq!(
        resolve_err("[traces.limits]\nevent_count = -3\n", &[]),
        format!("invalid value `-3` for `traces.limits.event_count` in config file: {allowed}")
    );
    let wrong_type = Config::from_toml("[traces.limits]\nattribute_count = \"many\"\n")
        .unwrap_err()
        .to_string();
    assert!(wrong_type.contains("attribute_count"), "{wrong_type}");
    assert_eq!(
        Config::parse("[traces.limits]\nevent_counts = 3\n", "app.toml", &|_| None)
            .unwrap_err()
            .to_string(),
        "unknown key `traces.limits.event_counts` in config file app.toml; did you mean \
         `traces.limits.event_count`?"
    );
}

// ---- the pipeline ----

#[test]
fn attributes_beyond_the_count_are_dropped_and_counted() {
    let (spans, stats) = run("", &[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2")], || {
        let span = tracing::info_span!(
            "work",
            otel.name = "renamed work",
            a = 1_i64,
            otel.kind = "client",
            b = "two",
            c = 3.0_f64,
            d = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        span.record("d", 4_i64);
        // A kept key takes a new value; the status is no attribute.
        span.record("a", 10_i64);
        span.record("otel.status_code", "ERROR");
        drop(span);
    });
    let span = one(&spans);
    assert_eq!(keys(span), ["a", "b"]);
    assert_eq!(attr(span, "a"), Some(&Value::I64(10)));
    assert_eq!(span.dropped_attributes_count, 2, "c, and d recorded later");
    assert_eq!(span.name, "renamed work");
    assert_eq!(span.span_kind, opentelemetry::trace::SpanKind::Client);
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(stats.limited.attributes, 2, "{stats:?}");
    assert_eq!(stats.exported, 1);
}

#[test]
fn events_beyond_the_count_and_their_attributes_are_dropped_from_the_config_file() {
    let toml = "[traces.limits]\nevent_count = 3\nevent_attribute_count = 1\n";
    let (spans, stats) = run(toml, &[], || {
        tracing::info_span!("work").in_scope(|| {
            for i in 0..5_i64 {
                tracing::info!(i, j = i, "step");
            }
        });
    });
    let span = one(&spans);
    assert_eq!(span.events.len(), 3);
    assert_eq!(span.events.dropped_count, 2);
    for (n, event) in (0_i64..).zip(span.events.iter()) {
        assert_eq!(event.name, "step");
        assert_eq!(event.attributes.len(), 1);
        assert_eq!(event.attributes[0].value, Value::I64(n));
        assert_eq!(event.dropped_attributes_count, 1);
    }
    assert_eq!(
        (stats.limited.events, stats.limited.event_attributes),
        (2, 3)
    );
}

#[test]
fn ten_thousand_events_keep_only_the_default_limit() {
    let (spans, stats) = run("", &[], || {
        tracing::info_span!("busy").in_scope(|| {
            for i in 0..10_000_i64 {
                tracing::info!(i, "tick");
            }
        });
    });
    let span = one(&spans);
    assert_eq!(span.events.len(), 128);
    assert_eq!(span.events.dropped_count, 10_000 - 128);
    // The first ones are kept.
    assert_eq!(span.events[127].attributes[0].value, Value::I64(127));
    assert_eq!(stats.limited.events, 10_000 - 128);
}

#[test]
fn an_error_beyond_the_event_limit_still_fails_the_span() {
    let (spans, _) = run("[traces.limits]\nevent_count = 0\n", &[], || {
        tracing::info_span!("work").in_scope(|| tracing::error!(code = 7_i64, "boom"));
    });
    let span = one(&spans);
    assert!(span.events.is_empty());
    assert_eq!(span.events.dropped_count, 1);
    assert_eq!(span.status, Status::error("boom"));
}

#[test]
fn an_error_events_message_is_its_first_attribute() {
    let (spans, _) = run("[traces.limits]\nevent_attribute_count = 1\n", &[], || {
        tracing::info_span!("work").in_scope(|| tracing::error!(code = 7_i64, "boom"));
    });
    let event = &one(&spans).events[0];
    assert_eq!(event.name, "exception");
    assert_eq!(event.attributes.len(), 1);
    assert_eq!(event.attributes[0].key.as_str(), "exception.message");
    assert_eq!(event.dropped_attributes_count, 1);
}

#[test]
fn links_beyond_the_count_are_dropped() {
    let (spans, stats) = run("", &[("OTEL_SPAN_LINK_COUNT_LIMIT", "1")], || {
        let first = tracing::info_span!("first");
        let second = tracing::info_span!("second");
        let later = tracing::info_span!("later");
        later.follows_from(&first);
        later.follows_from(&second);
        drop((first, second, later));
    });
    let later = spans.iter().find(|s| s.name == "later").unwrap();
    assert_eq!(later.links.len(), 1);
    assert_eq!(later.links.dropped_count, 1);
    let first = spans.iter().find(|s| s.name == "first").unwrap();
    assert_eq!(later.links[0].span_context, first.span_context);
    assert_eq!(stats.limited.links, 1);
}

#[test]
fn a_one_mebibyte_value_is_cut_to_the_length_limit() {
    let big = "x".repeat(1 << 20);
    let vars = [("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1024")];
    let (spans, stats) = run("", &vars, || {
        let span = tracing::info_span!(
            "work",
            text = big.as_str(),
            debug = ?big,
            later = tracing::field::Empty,
            short = "fits",
        );
        span.record("later", big.as_str());
        span.in_scope(|| tracing::info!(payload = big.as_str(), "sent"));
    });
    let span = one(&spans);
    let text = |key| match attr(span, key) {
        Some(Value::String(s)) => s.as_str().to_owned(),
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(text("text").len(), 1024);
    assert_eq!(text("later").len(), 1024);
    // The `Debug` form starts with a quote.
    assert_eq!(text("debug"), format!("\"{}", "x".repeat(1023)));
    assert_eq!(text("short"), "fits");
    assert_eq!(
        span.events[0].attributes[0].value.as_str().len(),
        1024,
        "event attributes too"
    );
    assert_eq!(stats.limited.truncated_values, 4, "{stats:?}");
    assert_eq!(span.dropped_attributes_count, 0);
}

#[test]
fn values_are_cut_on_a_character_boundary() {
    let vars = [
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "3"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
    ];
    let (spans, _) = run("", &vars, || {
        tracing::info_span!(
            "work",
            jp = "日本語のテキスト",
            mixed = "héllo",
            fits = "ééé"
        );
    });
    let span = one(&spans);
    assert_eq!(attr(span, "jp"), Some(&Value::from("日本語")));
    assert_eq!(attr(span, "mixed"), Some(&Value::from("hél")));
    assert_eq!(attr(span, "fits"), Some(&Value::from("ééé")));
}

#[test]
fn a_field_recorded_again_and_again_keeps_one_value() {
    let (spans, _) = run("", &[], || {
        let span = tracing::info_span!("work", progress = tracing::field::Empty);
        for i in 0..10_000 {
            span.record("progress", format!("step {i}").as_str());
        }
    });
    assert_eq!(
        attr(one(&spans), "progress"),
        Some(&Value::from("step 9999"))
    );
}

#[test]
fn what_was_cut_is_a_metric() {
    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let spans = InMemorySpanExporter::default();
    let (dispatch, guard) = builder("[traces.limits]\nevent_count = 1\n", &[])
        .span_exporter(spans)
        .metric_reader(reader)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("work").in_scope(|| {
            for _ in 0..4 {
                tracing::info!("tick");
            }
        });
    });
    guard.shutdown().unwrap();
    let all = metrics.get_finished_metrics().unwrap();
    let points: Vec<(String, u64)> = all
        .last()
        .unwrap()
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .filter(|m| m.name() == "semtrace.span.limits.dropped")
        .flat_map(|m| match m.data() {
            AggregatedMetrics::U64(MetricData::Sum(s)) => s
                .data_points()
                .map(|dp| {
                    let cut = dp.attributes().next().unwrap().value.as_str().into_owned();
                    (cut, dp.value())
                })
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(points.contains(&("event".to_owned(), 3)), "{points:?}");
    assert!(points.contains(&("attribute".to_owned(), 0)), "{points:?}");
    assert_eq!(points.len(), 6, "{points:?}");
}
