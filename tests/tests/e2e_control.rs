//! End to end against a real rotel collector: at head ratio 0 nothing arrives; a
//! rule for `task.type = import` lasting two seconds brings exactly those traces,
//! and after it expires none arrive again.

use std::time::{Duration, Instant};

use semtrace::Config;
use semtrace::config::Protocol;
use semtrace_tests::Collector;
use semtrace_tests::collector::Value;

fn task(task_type: &str, phase: &str) {
    tracing::info_span!("task", task.type = task_type, phase).in_scope(|| {
        tracing::info_span!("step").in_scope(|| {});
    });
}

#[test]
fn a_rule_brings_only_its_traces_until_it_expires() {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let (dispatch, guard) = semtrace::Telemetry::builder("e2e-control")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(collector.grpc_endpoint())
        .otlp_protocol(Protocol::Grpc)
        .scheduled_delay(Duration::from_millis(50))
        .config(Config::from_toml("[sampling]\nmode = \"ratio\"\nratio = 0.0\n").unwrap())
        .build()
        .unwrap();
    let control = guard.control();
    let emit = |phase: &str| {
        tracing::dispatcher::with_default(&dispatch, || {
            for _ in 0..4 {
                task("import", phase);
                task("export", phase);
            }
        });
    };
    emit("before");
    let added = Instant::now();
    let rule = control
        .add_rule([("task.type", "import")], 1.0, Duration::from_secs(2))
        .unwrap();
    emit("during");
    assert!(guard.flush(Duration::from_secs(10)));
    // Past the rule's end (real time: the collector sees real exports).
    std::thread::sleep(
        Duration::from_secs(2).saturating_sub(added.elapsed()) + Duration::from_millis(300),
    );
    assert!(control.rules().iter().all(|r| r.id != rule.id), "expired");
    emit("after");
    let stats = guard.shutdown().expect("every span accounted for");
    assert_eq!((stats.started, stats.exported), (48, 8), "{stats:?}");

    let spans = collector
        .wait_for_spans(8, Duration::from_secs(20))
        .expect("the rule's traces arrive");
    collector.wait_received_settled(Duration::from_secs(3));
    let spans = if spans.len() == 8 {
        spans
    } else {
        collector.spans()
    };
    assert_eq!(spans.len(), 8, "4 traces of 2 spans, nothing else");
    let roots: Vec<_> = spans.iter().filter(|s| s.name == "task").collect();
    assert_eq!(roots.len(), 4);
    for root in roots {
        assert_eq!(
            root.attr("task.type"),
            Some(&Value::String("import".into()))
        );
        assert_eq!(root.attr("phase"), Some(&Value::String("during".into())));
    }
}
