//! The program and the assertions the log export tests over gRPC and HTTP share:
//! spans go to one rotel, log records to another (each prints one signal), and the
//! records must carry the ids of the spans the first received.

use std::time::Duration;

use semtrace::config::{LogsExporter, Protocol};
use semtrace_tests::Collector;
use semtrace_tests::collector::Value;
use semtrace_tests::logs::LOG_ARGS;

#[derive(Debug)]
struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Failed {}

#[semtrace::traced_task(task.id = "import-7", task.type = "import")]
fn import(rows: i64) -> Result<(), Failed> {
    tracing::info!(
        rows,
        dry_run = false,
        ratio = 0.5,
        source = "s3",
        "import started"
    );
    // A dependency that logs through the `log` crate.
    log::warn!(target: "legacy_dep", "disk at {}%", 91);
    tracing::debug!("below the logs level: not exported");
    Err(Failed)
}

/// Spans to `traces`, log records to `logs`, over `protocol`; the program; the
/// guard's drop flushes both.
pub(crate) fn run(protocol: Protocol, service: &str) -> (Collector, Collector) {
    let traces = Collector::start().expect("start rotel (scripts/install-rotel)");
    let logs = Collector::start_with(LOG_ARGS).expect("start rotel");
    let (span_endpoint, log_endpoint) = match protocol {
        Protocol::Grpc => (traces.grpc_endpoint(), logs.grpc_endpoint()),
        // The logs' own endpoint is used as given: the full URL.
        _ => (
            traces.http_endpoint(),
            format!("{}/v1/logs", logs.http_endpoint()),
        ),
    };
    let guard = semtrace::Telemetry::builder(service)
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(span_endpoint)
        .otlp_protocol(protocol)
        .logs_exporters([LogsExporter::Otlp])
        .logs_endpoint(log_endpoint)
        .scheduled_delay(Duration::from_secs(3600))
        .init()
        .expect("semtrace::init");
    assert!(import(3).is_err());
    tracing::info!(outside = true, "no span around this one");
    drop(guard);
    (traces, logs)
}

pub(crate) fn assert_exported(traces: &Collector, logs: &Collector, service: &str) {
    let spans = traces
        .wait_for_spans(1, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    let task = spans
        .iter()
        .find(|s| s.attr("task.id").and_then(Value::as_str) == Some("import-7"))
        .unwrap_or_else(|| panic!("the task span: {spans:#?}"));
    let records = logs
        .wait_for_logs(3, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 3, "debug! is below the level: {records:#?}");

    let info = records
        .iter()
        .find(|r| r.body == "import started")
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert_eq!(info.trace_id, task.trace_id);
    assert_eq!(info.span_id, task.span_id);
    assert_eq!(info.flags, 1, "sampled");
    assert_eq!(
        (info.severity_number, info.severity_text.as_str()),
        (9, "INFO")
    );
    assert_eq!(
        info.attr("rows"),
        Some(&Value::Int(3)),
        "an int stays an int"
    );
    assert_eq!(info.attr("dry_run"), Some(&Value::Bool(false)));
    assert_eq!(info.attr("ratio"), Some(&Value::Double(0.5)));
    assert_eq!(info.attr("source").and_then(Value::as_str), Some("s3"));
    assert!(
        info.scope.starts_with("e2e_logs"),
        "the target: {}",
        info.scope
    );
    assert_eq!(
        info.resource.get("service.name").and_then(Value::as_str),
        Some(service)
    );

    let warn = records
        .iter()
        .find(|r| r.body == "disk at 91%")
        .unwrap_or_else(|| panic!("the `log` record: {records:#?}"));
    assert_eq!(warn.scope, "legacy_dep", "the `log` target is the scope");
    assert_eq!(
        (warn.severity_number, warn.severity_text.as_str()),
        (13, "WARN")
    );
    assert_eq!(warn.span_id, task.span_id);
    assert!(warn.attr("log.target").is_none(), "{warn:#?}");

    let outside = records
        .iter()
        .find(|r| r.body == "no span around this one")
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert!(outside.trace_id.is_empty() && outside.span_id.is_empty());
}
