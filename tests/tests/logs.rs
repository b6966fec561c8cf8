//! The log pipeline in process, through an injected exporter that receives each
//! batch as the OTLP request a collector would: span ids and flags, span events kept,
//! the limits on bad input, and the accounting at saturation and with the collector
//! down. Each test has its own dispatcher (`with_default`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_sdk::trace::InMemorySpanExporter;
use semtrace::config::{LogsExporter, Sampler};

type Received = Arc<Mutex<Vec<ExportLogsServiceRequest>>>;

fn builder(vars: &'static [(&'static str, &'static str)]) -> semtrace::TelemetryBuilder {
    semtrace::Telemetry::builder("logs-test")
        .env_lookup(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .console(false)
}

fn collecting(b: semtrace::TelemetryBuilder) -> (semtrace::TelemetryBuilder, Received) {
    let received: Received = Arc::default();
    let into = Arc::clone(&received);
    let b = b.log_exporter(move |request| {
        into.lock().unwrap().push(request);
        Ok(())
    });
    (b, received)
}

fn records(received: &Received) -> Vec<LogRecord> {
    received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|r| &r.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| s.log_records.clone())
        .collect()
}

fn body(record: &LogRecord) -> String {
    match record.body.as_ref().and_then(|b| b.value.clone()) {
        Some(Any::StringValue(s)) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_event_in_a_sampled_span_is_a_log_record_and_still_a_span_event() {
    let spans = InMemorySpanExporter::default();
    let (b, received) = collecting(builder(&[]).span_exporter(spans.clone()));
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("work").in_scope(|| {
            tracing::warn!(attempt = 2_i64, "retrying");
            tracing::error!("gave up");
        });
    });
    assert!(guard.flush(Duration::from_secs(10)));
    let spans = spans.get_finished_spans().unwrap();
    drop(guard);
    let span = &spans[0];
    let names: Vec<&str> = span.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(names.len(), 2, "both events stay span events: {names:?}");
    let records = records(&received);
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].trace_id,
        span.span_context.trace_id().to_bytes().to_vec()
    );
    assert_eq!(
        records[0].span_id,
        span.span_context.span_id().to_bytes().to_vec()
    );
    assert_eq!(
        (records[0].severity_number, records[1].severity_number),
        (13, 17)
    );
    assert_eq!(records[1].severity_text, "ERROR");
}

#[test]
fn a_sampled_out_span_gives_its_ids_and_says_it_is_not_sampled() {
    let (b, received) = collecting(
        builder(&[])
            .sampler(Sampler::AlwaysOff)
            .traces_exporters([semtrace::config::TracesExporter::None]),
    );
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("work").in_scope(|| tracing::info!("inside"));
    });
    guard.shutdown().unwrap();
    let records = records(&received);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].trace_id.len(), 16);
    assert!(records[0].trace_id.iter().any(|b| *b != 0));
    assert_eq!(records[0].span_id.len(), 8);
    assert_eq!(records[0].flags, 0, "not sampled");
}

#[test]
fn the_logs_level_filters_on_its_own() {
    let (b, received) = collecting(builder(&[]).logs_level("warn"));
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!("info");
        tracing::warn!("warn");
    });
    drop(guard);
    let bodies: Vec<String> = records(&received).iter().map(body).collect();
    assert_eq!(bodies, ["warn"]);
}

#[test]
fn code_attributes_are_opt_in_as_for_spans() {
    let (b, received) = collecting(builder(&[]).code_attributes(true));
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("here"));
    drop(guard);
    let keys: Vec<String> = records(&received)[0]
        .attributes
        .iter()
        .map(|kv| kv.key.clone())
        .collect();
    assert_eq!(keys, ["code.file.path", "code.line.number"]);
}

#[test]
fn a_one_mebibyte_message_is_cut_and_counted() {
    let (b, received) = collecting(builder(&[]));
    let (dispatch, guard) = b.build().unwrap();
    let huge = "é".repeat(512 * 1024); // 1 MiB of two-byte characters
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!(value = huge.as_str(), "{huge}");
    });
    let stats = guard.log_stats();
    drop(guard);
    let records = records(&received);
    let body = body(&records[0]);
    assert_eq!(stats.truncated_values, 2, "the message and the value");
    assert_eq!(body.chars().count(), 32 * 1024);
    assert!(body.chars().all(|c| c == 'é'));
    match &records[0].attributes[0].value.as_ref().unwrap().value {
        Some(Any::StringValue(s)) => assert_eq!(s.chars().count(), 32 * 1024),
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_utf8_bytes_through_log_do_not_panic() {
    let (b, received) = collecting(builder(&[]));
    let (dispatch, guard) = b.build().unwrap();
    let bytes = [0x66, 0x6f, 0xff, 0xfe, 0x6f];
    tracing::dispatcher::with_default(&dispatch, || {
        log::warn!("raw {}", String::from_utf8_lossy(&bytes));
        log::warn!("debug {bytes:?}");
    });
    drop(guard);
    let bodies: Vec<String> = records(&received).iter().map(body).collect();
    assert_eq!(
        bodies,
        ["raw fo\u{fffd}\u{fffd}o", "debug [102, 111, 255, 254, 111]"]
    );
}

/// An event with `n` fields, through a callsite made at run time (`tracing`'s
/// macros stop at a few dozen).
fn wide_event(n: usize) {
    use std::sync::OnceLock;
    use tracing::callsite::{Callsite, Identifier};
    use tracing::field::{FieldSet, Value};
    use tracing::metadata::Kind;
    use tracing::{Level, Metadata};

    struct Wide(OnceLock<Metadata<'static>>);
    impl Callsite for Wide {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            self.0.get().expect("made below")
        }
    }
    static WIDE: Wide = Wide(OnceLock::new());
    let names: &'static [&'static str] = Box::leak(
        (0..n)
            .map(|i| &*Box::leak(format!("field_{i}").into_boxed_str()))
            .collect::<Vec<&'static str>>()
            .into_boxed_slice(),
    );
    let meta = WIDE.0.get_or_init(|| {
        Metadata::new(
            "wide",
            "logs::wide",
            Level::INFO,
            None,
            None,
            None,
            FieldSet::new(names, Identifier(&WIDE)),
            Kind::EVENT,
        )
    });
    tracing::callsite::register(&WIDE);
    let fields: Vec<_> = meta.fields().iter().collect();
    let values: Vec<i64> = (0..i64::try_from(n).expect("fits")).collect();
    let pairs: Vec<(&tracing::field::Field, Option<&dyn Value>)> = fields
        .iter()
        .zip(&values)
        .map(|(f, v)| (f, Some(v as &dyn Value)))
        .collect();
    let array: Box<[(&tracing::field::Field, Option<&dyn Value>); 10_000]> =
        pairs.into_boxed_slice().try_into().expect("10,000 fields");
    tracing::Event::dispatch(meta, &meta.fields().value_set(&*array));
}

#[test]
fn ten_thousand_fields_keep_the_attribute_limit_and_count_the_rest() {
    let (b, received) = collecting(builder(&[]));
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || wide_event(10_000));
    guard.flush(Duration::from_secs(10));
    let stats = guard.log_stats();
    drop(guard);
    let records = records(&received);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].attributes.len(), 128);
    assert_eq!(records[0].attributes[0].key, "field_0");
    assert_eq!(
        records[0].attributes[5].value.as_ref().unwrap().value,
        Some(Any::IntValue(5)),
        "an int stays an int"
    );
    assert_eq!(records[0].dropped_attributes_count, 10_000 - 128);
    assert_eq!(stats.dropped_attributes, 10_000 - 128);
}

#[test]
fn at_saturation_records_are_dropped_and_counted_never_waited_for() {
    // The exporter is slow: the queue of 64 fills up, and the rest is counted.
    let gate = Arc::new(Mutex::new(()));
    let held = gate.lock().unwrap();
    let wait = Arc::clone(&gate);
    let b = builder(&[
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "16"),
    ])
    .log_exporter(move |_| {
        drop(wait.lock().unwrap());
        Ok(())
    });
    let (dispatch, guard) = b.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..10_000_i64 {
            tracing::info!(i, "busy");
        }
    });
    let during = guard.log_stats();
    assert!(during.dropped_by.queue_full > 0, "{during:?}");
    drop(held);
    let stats = {
        let guard = guard;
        guard.flush(Duration::from_secs(10));
        let stats = guard.log_stats();
        drop(guard);
        stats
    };
    assert_eq!(stats.emitted, 10_000);
    assert_eq!(stats.exported + stats.dropped, stats.emitted, "{stats:?}");
    assert_eq!(stats.dropped, stats.dropped_by.queue_full);
}

#[test]
fn with_the_collector_down_records_are_retried_then_counted_and_shutdown_is_bounded() {
    // Nothing listens there: every export fails.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let endpoint: &'static str =
        Box::leak(format!("http://127.0.0.1:{port}/v1/logs").into_boxed_str());
    let vars: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        ("OTEL_LOGS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "300"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "50"),
    ]));
    let (dispatch, guard) = builder(vars)
        .shutdown_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..500_i64 {
            tracing::info!(i, "while the collector is down");
        }
    });
    let failures = match guard.shutdown() {
        Ok(_) => panic!("records were lost: the shutdown says so"),
        Err(e) => e.failures().to_vec(),
    };
    let (records, reasons) = failures
        .iter()
        .find_map(|f| match f {
            semtrace::ShutdownFailure::LogsDropped { records, reasons } => {
                Some((*records, *reasons))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{failures:?}"));
    // Every record emitted is accounted for: failed after its retries, or still
    // queued when the bounded shutdown ended.
    assert_eq!(records, 500, "{reasons:?}");
    assert_eq!(reasons.export_failed + reasons.shutdown, 500);
    assert_eq!(reasons.queue_full, 0);
}

#[test]
fn log_stats_are_zero_when_logs_are_off() {
    let (dispatch, guard) = builder(&[]).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("x"));
    assert_eq!(guard.log_stats(), semtrace::LogStats::default());
}

#[test]
fn logs_exporters_none_turns_them_off_even_with_an_endpoint() {
    let settings = builder(&[(
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
        "http://127.0.0.1:4318/v1/logs",
    )])
    .logs_exporters([LogsExporter::None])
    .resolve()
    .unwrap();
    assert!(settings.logs.exporters.is_empty());
}

/// `semtrace.logs.emitted`, `.exported` and `.dropped` (by reason) report the log
/// pipeline's counts, as `semtrace.spans.*` report the spans'.
#[test]
fn the_log_counts_are_self_metrics() {
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};

    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (b, received) = collecting(builder(&[]));
    let (dispatch, guard) = b.metric_reader(reader).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..3_i64 {
            tracing::info!(i, "counted");
        }
    });
    assert!(guard.flush(Duration::from_secs(10)));
    assert_eq!(records(&received).len(), 3);
    let all: Vec<ResourceMetrics> = metrics.get_finished_metrics().unwrap();
    let sum = |name: &str| -> Vec<(u64, Vec<String>)> {
        all.last()
            .unwrap()
            .scope_metrics()
            .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
            .filter(|m| m.name() == name)
            .flat_map(|m| match m.data() {
                AggregatedMetrics::U64(MetricData::Sum(s)) => s
                    .data_points()
                    .map(|dp| {
                        let attrs = dp
                            .attributes()
                            .map(|kv| kv.value.as_str().into_owned())
                            .collect();
                        (dp.value(), attrs)
                    })
                    .collect::<Vec<_>>(),
                other => panic!("{name}: {other:?}"),
            })
            .collect()
    };
    assert_eq!(sum("semtrace.logs.emitted"), [(3, vec![])]);
    assert_eq!(sum("semtrace.logs.exported"), [(3, vec![])]);
    let dropped = sum("semtrace.logs.dropped");
    assert_eq!(dropped.len(), 4, "{dropped:?}");
    assert!(dropped.iter().all(|(n, _)| *n == 0), "{dropped:?}");
    assert!(dropped.iter().any(|(_, a)| a == &["queue_full".to_owned()]));
    drop(guard);
}

/// The logs level changes while the program runs, through the control (and so
/// through `PUT /tracing/levels` `{"logs": …}` and a config file reload), and the
/// status shows it; without log export there is no filter to change.
#[test]
fn the_logs_level_changes_while_running() {
    let (b, received) = collecting(builder(&[]));
    let (dispatch, guard) = b.build().unwrap();
    let control = guard.control();
    assert_eq!(control.status().levels.logs.as_deref(), Some("info"));
    tracing::dispatcher::with_default(&dispatch, || tracing::debug!("before"));
    control.set_logs_level("debug").unwrap();
    assert_eq!(control.status().levels.logs.as_deref(), Some("debug"));
    tracing::dispatcher::with_default(&dispatch, || tracing::debug!("after"));
    let e = control.set_logs_level("debug,[").unwrap_err();
    assert_eq!(e.field, "logs");
    assert!(guard.flush(Duration::from_secs(10)));
    let bodies: Vec<String> = records(&received).iter().map(body).collect();
    assert_eq!(bodies, ["after"]);
    drop(guard);

    let (_dispatch, off) = builder(&[])
        .logs_exporters([LogsExporter::None])
        .build()
        .unwrap();
    assert_eq!(off.control().status().levels.logs, None);
    let e = off.control().set_logs_level("debug").unwrap_err();
    assert!(e.allowed.contains("not on"), "{e}");
}
