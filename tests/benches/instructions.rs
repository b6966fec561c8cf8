//! Instructions one annotated call costs the calling thread, for callgrind to count
//! (`scripts/instructions` builds this, runs it under callgrind and prints the
//! counts per call). Instruction counts repeat exactly from run to run whatever
//! else the machine does, so they show a change of a few percent that the timed
//! benchmarks (`benches/pipeline.rs`) cannot tell from noise on a shared machine.
//! They are not time: a cache miss counts as one instruction.
//!
//! Each `run_*` function makes `CALLS` calls on this thread. The queues are sized
//! so that nothing is shed, so each run counts the path of a span that is kept.
//! Run directly, it only makes its calls (and lists no tests for the test runner).
#![allow(missing_docs)]

use std::hint::black_box;

use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::layer::SubscriberExt as _;

use semtrace_tests::calls::{
    DiscardExporter, bare, instrument_call, semtrace_call, semtrace_call_with_metric,
};

/// Calls per measured run: enough that a run's fixed costs vanish in the division.
const CALLS: u64 = 20_000;

#[inline(never)]
fn run_semtrace_export(calls: u64) {
    for _ in 0..calls {
        let _ = black_box(semtrace_call(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_semtrace_export_err(calls: u64) {
    // Fails every call: status, description and `error.type` on each span.
    for _ in 0..black_box(calls) {
        let _ = black_box(semtrace_call(black_box(0), black_box(2)));
    }
}

// No subscriber at all: what a library's annotated function costs a program that
// does not use semtrace. One function per callee, each counted in its own run.
#[inline(never)]
fn run_disabled_bare(calls: u64) {
    for _ in 0..calls {
        let _ = black_box(bare(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_disabled_semtrace(calls: u64) {
    for _ in 0..black_box(calls) {
        let _ = black_box(semtrace_call(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_disabled_semtrace_metric(calls: u64) {
    for _ in 0..black_box(calls) {
        let _ = black_box(semtrace_call_with_metric(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_disabled_instrument(calls: u64) {
    for _ in 0..black_box(calls) {
        let _ = black_box(instrument_call(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_semtrace_registry_only(calls: u64) {
    // Not the same body as `run_semtrace_export`, which the compiler would fold
    // into one symbol.
    for _ in 0..black_box(calls) {
        let _ = black_box(semtrace_call(black_box(7), black_box(2)));
    }
}

#[inline(never)]
fn run_semtrace_build_layer(calls: u64) {
    for _ in 0..black_box(calls) {
        let _ = black_box(semtrace_call(black_box(7), black_box(2)));
        black_box(());
    }
}

#[inline(never)]
fn run_instrument_tracing_opentelemetry(calls: u64) {
    for _ in 0..calls {
        let _ = black_box(instrument_call(black_box(7), black_box(2)));
    }
}

fn warm<R>(mut call: impl FnMut() -> R) {
    for _ in 0..1000 {
        black_box(call());
    }
}

fn main() {
    // The test runner asks a bench binary for its tests; there are none.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // One variant per process (callgrind counts one function per run): `export`,
    // `export_err` (every call fails), `layer` (`build_layer` in the user's
    // registry), `registry` or `baseline`; all five without an argument.
    let only = std::env::args().nth(1);
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let room = usize::try_from(4 * CALLS).unwrap_or(usize::MAX);

    if wanted("disabled") {
        // Before any pipeline exists in the process: no recorder, no subscriber.
        run_disabled_bare(CALLS);
        run_disabled_semtrace(CALLS);
        run_disabled_semtrace_metric(CALLS);
        run_disabled_instrument(CALLS);
    }

    if wanted("export") {
        let (semtrace, guard) = semtrace::Telemetry::builder("instructions")
            .env_lookup(|_| None)
            .console(false)
            .max_queue_size(room)
            .span_exporter(DiscardExporter)
            .build()
            .expect("semtrace pipeline");
        tracing::dispatcher::with_default(&semtrace, || {
            // Warm (outside the counted function): the thread's buffers, the
            // callsite's interest, the clock's calibration.
            warm(|| semtrace_call(black_box(7), black_box(2)));
            run_semtrace_export(CALLS);
        });
        let stats = guard.shutdown().expect("shutdown");
        assert_eq!(stats.dropped, 0, "{stats:?}");
    }

    if wanted("export_err") {
        let (semtrace, guard) = semtrace::Telemetry::builder("instructions")
            .env_lookup(|_| None)
            .console(false)
            .max_queue_size(room)
            .span_exporter(DiscardExporter)
            .build()
            .expect("semtrace pipeline");
        tracing::dispatcher::with_default(&semtrace, || {
            warm(|| semtrace_call(black_box(0), black_box(2)));
            run_semtrace_export_err(CALLS);
        });
        let stats = guard.shutdown().expect("shutdown");
        assert_eq!(stats.dropped, 0, "{stats:?}");
    }

    if wanted("layer") {
        let (layer, guard) = semtrace::Telemetry::builder("instructions")
            .env_lookup(|_| None)
            .console(false)
            .max_queue_size(room)
            .span_exporter(DiscardExporter)
            .build_layer()
            .expect("semtrace layer");
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            warm(|| semtrace_call(black_box(7), black_box(2)));
            run_semtrace_build_layer(CALLS);
        });
        let stats = guard.shutdown().expect("shutdown");
        assert_eq!(stats.dropped, 0, "{stats:?}");
    }

    if wanted("registry") {
        let registry = tracing::Dispatch::new(
            tracing_subscriber::registry().with(tracing::level_filters::LevelFilter::TRACE),
        );
        tracing::dispatcher::with_default(&registry, || {
            warm(|| semtrace_call(black_box(7), black_box(2)));
            run_semtrace_registry_only(CALLS);
        });
    }

    if wanted("baseline") {
        let processor = opentelemetry_sdk::trace::BatchSpanProcessor::builder(DiscardExporter)
            .with_batch_config(
                opentelemetry_sdk::trace::BatchConfigBuilder::default()
                    .with_max_queue_size(room)
                    .build(),
            )
            .build();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        let baseline = tracing::Dispatch::new(
            tracing_subscriber::registry()
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("instructions"))),
        );
        tracing::dispatcher::with_default(&baseline, || {
            warm(|| instrument_call(black_box(7), black_box(2)));
            run_instrument_tracing_opentelemetry(CALLS);
        });
        provider.shutdown().expect("shutdown");
    }
    println!("calls per run: {CALLS} (after 1000 to warm up)");
}
