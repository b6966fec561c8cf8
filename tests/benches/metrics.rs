//! What a call's automatic metric costs, side by side in one process (read the
//! ratios; the machine is shared and noisy):
//!
//! - `no metric`: an annotated call with `metrics = false`, under semtrace's
//!   subscriber with no span export (registry and ids only);
//! - `with metric`: the same call recording `task.duration`, same subscriber;
//! - `hand-written`: the same call with `metrics = false` plus a hand-written
//!   `Instant` and `Histogram::record` with the same attributes through the
//!   OpenTelemetry metrics API, same subscriber and meter provider kind;
//! - `http, 3 outcomes`: an HTTP handler alternating status codes;
//! - `span off: …`: the same three with the span below the level, so the metric's
//!   own cost is not lost in the noise of a full span's (±80 ns run to run here);
//! - `added by the metric, interleaved`: the difference alone, timed in alternating
//!   blocks of 1000 calls with and without the metric;
//! - `…, process CPU`: the process's CPU time per call instead of the calling
//!   thread's time, so the drain thread's share (the SDK's record, made off the
//!   call's thread) is counted too;
//! - `parts: …`: the clock reads and the SDK's record, bound and unbound.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use semtrace::config::ExemplarFilter;

#[inline(never)]
fn bare(id: u64) -> Result<u64, String> {
    if id == 0 {
        Err("zero".to_owned())
    } else {
        Ok(id + 1)
    }
}

#[semtrace::traced_task(task.type = "compute", metrics = false)]
fn without_metric(id: u64) -> Result<u64, String> {
    bare(id)
}

#[semtrace::traced_task(task.type = "compute")]
fn with_metric(id: u64) -> Result<u64, String> {
    bare(id)
}

// The same calls with their span below the level: what remains is the metric alone
// (the disabled span costs a few ns), so the difference is not lost in the noise of a
// full span's cost.
#[semtrace::traced_task(level = "trace", task.type = "compute", metrics = false)]
fn quiet_without_metric(id: u64) -> Result<u64, String> {
    bare(id)
}

#[semtrace::traced_task(level = "trace", task.type = "compute")]
fn quiet_with_metric(id: u64) -> Result<u64, String> {
    bare(id)
}

#[semtrace::traced_http(method = "GET", route = "/items/{id}")]
fn handler(id: u64) -> u16 {
    [200, 404, 201][usize::try_from(id % 3).unwrap_or(0)]
}

fn reader() -> PeriodicReader<InMemoryMetricExporter> {
    PeriodicReader::builder(InMemoryMetricExporter::default())
        .with_interval(Duration::from_secs(3600))
        .build()
}

fn pipeline() -> (tracing::Dispatch, semtrace::Guard) {
    pipeline_with(ExemplarFilter::TraceBased)
}

fn pipeline_with(exemplars: ExemplarFilter) -> (tracing::Dispatch, semtrace::Guard) {
    semtrace::Telemetry::builder("bench-metrics")
        .env_lookup(|_| None)
        .console(false)
        .metric_reader(reader())
        .metrics_exemplar_filter(exemplars)
        .build()
        .unwrap()
}

/// What keeping an exemplar adds to a sampled call: alternating blocks of calls
/// under a pipeline that keeps them (`trace_based`, the default) and one that does
/// not (`always_off`), each block in its own scope, so the scoped dispatcher's
/// lookup is on both sides.
fn exemplar_cost(c: &mut Criterion) {
    let (keeping, _keeping) = pipeline_with(ExemplarFilter::TraceBased);
    let (not_keeping, _not_keeping) = pipeline_with(ExemplarFilter::AlwaysOff);
    let mut group = c.benchmark_group("exemplars");
    let block = |dispatch: &tracing::Dispatch, n: u64| {
        tracing::dispatcher::with_default(dispatch, || {
            let start = Instant::now();
            for _ in 0..n {
                let _ = black_box(with_metric(black_box(7)));
            }
            start.elapsed()
        })
    };
    group.bench_function("added by keeping exemplars, interleaved", |b| {
        b.iter_custom(|iters| {
            let (mut on, mut off) = (Duration::ZERO, Duration::ZERO);
            let mut left = iters;
            while left > 0 {
                let n = left.min(1000);
                off += block(&not_keeping, n);
                on += block(&keeping, n);
                left -= n;
            }
            // Never zero: criterion refuses a benchmark that measured no time, and a
            // difference within the noise can come out at or below zero.
            on.saturating_sub(off).max(Duration::from_nanos(1))
        });
    });
    group.bench_function("with metric, keeping exemplars (scoped)", |b| {
        b.iter_custom(|iters| block(&keeping, iters));
    });
    group.bench_function("with metric, exemplars off (scoped)", |b| {
        b.iter_custom(|iters| block(&not_keeping, iters));
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let (dispatch, _guard) = pipeline();
    let provider = SdkMeterProvider::builder().with_reader(reader()).build();
    let histogram = provider
        .meter("hand-written")
        .f64_histogram("task.duration")
        .with_unit("s")
        .with_boundaries(vec![
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ])
        .build();
    let attrs = [KeyValue::new("task.type", "compute")];
    let mut group = c.benchmark_group("metric per call");
    // The global subscriber, as `semtrace::init()` installs it: finding the recorder
    // is then the dispatcher's fast path, as in a program.
    tracing::dispatcher::set_global_default(dispatch).unwrap();
    {
        group.bench_function("no metric", |b| b.iter(|| without_metric(black_box(7))));
        group.bench_function("with metric", |b| b.iter(|| with_metric(black_box(7))));
        group.bench_function("hand-written", |b| {
            b.iter(|| {
                let start = Instant::now();
                let out = without_metric(black_box(7));
                histogram.record(start.elapsed().as_secs_f64(), &attrs);
                out
            });
        });
        group.bench_function("span off: no metric", |b| {
            b.iter(|| quiet_without_metric(black_box(7)));
        });
        group.bench_function("span off: with metric", |b| {
            b.iter(|| quiet_with_metric(black_box(7)));
        });
        group.bench_function("span off: hand-written", |b| {
            b.iter(|| {
                let start = Instant::now();
                let out = quiet_without_metric(black_box(7));
                histogram.record(start.elapsed().as_secs_f64(), &attrs);
                out
            });
        });
        // The process's CPU, not the calling thread's time: what the metric costs
        // in all, its drain thread's share (the SDK's record) included.
        let process_cpu = |iters: u64, call: fn(u64) -> Result<u64, String>| {
            let start = cpu_time::ProcessTime::now();
            for _ in 0..iters {
                let _ = black_box(call(black_box(7)));
            }
            start.elapsed()
        };
        group.bench_function("span off: no metric, process CPU", |b| {
            b.iter_custom(|iters| process_cpu(iters, quiet_without_metric));
        });
        group.bench_function("span off: with metric, process CPU", |b| {
            b.iter_custom(|iters| process_cpu(iters, quiet_with_metric));
        });
        // The difference alone, measured in alternating blocks of calls with and
        // without the metric, so the machine's drift between two benchmarks (tens
        // of ns for a full span here) does not end up in it.
        let added = |iters: u64,
                     with: fn(u64) -> Result<u64, String>,
                     without: fn(u64) -> Result<u64, String>| {
            let (mut on, mut off) = (Duration::ZERO, Duration::ZERO);
            let mut left = iters;
            while left > 0 {
                let n = left.min(1000);
                let start = Instant::now();
                for _ in 0..n {
                    let _ = black_box(without(black_box(7)));
                }
                off += start.elapsed();
                let start = Instant::now();
                for _ in 0..n {
                    let _ = black_box(with(black_box(7)));
                }
                on += start.elapsed();
                left -= n;
            }
            // Never zero: criterion refuses a benchmark that measured no time, and a
            // difference within the noise can come out at or below zero.
            on.saturating_sub(off).max(Duration::from_nanos(1))
        };
        group.bench_function("added by the metric, interleaved", |b| {
            b.iter_custom(|iters| added(iters, with_metric, without_metric));
        });
        group.bench_function("span off: added by the metric, interleaved", |b| {
            b.iter_custom(|iters| added(iters, quiet_with_metric, quiet_without_metric));
        });
        group.bench_function("parts: two std clock reads", |b| {
            b.iter(|| black_box(Instant::now()).elapsed());
        });
        group.bench_function("parts: two TSC clock reads", |b| {
            b.iter(|| black_box(quanta::Instant::now()).elapsed());
        });
        group.bench_function("parts: SDK record, 1 attribute", |b| {
            b.iter(|| histogram.record(black_box(0.001), &attrs));
        });
        let bound = histogram.bind(&attrs);
        group.bench_function("parts: SDK bound record", |b| {
            b.iter(|| bound.record(black_box(0.001)));
        });
        let mut i = 0_u64;
        group.bench_function("http, 3 outcomes", |b| {
            b.iter(|| {
                i += 1;
                handler(black_box(i))
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = exemplar_cost, bench
}
criterion_main!(benches);
