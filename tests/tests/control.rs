//! Run-time control through `Guard::control()`: modes, on-demand rules and their
//! expiry, latency-triggered sampling (with a clock the test moves, no sleeps),
//! error- and latency-keeping at head ratio 0, level reload, and the status. No
//! global subscriber.
// Rates and ratios are set exactly and compared exactly.
#![allow(clippy::float_cmp, clippy::too_many_lines, clippy::single_match_else)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use semtrace::{Config, SamplingMode, SpanStats, TelemetryBuilder};
use semtrace_tests::exporter::TestExporter;

/// A clock the test moves by hand.
#[derive(Clone)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn new() -> Self {
        Self(Arc::new(AtomicU64::new(1_800_000_000_000_000_000)))
    }

    fn advance(&self, d: Duration) {
        self.0
            .fetch_add(u64::try_from(d.as_nanos()).unwrap(), Ordering::SeqCst);
    }

    fn reader(&self) -> impl Fn() -> SystemTime + Send + Sync + 'static {
        let nanos = Arc::clone(&self.0);
        move || SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos.load(Ordering::SeqCst))
    }
}

fn builder(exporter: &TestExporter, toml: &str) -> TelemetryBuilder {
    semtrace::Telemetry::builder("control-test")
        .env_lookup(|_| None)
        .console(false)
        .scheduled_delay(Duration::from_millis(20))
        .config(Config::from_toml(toml).unwrap())
        .span_exporter(exporter.clone())
}

const RATIO_ZERO: &str = "[sampling]\nmode = \"ratio\"\nratio = 0.0\n";

fn assert_balanced(stats: SpanStats) {
    assert_eq!(
        stats.started,
        stats.sampled_out + stats.exported + stats.dropped,
        "{stats:?}"
    );
}

fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// A root of type `task_type` with one child.
fn task(task_type: &str) {
    tracing::info_span!("task", task.type = task_type).in_scope(|| {
        tracing::info_span!("step").in_scope(|| {});
    });
}

#[test]
fn rules_sample_matching_roots_until_they_expire() {
    let exporter = TestExporter::default();
    let clock = Clock::new();
    let (dispatch, guard) = builder(&exporter, RATIO_ZERO)
        .clock(clock.reader())
        .build()
        .unwrap();
    let control = guard.control();
    let rule = control
        .add_rule([("task.type", "import")], 1.0, Duration::from_secs(10))
        .unwrap();
    assert_eq!(rule.rate, 1.0);
    assert_eq!(rule.conditions["task.type"], "import");
    let expires = rule.expires_at.clone().unwrap();
    assert!(expires.ends_with('Z') && expires.contains('T'), "{expires}");
    assert_eq!(control.status().rules, vec![rule.clone()]);

    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..5 {
            task("import");
            task("export");
        }
    });
    assert!(guard.flush(Duration::from_secs(5)));
    let spans = exporter.spans();
    assert_eq!(spans.len(), 10, "5 import traces of 2 spans");
    for root in spans.iter().filter(|s| s.name == "task") {
        assert_eq!(attr(root, "task.type"), Some(Value::from("import")));
    }

    // Past the expiry the rule ends by itself.
    clock.advance(Duration::from_secs(11));
    assert!(control.status().rules.is_empty());
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..5 {
            task("import");
        }
    });
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(exporter.spans().len(), 10, "nothing after expiry");
    let stats = guard.shutdown().unwrap();
    assert_balanced(stats);
    assert_eq!(stats.started, 30);
    assert_eq!(stats.exported, 10);
    assert_eq!(stats.sampled_out, 20);
}

#[test]
fn rules_match_span_names_numbers_and_baggage() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter, RATIO_ZERO).build().unwrap();
    let control = guard.control();
    let day = Duration::from_secs(3600);
    control
        .add_rule([("span.name", "checkout")], 1.0, day)
        .unwrap();
    control
        .add_rule([("http.response.status_code", "503")], 1.0, day)
        .unwrap();
    control.add_rule([("tenant", "acme")], 1.0, day).unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("checkout").in_scope(|| {});
        tracing::info_span!("cart").in_scope(|| {});
        tracing::info_span!("req", http.response.status_code = 503_i64).in_scope(|| {});
        tracing::info_span!("req", http.response.status_code = 200_i64).in_scope(|| {});
        // A remote parent that did not sample, with a baggage entry.
        for tenant in ["acme", "other"] {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
                    .parse()
                    .unwrap(),
            );
            headers.insert("baggage", format!("tenant={tenant}").parse().unwrap());
            let span = tracing::info_span!("remote", tenant);
            semtrace::propagation::set_parent(&span, &headers);
            span.in_scope(|| {});
        }
    });
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(exporter.names(), ["checkout", "remote", "req"]);
    let req = exporter
        .spans()
        .into_iter()
        .find(|s| s.name == "req")
        .unwrap();
    assert_eq!(
        attr(&req, "http.response.status_code"),
        Some(Value::I64(503))
    );
    drop(guard);
}

#[test]
fn a_trace_is_kept_at_the_highest_matching_rate_and_never_below_the_base() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter, "[sampling]\nmode = \"full\"\n")
        .build()
        .unwrap();
    let control = guard.control();
    let hour = Duration::from_secs(3600);
    // A rule at rate 0 does not lower the base sampler.
    control
        .add_rule([("task.type", "import")], 0.0, hour)
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || task("import"));
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(exporter.spans().len(), 2);

    // At ratio 0, of two matching rules the higher rate wins.
    control.set_mode(SamplingMode::Ratio, Some(0.0)).unwrap();
    control
        .add_rule([("span.name", "task")], 1.0, hour)
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..10 {
            task("import");
        }
    });
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(exporter.spans().len(), 22);
    drop(guard);
}

#[test]
fn rule_limits_and_bad_values_change_nothing() {
    let exporter = TestExporter::default();
    let (_dispatch, guard) = builder(&exporter, "[sampling]\nmax_rules = 2\n")
        .build()
        .unwrap();
    let control = guard.control();
    let minute = Duration::from_secs(60);
    let bad = |r: Result<semtrace::control::RuleInfo, semtrace::control::ControlError>| {
        r.expect_err("rejected")
    };
    let e = bad(control.add_rule([("task.type", "a")], 1.5, minute));
    assert_eq!((e.field.as_str(), e.value.as_str()), ("rate", "1.5"));
    assert!(e.allowed.contains("0.0 to 1.0"), "{e}");
    let e = bad(control.add_rule([("task.type", "a")], 1.0, Duration::ZERO));
    assert_eq!(e.field, "duration");
    let e = bad(control.add_rule([("task.type", "a")], 1.0, Duration::from_secs(25 * 3600)));
    assert_eq!(e.field, "duration");
    assert!(e.to_string().contains("1day 1h"), "{e}");
    let e = bad(control.add_rule(Vec::<(String, String)>::new(), 1.0, minute));
    assert_eq!(e.field, "match");
    assert!(control.rules().is_empty(), "bad input adds nothing");

    let first = control.add_rule([("task.type", "a")], 1.0, minute).unwrap();
    control.add_rule([("task.type", "b")], 1.0, minute).unwrap();
    let e = bad(control.add_rule([("task.type", "c")], 1.0, minute));
    assert_eq!(e.field, "rules");
    assert!(e.allowed.contains("at most 2"), "{e}");
    assert!(!control.remove_rule("nope"));
    assert!(control.remove_rule(&first.id));
    assert!(!control.remove_rule(&first.id));
    control.add_rule([("task.type", "c")], 1.0, minute).unwrap();
    assert_eq!(control.rules().len(), 2);
    drop(guard);
}

#[test]
fn tail_keeps_failed_and_slow_traces_at_ratio_zero() {
    let exporter = TestExporter::default();
    let toml =
        format!("{RATIO_ZERO}[sampling.tail]\nkeep_errors = true\nkeep_slower_than = \"40ms\"\n");
    let (dispatch, guard) = builder(&exporter, &toml).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        task("fine");
        tracing::info_span!("task", task.type = "failing").in_scope(|| {
            tracing::info_span!("step").in_scope(|| tracing::error!("disk on fire"));
        });
        tracing::info_span!("task", task.type = "slow").in_scope(|| {
            tracing::info_span!("step").in_scope(|| std::thread::sleep(Duration::from_millis(60)));
        });
    });
    let stats = guard.shutdown().unwrap();
    assert_balanced(stats);
    assert_eq!(
        (stats.started, stats.exported, stats.sampled_out),
        (6, 4, 2)
    );
    let mut kept: Vec<_> = exporter
        .spans()
        .iter()
        .filter_map(|s| attr(s, "task.type"))
        .map(|v| v.as_str().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["failing", "slow"]);
    // Whole traces: each kept root arrives with its child.
    for (_, spans) in exporter.traces() {
        assert_eq!(spans.len(), 2);
    }
}

#[test]
fn the_tail_buffer_is_bounded_and_what_does_not_fit_is_counted() {
    let exporter = TestExporter::default();
    let toml = format!("{RATIO_ZERO}[sampling.tail]\nmax_buffered_spans = 2\n");
    let (dispatch, guard) = builder(&exporter, &toml).build().unwrap();
    let control = guard.control();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("root").in_scope(|| {
            for _ in 0..3 {
                tracing::info_span!("step").in_scope(|| {});
            }
            assert_eq!(control.status().tail.unwrap().buffered_spans, 2);
        });
    });
    assert_eq!(control.status().tail.unwrap().buffered_spans, 0);
    let stats = guard.shutdown().expect("a sampling bound is not a failure");
    assert_balanced(stats);
    assert_eq!(stats.dropped_by.tail_buffer_full, 2);
    assert_eq!(stats.sampled_out, 2);
    assert!(exporter.spans().is_empty());
}

#[test]
fn a_slow_span_name_triggers_sampling_until_the_cooldown_ends() {
    let exporter = TestExporter::default();
    let clock = Clock::new();
    let toml = format!(
        "{RATIO_ZERO}[sampling.adaptive]\nlatency_threshold = \"100ms\"\nwindow = \"10s\"\nsample_rate = 1.0\ncooldown = \"30s\"\n"
    );
    let (dispatch, guard) = builder(&exporter, &toml)
        .clock(clock.reader())
        .build()
        .unwrap();
    let control = guard.control();
    let call = |name: &'static str, took: Duration| {
        tracing::dispatcher::with_default(&dispatch, || {
            let span = match name {
                "checkout" => tracing::info_span!("checkout"),
                _ => tracing::info_span!("browse"),
            };
            span.in_scope(|| clock.advance(took));
        });
    };
    for _ in 0..20 {
        call("browse", Duration::from_millis(5));
    }
    call("checkout", Duration::from_millis(250)); // measured, not sampled
    let names = control.status().adaptive.unwrap().names;
    let checkout = names.iter().find(|n| n.name == "checkout").unwrap();
    assert!(checkout.triggered && checkout.p99_ms >= 250.0, "{names:?}");
    assert!(!names.iter().find(|n| n.name == "browse").unwrap().triggered);
    for _ in 0..3 {
        call("checkout", Duration::from_millis(10));
        call("browse", Duration::from_millis(10));
    }
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(
        exporter.spans().len(),
        3,
        "only the triggered name's traces"
    );

    // The slow call leaves the window; the cooldown then runs out.
    clock.advance(Duration::from_secs(41));
    call("checkout", Duration::from_millis(10));
    call("checkout", Duration::from_millis(10));
    assert!(guard.flush(Duration::from_secs(5)));
    assert_eq!(exporter.spans().len(), 3);
    let names = control.status().adaptive.unwrap().names;
    assert!(
        !names
            .iter()
            .find(|n| n.name == "checkout")
            .unwrap()
            .triggered
    );
    drop(guard);
}

#[test]
fn status_serializes_with_the_documented_fields() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter, RATIO_ZERO).build().unwrap();
    let control = guard.control();
    control
        .add_rule([("task.type", "import")], 0.5, Duration::from_secs(600))
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || task("other"));
    let json = serde_json::to_value(control.status()).unwrap();
    assert_eq!(json["mode"], "ratio");
    assert_eq!(json["ratio"], 0.0);
    let rule = &json["rules"][0];
    assert_eq!(rule["match"]["task.type"], "import");
    assert_eq!(rule["rate"], 0.5);
    assert!(
        rule["id"].is_string() && rule["expires_at"].is_string(),
        "{rule}"
    );
    for key in ["started", "sampled_out", "exported", "dropped"] {
        assert!(json["spans"][key].is_u64(), "{key}: {json}");
    }
    assert_eq!(json["spans"]["started"], 2);
    assert!(json["spans"]["dropped_by"]["queue_full"].is_u64());
    assert!(json["queue"]["capacity"].is_u64() && json["queue"]["fill"].is_f64());
    drop(guard);
}

#[test]
fn config_rules_are_listed_and_the_sampling_section_resolves() {
    let toml = r#"
        [sampling]
        mode = "ratio"
        ratio = 0.25
        parent_based = false
        [[sampling.rules]]
        match = { "task.type" = "import", "http.response.status_code" = 500 }
        rate = 0.5
        duration = "10m"
        [[sampling.rules]]
        match = { "span.name" = "checkout" }
    "#;
    let exporter = TestExporter::default();
    let settings = builder(&exporter, toml).resolve().unwrap();
    let s = &settings.traces.sampling;
    assert_eq!(
        (s.mode, s.ratio, s.parent_based),
        (SamplingMode::Ratio, 0.25, false)
    );
    assert_eq!(s.rules.len(), 2);
    assert_eq!(s.rules[0].conditions["http.response.status_code"], "500");
    assert_eq!(s.rules[0].duration, Some(Duration::from_secs(600)));
    assert_eq!(s.rules[1].duration, None);
    let (_dispatch, guard) = builder(&exporter, toml).build().unwrap();
    let rules = guard.control().rules();
    assert_eq!(rules.len(), 2);
    assert!(rules.iter().all(|r| r.origin == "config"));
    assert_eq!(rules[1].expires_at, None);
}
