//! `with_layer` through `init()`: the global subscriber carries the user's layer
//! (tracing-error's `ErrorLayer`) beside the pipeline. Its own test binary: it
//! installs the global subscriber.

use semtrace_tests::exporter::TestExporter;
use tracing_error::{ErrorLayer, SpanTrace};

#[semtrace::traced_task(task.type = "import")]
fn import() -> String {
    load()
}

#[semtrace::traced(task.priority = 1_i64)]
fn load() -> String {
    SpanTrace::capture().to_string()
}

#[test]
fn a_layer_of_the_users_is_in_the_global_subscriber() {
    let exporter = TestExporter::default();
    let guard = semtrace::Telemetry::builder("with-layer-init")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
        .with_layer(ErrorLayer::default())
        .init()
        .unwrap();
    let trace = import();
    assert!(trace.contains("with_layer_init::load"), "{trace}");
    assert!(trace.contains("with_layer_init::import"), "{trace}");
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 2, "{stats:?}");
}
