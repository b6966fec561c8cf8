//! semtrace's span pipeline through an injected exporter: exact accounting at
//! saturation, whole-trace shedding, holding and delivering again after failures,
//! ids without export, and what a span carries by default. No global subscriber.

use std::time::Duration;

use opentelemetry::trace::{SpanId, Status};
use semtrace::{SpanStats, TelemetryBuilder};
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;

fn builder(exporter: &TestExporter) -> TelemetryBuilder {
    semtrace::Telemetry::builder("pipeline-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
}

fn assert_balanced(stats: SpanStats) {
    assert_eq!(
        stats.started,
        stats.sampled_out + stats.exported + stats.dropped,
        "{stats:?}"
    );
    let by = stats.dropped_by;
    assert_eq!(
        stats.dropped,
        by.queue_full + by.export_failed + by.shutdown + by.unfinished,
        "{stats:?}"
    );
}

/// Root → two children, `n` times.
fn traces(n: usize) {
    for i in 0..n {
        tracing::info_span!("root", i).in_scope(|| {
            tracing::info_span!("child", n = 1).in_scope(|| {});
            tracing::info_span!("child", n = 2).in_scope(|| {});
        });
    }
}

#[test]
fn a_full_queue_sheds_whole_traces_and_counts_every_span() {
    let exporter = TestExporter::default();
    // The collector is stuck: the first batch hangs in export, the queue fills.
    exporter.set_stuck(true);
    let (dispatch, guard) = builder(&exporter)
        .max_queue_size(60)
        .max_export_batch_size(12)
        .scheduled_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || traces(400));
    let during = guard.stats();
    assert_eq!(during.started, 1200);
    assert!(during.dropped_by.queue_full > 0, "{during:?}");
    exporter.set_stuck(false);

    let err = guard.shutdown().expect_err("shed spans are reported");
    let stats = err.stats();
    assert_balanced(stats);
    assert_eq!(stats.started, 1200);
    assert_eq!(stats.sampled_out, 0);
    assert!(stats.dropped_by.queue_full >= during.dropped_by.queue_full);
    assert_eq!(
        stats.dropped_by.queue_full % 3,
        0,
        "whole traces: {stats:?}"
    );
    let received = exporter.spans();
    assert_eq!(stats.exported, received.len() as u64, "exported = received");
    assert!(stats.exported > 0 && stats.exported <= 60 + 12, "{stats:?}");
    assert!(
        err.to_string().contains("queue full"),
        "the error names the reason: {err}"
    );
    // No trace arrives with a hole: a root and its two children, always.
    for (trace, spans) in exporter.traces() {
        assert_eq!(spans.len(), 3, "trace {trace} arrived incomplete");
        let root = spans.iter().find(|s| s.name == "root").expect("root");
        assert_eq!(root.parent_span_id, SpanId::INVALID);
        for child in spans.iter().filter(|s| s.name == "child") {
            assert_eq!(child.parent_span_id, root.span_context.span_id());
        }
    }
}

#[test]
fn spans_held_by_open_roots_count_against_the_queue_bound() {
    let exporter = TestExporter::default();
    // Nothing leaves the queue while the collector is stuck: what fits is what the
    // bound allows, counting spans that wait in their open root.
    exporter.set_stuck(true);
    let (dispatch, guard) = builder(&exporter)
        .max_queue_size(40)
        .max_export_batch_size(40)
        .scheduled_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        // Three long traces open at once: 3 × 25 children do not fit in 40.
        let roots: Vec<_> = (0..3).map(|i| tracing::info_span!("long", i)).collect();
        for _ in 0..25 {
            for root in &roots {
                tracing::info_span!(parent: root, "part").in_scope(|| {});
            }
        }
        let during = guard.stats();
        assert!(
            during.dropped_by.queue_full >= 25,
            "a trace was shed while open: {during:?}"
        );
        drop(roots);
        // Room given back by the shed trace takes a later one.
        tracing::info_span!("short").in_scope(|| {
            tracing::info_span!("part").in_scope(|| {});
        });
    });
    exporter.set_stuck(false);
    let err = guard.shutdown().expect_err("shed spans are reported");
    let stats = err.stats();
    assert_balanced(stats);
    assert_eq!(stats.started, 3 * 26 + 2);
    // Whole traces only: each long trace arrives with its 25 parts or not at all.
    assert_eq!(stats.dropped_by.queue_full % 26, 0, "{stats:?}");
    assert_eq!(stats.exported, exporter.spans().len() as u64);
    for (trace, spans) in exporter.traces() {
        let root = spans
            .iter()
            .find(|s| s.parent_span_id == SpanId::INVALID)
            .expect("root");
        let expected = if root.name == "short" { 2 } else { 26 };
        assert_eq!(spans.len(), expected, "trace {trace} arrived incomplete");
    }
    assert!(
        exporter.spans().iter().any(|s| s.name == "short"),
        "the room of the shed trace was given back"
    );
}

#[test]
fn failed_exports_are_held_and_delivered_when_the_collector_returns() {
    let exporter = TestExporter::default();
    exporter.set_down(true);
    let (dispatch, guard) = builder(&exporter)
        .scheduled_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || traces(10));
    assert!(
        !guard.flush(Duration::from_millis(300)),
        "nothing can be delivered while the collector is down"
    );
    let (calls, failed) = exporter.calls();
    assert!(
        calls >= 1 && failed == calls,
        "{calls} calls, {failed} failed"
    );
    assert!(exporter.spans().is_empty());

    exporter.set_down(false);
    assert!(
        guard.flush(Duration::from_secs(20)),
        "delivered once it is back"
    );
    tracing::dispatcher::with_default(&dispatch, || traces(5));
    let stats = guard.shutdown().expect("nothing lost");
    assert_balanced(stats);
    assert_eq!(stats.exported, 45);
    assert_eq!(stats.dropped, 0);
    assert_eq!(exporter.traces().len(), 15);
}

#[test]
fn without_an_exporter_spans_get_ids_and_count_as_sampled_out() {
    let (dispatch, guard) = semtrace::Telemetry::builder("ids-only")
        .env_lookup(|_| None)
        .console(false)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let mut headers = http::HeaderMap::new();
        tracing::info_span!("op").in_scope(|| semtrace::propagation::inject(&mut headers));
        let traceparent = headers["traceparent"].to_str().unwrap();
        assert_eq!(traceparent.len(), 55, "{traceparent}");
        assert!(
            !headers.contains_key("tracestate"),
            "no empty tracestate header"
        );
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.started, 1);
    assert_eq!(stats.sampled_out, 1);
    assert_balanced(stats);
}

#[test]
fn spans_carry_only_conventional_attributes_by_default() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("plain", task.id = "t1").in_scope(|| {});
    });
    guard.shutdown().unwrap();
    let span = exporter.spans().remove(0);
    let keys: Vec<_> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(keys, ["task.id"]);
    assert_eq!(span.instrumentation_scope.name(), "semtrace");
}

#[test]
fn code_thread_and_timing_attributes_are_opt_in() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter)
        .code_attributes(true)
        .thread_attributes(true)
        .timing_attributes(true)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("timed").in_scope(|| {});
    });
    guard.shutdown().unwrap();
    let span = exporter.spans().remove(0);
    assert_eq!(
        semtrace_tests::capture::keys(&span),
        [
            "busy_ns",
            "code.file.path",
            "code.line.number",
            "idle_ns",
            "thread.id",
            "thread.name"
        ]
    );
}

#[test]
fn events_links_and_errors_follow_the_conventions() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let earlier = tracing::info_span!("earlier");
        earlier.in_scope(|| {});
        let span = tracing::info_span!("work");
        span.follows_from(&earlier);
        span.in_scope(|| {
            tracing::info!(items = 3_i64, "loaded");
            tracing::error!(code = 7_i64, "disk full");
        });
    });
    guard.shutdown().unwrap();
    let spans = exporter.spans();
    let earlier = spans.iter().find(|s| s.name == "earlier").unwrap();
    let work = spans.iter().find(|s| s.name == "work").unwrap();
    assert_eq!(work.links.len(), 1);
    assert_eq!(work.links[0].span_context, earlier.span_context);
    let names: Vec<_> = work.events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(names, ["loaded", "exception"]);
    let exception = &work.events[1];
    let attr = |k: &str| {
        exception
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(attr("exception.message"), Some("disk full".into()));
    assert_eq!(attr("code"), Some(7_i64.into()));
    assert_eq!(work.status, Status::error("disk full"));
}

#[test]
fn console_lines_on_both_sides_of_a_propagated_call_share_the_trace_id() {
    #[semtrace::traced_http(method = "GET", route = "/tasks/{id}", parent = headers)]
    fn serve(headers: &http::HeaderMap) -> u16 {
        tracing::info!("serving");
        200
    }
    // Two programs, console only: the caller injects, the callee extracts.
    let (worker_out, server_out) = (Buffer::default(), Buffer::default());
    let console = |name: &str, out: &Buffer| {
        semtrace::Telemetry::builder(name)
            .env_lookup(|_| None)
            .console_writer(out.clone())
            .build()
            .unwrap()
    };
    let (worker, worker_guard) = console("worker", &worker_out);
    let (server, server_guard) = console("server", &server_out);

    let mut headers = http::HeaderMap::new();
    tracing::dispatcher::with_default(&worker, || {
        tracing::info_span!("call").in_scope(|| {
            tracing::info!("calling");
            semtrace::propagation::inject(&mut headers);
        });
    });
    tracing::dispatcher::with_default(&server, || serve(&headers));
    drop((worker_guard, server_guard));

    let trace_id = |text: &str, needle: &str| {
        let line = text.lines().find(|l| l.contains(needle)).unwrap();
        let start = line.find("trace_id=").unwrap() + 9;
        line[start..start + 32].to_owned()
    };
    assert_eq!(
        trace_id(&worker_out.text(), "calling"),
        trace_id(&server_out.text(), "serving")
    );
}

#[derive(Debug)]
struct Panicking;

impl opentelemetry_sdk::trace::SpanExporter for Panicking {
    async fn export(
        &self,
        _batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        panic!("a bug in an exporter");
    }
}

#[test]
fn an_exporter_that_panics_loses_its_batch_but_counts_it() {
    let (dispatch, guard) = semtrace::Telemetry::builder("panicking")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(Panicking)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || traces(4));
    let err = guard.shutdown().expect_err("lost spans are reported");
    let stats = err.stats();
    assert_balanced(stats);
    assert_eq!(stats.dropped_by.export_failed, 12, "{stats:?}");
    assert!(err.to_string().contains("the exporter panicked"), "{err}");
}

#[test]
fn a_parent_set_after_the_span_started_brings_its_trace_state() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            .parse()
            .unwrap(),
    );
    headers.insert("tracestate", "vendor=abc".parse().unwrap());
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("job");
        semtrace::propagation::set_parent(&span, &headers);
        span.in_scope(|| tracing::info_span!("step").in_scope(|| {}));
    });
    guard.shutdown().unwrap();
    for span in exporter.spans() {
        assert_eq!(
            span.span_context.trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        assert_eq!(
            span.span_context.trace_state().header(),
            "vendor=abc",
            "{}",
            span.name
        );
    }
}

#[test]
fn spans_of_a_trace_whose_root_never_ends_are_counted_once_as_unfinished() {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let root = tracing::info_span!("root");
        // Ended, and held by its root for the trace, which never ends.
        root.in_scope(|| tracing::info_span!("child").in_scope(|| {}));
        std::mem::forget(root);
        tracing::info_span!("whole").in_scope(|| {});
    });
    // Nothing was lost by the pipeline: the program left the trace open.
    let stats = guard.shutdown().unwrap();
    assert_balanced(stats);
    assert_eq!(stats.started, 3, "{stats:?}");
    assert_eq!(stats.exported, 1, "{stats:?}");
    assert_eq!(stats.dropped_by.unfinished, 2, "{stats:?}");
    assert_eq!(stats.dropped_by.shutdown, 0, "{stats:?}");
    assert_eq!(exporter.names(), ["whole"]);
}
