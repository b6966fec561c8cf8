//! `build_layer()` in a subscriber installed the usual way,
//! `registry().with(fmt::layer()).with(layer).init()`: `init()` installs
//! tracing-log's bridge itself (semtrace leaves it alone unless asked), so it does
//! not panic, and records of the `log` crate reach both the fmt layer and the
//! exported span. Its own test binary: it installs the global subscriber and logger.

use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[semtrace::traced_task(task.type = "import")]
fn import() {
    log::info!("through the log crate");
}

#[test]
fn the_users_subscriber_installs_as_usual() {
    let exporter = TestExporter::default();
    let lines = Buffer::default();
    let (layer, guard) = semtrace::Telemetry::builder("build-layer-init")
        .env_lookup(|_| None)
        .span_exporter(exporter.clone())
        .build_layer()
        .unwrap();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(lines.clone()),
        )
        .with(layer)
        .init();
    import();
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 1, "{stats:?}");
    let text = lines.text();
    assert!(text.contains("through the log crate"), "{text}");
    let spans = exporter.spans();
    let events: Vec<_> = spans[0].events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(events, ["through the log crate"]);
}
