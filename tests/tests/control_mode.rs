//! Sampling modes and console levels switched at run time. A test binary of its
//! own, one test at a time (by a lock): whether
//! a callsite takes `tracing`'s disabled path depends on the process-wide interest
//! cache, which subscribers of tests running in parallel would share.

use std::time::Duration;

use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use semtrace::{Config, SamplingMode};
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;

/// The two tests must not run at once: they share the interest cache.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

const RATIO_ZERO: &str = "[sampling]\nmode = \"ratio\"\nratio = 0.0\n";

fn builder(exporter: &TestExporter, toml: &str) -> semtrace::TelemetryBuilder {
    semtrace::Telemetry::builder("control-mode-test")
        .env_lookup(|_| None)
        .console(false)
        .scheduled_delay(Duration::from_millis(20))
        .config(Config::from_toml(toml).unwrap())
        .span_exporter(exporter.clone())
}

fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

fn task(task_type: &str) {
    tracing::info_span!("task", task.type = task_type).in_scope(|| {
        tracing::info_span!("step").in_scope(|| {});
    });
}

#[test]
fn mode_off_records_nothing_and_full_records_everything() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter, RATIO_ZERO).build().unwrap();
    let control = guard.control();
    assert_eq!(control.mode(), SamplingMode::Ratio);
    control.set_mode(SamplingMode::Full, None).unwrap();
    tracing::dispatcher::with_default(&dispatch, || task("a"));
    control.set_mode(SamplingMode::Off, None).unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("while_off");
        assert!(span.is_disabled(), "mode off takes the disabled path");
        task("b");
    });
    assert_eq!(guard.stats().started, 2, "nothing starts while off");
    control.set_mode(SamplingMode::Ratio, Some(1.0)).unwrap();
    tracing::dispatcher::with_default(&dispatch, || task("c"));
    assert!(control.set_mode(SamplingMode::Ratio, Some(2.0)).is_err());
    assert!(
        (control.status().ratio - 1.0).abs() < f64::EPSILON,
        "a bad ratio changes nothing"
    );
    let stats = guard.shutdown().unwrap();
    assert_eq!((stats.started, stats.exported), (4, 4));
    let types: Vec<_> = exporter
        .spans()
        .iter()
        .filter_map(|s| attr(s, "task.type"))
        .collect();
    assert_eq!(types, [Value::from("a"), Value::from("c")]);
}

#[test]
fn console_levels_are_replaced_while_running() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exporter = TestExporter::default();
    let out = Buffer::default();
    let (dispatch, guard) = builder(&exporter, "")
        .console(true)
        .console_level("info")
        .console_writer(out.clone())
        .build()
        .unwrap();
    let control = guard.control();
    tracing::dispatcher::with_default(&dispatch, || tracing::debug!("hidden at first"));
    control.set_console_level("info,control=debug").unwrap();
    tracing::dispatcher::with_default(&dispatch, || tracing::debug!("shown after the change"));
    let e = control
        .set_console_level("debug,control=loud")
        .expect_err("a bad directive");
    assert_eq!(e.field, "console");
    assert!(e.allowed.contains("`control=loud`"), "{e}");
    assert_eq!(
        control.status().levels.console.as_deref(),
        Some("info,control=debug"),
        "the old filter stays"
    );
    let e = control.set_file_level("debug").expect_err("no file output");
    assert_eq!(e.field, "file");
    let text = out.text();
    assert!(!text.contains("hidden at first"), "{text}");
    assert!(text.contains("shown after the change"), "{text}");
    drop(guard);
}

#[test]
fn traces_levels_filter_and_change_with_the_pipeline_alone() {
    // No console or file: the pipeline's filter is the subscriber's own.
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter, "[otlp]\nlevel = \"info\"\n")
        .build()
        .unwrap();
    let control = guard.control();
    tracing::dispatcher::with_default(&dispatch, || {
        let quiet = tracing::debug_span!("debug_before");
        assert!(
            quiet.is_disabled(),
            "below the traces level: the disabled path"
        );
        drop(quiet);
        tracing::info_span!("info_before").in_scope(|| {});
    });
    control.set_traces_level("info,control_mode=debug").unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::debug_span!("debug_after").in_scope(|| {});
        tracing::trace_span!("trace_after").in_scope(|| {});
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!((stats.started, stats.exported), (2, 2));
    assert_eq!(exporter.names(), ["debug_after", "info_before"]);
}

#[test]
fn traces_and_console_filter_each_their_own() {
    // Beside console output, each output keeps its own filter.
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exporter = TestExporter::default();
    let out = Buffer::default();
    let (dispatch, guard) = builder(&exporter, "[otlp]\nlevel = \"debug\"\n")
        .console(true)
        .console_level("warn")
        .console_writer(out.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::debug_span!("traced_only").in_scope(|| tracing::warn!("printed"));
        tracing::trace_span!("neither").in_scope(|| {});
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 1);
    assert_eq!(exporter.names(), ["traced_only"]);
    let text = out.text();
    assert!(text.contains("printed"), "{text}");
    assert!(!text.contains("neither"), "{text}");
}
