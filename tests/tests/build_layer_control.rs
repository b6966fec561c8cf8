//! The control of `build_layer()`'s layer finds the user's subscriber once it is
//! one: changes made from a thread without a default subscriber (the admin
//! listener's, the config watcher's) rebuild the callsites' interest against it.
//! Alone in its binary: with one dispatcher, tracing-core asks only the calling
//! thread's default when interest is rebuilt.

use semtrace::SamplingMode;
use semtrace_tests::exporter::TestExporter;
use tracing_subscriber::layer::SubscriberExt as _;

/// One callsite, entered before, while and after sampling is off.
fn work(i: i64) {
    tracing::info_span!("work", i).in_scope(|| {});
}

fn elsewhere(f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(f).join().unwrap();
}

#[test]
fn changes_from_another_thread_reach_the_users_subscriber() {
    let exporter = TestExporter::default();
    let (layer, guard) = semtrace::Telemetry::builder("build-layer-control")
        .env_lookup(|_| None)
        .span_exporter(exporter.clone())
        .build_layer()
        .unwrap();
    let control = guard.control();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        work(0);
        let c = control.clone();
        elsewhere(move || c.set_mode(SamplingMode::Off, None).unwrap());
        work(1);
        let c = control.clone();
        elsewhere(move || c.set_mode(SamplingMode::Ratio, Some(1.0)).unwrap());
        work(2);
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!((stats.started, stats.exported), (2, 2), "{stats:?}");
    let mut seen: Vec<String> = exporter
        .spans()
        .iter()
        .flat_map(|s| s.attributes.iter())
        .filter(|kv| kv.key.as_str() == "i")
        .map(|kv| kv.value.to_string())
        .collect();
    seen.sort();
    assert_eq!(seen, ["0", "2"]);
}
