//! The `log` bridge, on by default: records of crates that log through `log` reach
//! the console, the log files and the current span (as an event), with their target
//! and level, through the same filters as `tracing` events. Each test scopes its own
//! subscriber with `with_default`; the bridge forwards to whichever is current.

use semtrace::config::Rotation;
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;

/// What a dependency that logs through `log` does.
mod dependency {
    pub(crate) fn work(n: u32) {
        log::info!("working on {n}");
        log::debug!("details of {n}");
        log::warn!(target: "dependency::pool", "pool almost full");
    }
}

#[test]
fn log_records_reach_the_console_the_files_and_the_current_span() {
    let dir = tempfile::tempdir().unwrap();
    let console = Buffer::default();
    let exporter = TestExporter::default();
    let (dispatch, guard) = semtrace::Telemetry::builder("log-bridge")
        .env_lookup(|_| None)
        .console_writer(console.clone())
        .console_level("info")
        .file_dir(dir.path())
        .file_prefix("app")
        .file_rotation(Rotation::Never)
        .file_level("debug")
        .span_exporter(exporter.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("job");
        let _entered = span.enter();
        dependency::work(7);
    });
    drop(dispatch);
    guard.shutdown().unwrap();

    let text = console.text();
    let line = text
        .lines()
        .find(|l| l.contains("working on 7"))
        .unwrap_or_else(|| panic!("no bridged line: {text}"));
    assert!(line.contains("INFO"), "{line}");
    assert!(
        line.contains("log_bridge::dependency"),
        "the record's target: {line}"
    );
    assert!(line.contains("job"), "inside the current span: {line}");
    let warn = text
        .lines()
        .find(|l| l.contains("pool almost full"))
        .unwrap();
    assert!(
        warn.contains("WARN") && warn.contains("dependency::pool"),
        "{warn}"
    );
    assert!(
        !text.contains("details of 7"),
        "debug is below the console's filter: {text}"
    );

    let file = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    assert!(file.contains("working on 7"), "{file}");
    assert!(
        file.contains("details of 7"),
        "the file's filter is debug: {file}"
    );

    let spans = exporter.spans();
    let job = spans.iter().find(|s| s.name == "job").unwrap();
    let events: Vec<&str> = job.events.iter().map(|e| e.name.as_ref()).collect();
    assert!(events.contains(&"working on 7"), "{events:?}");
    assert!(events.contains(&"pool almost full"), "{events:?}");
    assert!(
        !events.contains(&"details of 7"),
        "the pipeline's filter is info: {events:?}"
    );
}

#[test]
fn records_outside_semtrace_s_subscriber_go_nowhere() {
    let console = Buffer::default();
    let (dispatch, guard) = semtrace::Telemetry::builder("log-bridge")
        .env_lookup(|_| None)
        .console_writer(console.clone())
        .build()
        .unwrap();
    // Logged where no subscriber is current: nothing to forward to, no panic.
    dependency::work(1);
    tracing::dispatcher::with_default(&dispatch, || dependency::work(2));
    drop(dispatch);
    guard.shutdown().unwrap();
    let text = console.text();
    assert!(!text.contains("working on 1"), "{text}");
    assert!(text.contains("working on 2"), "{text}");
}
