//! The cost of one annotated call per sampling mode — the table users read before
//! choosing: `off`, `ratio` 0 / 0.01 / 0.1, `full`, and ratio 0.01 with 1 and 100
//! active rules (none matching this call, so every rule is checked). Every pipeline
//! exports to a discarding exporter behind semtrace's own queue, so the cost is the
//! application thread's. Everything runs side by side in one process: read the
//! ratios, the machine is shared and noisy.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use semtrace::{Config, SamplingMode};
use semtrace_tests::calls::{DiscardExporter, bare};
use semtrace_tests::failure::Failure;

#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = priority)]
fn annotated(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

fn pipeline(mode: SamplingMode, ratio: f64, rules: usize) -> (tracing::Dispatch, semtrace::Guard) {
    let (dispatch, guard) = semtrace::Telemetry::builder("bench-modes")
        .env_lookup(|_| None)
        .console(false)
        .config(Config::from_toml("[sampling]\nmax_rules = 1000\n").unwrap())
        .span_exporter(DiscardExporter)
        .scheduled_delay(Duration::from_millis(100))
        .build()
        .unwrap();
    let control = guard.control();
    control.set_mode(mode, Some(ratio)).unwrap();
    for i in 0..rules {
        control
            .add_rule(
                [("task.type", format!("import-{i}"))],
                1.0,
                Duration::from_secs(3600),
            )
            .unwrap();
    }
    (dispatch, guard)
}

fn modes(c: &mut Criterion) {
    let mut group = c.benchmark_group("mode");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    // The reference: the same call with a bare registry (no layer, no export).
    // Dropped before the others: a second live subscriber makes every callsite
    // ask each subscriber per call, which is not what a program with one pays.
    {
        let registry = tracing::Dispatch::new(tracing_subscriber::registry());
        tracing::dispatcher::with_default(&registry, || {
            group.bench_function("registry_only", |b| {
                b.iter(|| annotated(black_box(7), black_box(3)));
            });
        });
    }
    let cases: [(&str, SamplingMode, f64, usize); 7] = [
        ("off", SamplingMode::Off, 0.0, 0),
        ("ratio_0", SamplingMode::Ratio, 0.0, 0),
        ("ratio_0.01", SamplingMode::Ratio, 0.01, 0),
        ("ratio_0.1", SamplingMode::Ratio, 0.1, 0),
        ("full", SamplingMode::Full, 1.0, 0),
        ("ratio_0.01+1_rule", SamplingMode::Ratio, 0.01, 1),
        ("ratio_0.01+100_rules", SamplingMode::Ratio, 0.01, 100),
    ];
    for (name, mode, ratio, rules) in cases {
        let (dispatch, guard) = pipeline(mode, ratio, rules);
        tracing::dispatcher::with_default(&dispatch, || {
            group.bench_function(name, |b| {
                b.iter(|| annotated(black_box(7), black_box(3)));
            });
        });
        // Flat out, `full` may shed spans (queue full): counted, not hidden.
        let stats = guard.shutdown().unwrap_or_else(|e| e.stats());
        eprintln!(
            "{name}: started {}, sampled out {}, exported {}, dropped {}",
            stats.started, stats.sampled_out, stats.exported, stats.dropped
        );
    }
    group.finish();
}

criterion_group!(benches, modes);
criterion_main!(benches);
