//! What a semtrace span costs next to the same span written by hand with `tracing`.
//!
//! Each group runs the generated and the hand-written version side by side, so the
//! ratio between them is what to read (the machine is shared and noisy).
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tracing::field::Empty;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

use semtrace_tests::failure::Failure;

#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = priority)]
fn generated(id: u64, priority: i64) -> Result<u64, Failure> {
    if id == 0 { Err(Failure) } else { Ok(id + 1) }
}

/// What a careful user writes by hand for the same span: the same fields, error
/// status on `Err`.
fn hand_written(id: u64, priority: i64) -> Result<u64, Failure> {
    let span = tracing::info_span!(
        "generated",
        task.id = %id,
        task.r#type = "compute",
        task.priority = priority,
        otel.status_code = Empty,
        otel.status_description = Empty,
        error.r#type = Empty,
    );
    let _entered = span.enter();
    let result = if id == 0 { Err(Failure) } else { Ok(id + 1) };
    if let Err(e) = &result {
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", tracing::field::display(e));
        span.record("error.type", std::any::type_name::<Failure>());
    }
    result
}

fn bench(c: &mut Criterion) {
    for (label, level) in [
        ("disabled", LevelFilter::OFF),
        ("enabled", LevelFilter::TRACE),
    ] {
        // A real registry (span storage, ids), without any output layer: the cost of
        // the instrumentation itself, not of an exporter.
        let subscriber = tracing_subscriber::registry().with(level);
        let _default = tracing::subscriber::set_default(subscriber);
        let mut group = c.benchmark_group(format!("span_{label}"));
        group.bench_function("semtrace", |b| {
            b.iter(|| generated(black_box(7), black_box(2)));
        });
        group.bench_function("hand_written", |b| {
            b.iter(|| hand_written(black_box(7), black_box(2)));
        });
        group.bench_function("semtrace_err", |b| {
            b.iter(|| generated(black_box(0), black_box(2)));
        });
        group.bench_function("hand_written_err", |b| {
            b.iter(|| hand_written(black_box(0), black_box(2)));
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
