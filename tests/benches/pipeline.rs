//! What one annotated call costs on the application thread, from no subscriber to
//! full export, next to `#[tracing::instrument]` (exported through
//! tracing-opentelemetry and the OpenTelemetry SDK's batch processor) and a fastrace
//! child span. Everything runs in one process, side by side: read the ratios, the
//! machine is shared and noisy.
//!
//! The export groups send to a real collector (rotel, started quiet on loopback);
//! each pipeline prints what it exported and dropped at the end.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use semtrace_tests::collector::Collector;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

// `semtrace_call` is the span alone, as `#[instrument]` makes it; the call's metric
// (issue 8) is measured in `benches/metrics.rs`, and shown here with
// `semtrace_call_with_metric` as `semtrace_with_metric`.
use semtrace_tests::calls::{
    DiscardExporter, bare, instrument_call, semtrace_call, semtrace_call_with_metric,
    semtrace_http_server,
};
use semtrace_tests::failure::Failure;

#[fastrace::trace]
fn fastrace_call(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

/// Counts and drops what fastrace reports, to show its spans were recorded.
static FASTRACE_SPANS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct Discard;

impl fastrace::collector::Reporter for Discard {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        FASTRACE_SPANS.fetch_add(spans.len(), std::sync::atomic::Ordering::Relaxed);
        black_box(spans);
    }
}

/// Runs `f` `iters` times and returns the CPU time this thread spent.
/// That is the cost on the application thread, without the time other threads (the
/// exporter, the collector) take from it on a shared machine.
fn cpu_time<R>(iters: u64, mut f: impl FnMut() -> R) -> Duration {
    let start = cpu_time::ThreadTime::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed()
}

fn pair(c: &mut Criterion, group: &str, dispatch: &tracing::Dispatch) {
    tracing::dispatcher::with_default(dispatch, || {
        let mut g = c.benchmark_group(group);
        g.bench_function("semtrace", |b| {
            b.iter(|| semtrace_call(black_box(7), black_box(2)));
        });
        g.bench_function("semtrace_with_metric", |b| {
            b.iter(|| semtrace_call_with_metric(black_box(7), black_box(2)));
        });
        g.bench_function("instrument", |b| {
            b.iter(|| instrument_call(black_box(7), black_box(2)));
        });
        g.bench_function("bare", |b| b.iter(|| bare(black_box(7), black_box(2))));
        g.finish();
    });
}

/// tracing-opentelemetry → SDK batch processor → OTLP/gRPC, as `semtrace::init()`
/// built it before semtrace had its own pipeline.
fn tracing_opentelemetry(
    endpoint: &str,
    runtime: &tokio::runtime::Runtime,
) -> (
    tracing::Dispatch,
    opentelemetry_sdk::trace::SdkTracerProvider,
) {
    use opentelemetry_otlp::WithExportConfig as _;
    let _entered = runtime.enter();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .expect("exporter");
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"));
    let subscriber = tracing_subscriber::registry().with(layer);
    (tracing::Dispatch::new(subscriber), provider)
}

fn bench(c: &mut Criterion) {
    without_export(c);
    discard(c);
    build_layer(c);
    console(c);
    export(c);
}

/// No subscriber, the level off, a registry without layers.
fn without_export(c: &mut Criterion) {
    {
        let mut g = c.benchmark_group("no_subscriber");
        g.bench_function("bare", |b| b.iter(|| bare(black_box(7), black_box(2))));
        g.bench_function("semtrace", |b| {
            b.iter(|| semtrace_call(black_box(7), black_box(2)));
        });
        g.bench_function("semtrace_with_metric", |b| {
            b.iter(|| semtrace_call_with_metric(black_box(7), black_box(2)));
        });
        g.bench_function("semtrace_http_server", |b| {
            b.iter(|| semtrace_http_server(black_box(7), black_box(2)));
        });
        g.bench_function("instrument", |b| {
            b.iter(|| instrument_call(black_box(7), black_box(2)));
        });
        g.finish();
    }
    let off = tracing::Dispatch::new(tracing_subscriber::registry().with(LevelFilter::OFF));
    pair(c, "level_off", &off);
    let registry = tracing::Dispatch::new(tracing_subscriber::registry().with(LevelFilter::TRACE));
    pair(c, "registry_only", &registry);
}

fn discard(c: &mut Criterion) {
    // The pipeline with an exporter that discards: its cost without a network.
    let (discard, discard_guard) = semtrace::Telemetry::builder("bench-discard")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(DiscardExporter)
        .build()
        .expect("semtrace pipeline");
    // tracing-opentelemetry and the SDK's batch processor, exporting to the same
    // discarding exporter: the baseline without a network or a collector, whose
    // queue seldom fills (exporting to rotel flat out, the SDK drops most spans
    // early, which makes its per-call cost swing with how full its queue is).
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(DiscardExporter)
        .build();
    let baseline = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"))),
    );
    {
        let mut g = c.benchmark_group("discard_thread_cpu");
        tracing::dispatcher::with_default(&discard, || {
            g.bench_function("semtrace", |b| {
                b.iter_custom(|iters| {
                    cpu_time(iters, || semtrace_call(black_box(7), black_box(2)))
                });
            });
            // The same call failing: status, description and `error.type`.
            g.bench_function("semtrace_err", |b| {
                b.iter_custom(|iters| {
                    cpu_time(iters, || semtrace_call(black_box(0), black_box(2)))
                });
            });
            g.bench_function("instrument_tracing_opentelemetry", |b| {
                tracing::dispatcher::with_default(&baseline, || {
                    b.iter_custom(|iters| {
                        cpu_time(iters, || instrument_call(black_box(7), black_box(2)))
                    });
                });
            });
            g.bench_function("instrument_tracing_opentelemetry_err", |b| {
                tracing::dispatcher::with_default(&baseline, || {
                    b.iter_custom(|iters| {
                        cpu_time(iters, || instrument_call(black_box(0), black_box(2)))
                    });
                });
            });
            // The same call as a child in a trace of 1000 spans: it waits in its
            // root (taking its room in the queue) until the root ends.
            g.bench_function("semtrace_child", |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(1000);
                        let root = tracing::info_span!("root");
                        let _entered = root.enter();
                        spent += cpu_time(n, || semtrace_call(black_box(7), black_box(2)));
                        left -= n;
                    }
                    spent
                });
            });
        });
        g.finish();
    }
    match discard_guard.shutdown() {
        Ok(stats) => eprintln!("semtrace pipeline, discarding: {stats:?}"),
        Err(e) => eprintln!("semtrace pipeline, discarding: {e}"),
    }
    let flushed = provider.shutdown_with_timeout(Duration::from_secs(10));
    eprintln!("tracing-opentelemetry, discarding: shutdown {flushed:?}");
}

/// semtrace's pipeline as a layer of the user's own subscriber
/// (`registry().with(build_layer)`: tracing-subscriber's registry, the pipeline
/// behind its per-layer filter) against `registry().with(tracing_opentelemetry
/// layer)` with the SDK batch processor, both exporting to a discarding exporter;
/// `build()` (semtrace's own span store) for reference. The calling thread's CPU per
/// call. The target: `build_layer` at most 1/4 of tracing-opentelemetry.
fn build_layer(c: &mut Criterion) {
    let builder = || {
        semtrace::Telemetry::builder("bench-build-layer")
            .env_lookup(|_| None)
            .console(false)
            .span_exporter(DiscardExporter)
    };
    let (layer, layer_guard) = builder().build_layer().expect("semtrace layer");
    let as_layer = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let (own, own_guard) = builder().build().expect("semtrace pipeline");
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(DiscardExporter)
        .build();
    let baseline = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"))),
    );
    let mut g = c.benchmark_group("build_layer");
    for (name, dispatch) in [
        ("semtrace_build_layer", &as_layer),
        ("semtrace_build", &own),
    ] {
        tracing::dispatcher::with_default(dispatch, || {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    cpu_time(iters, || semtrace_call(black_box(7), black_box(2)))
                });
            });
        });
    }
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("instrument_tracing_opentelemetry", |b| {
            b.iter_custom(|iters| cpu_time(iters, || instrument_call(black_box(7), black_box(2))));
        });
    });
    g.finish();
    for (name, guard) in [("build_layer", layer_guard), ("build", own_guard)] {
        match guard.shutdown() {
            Ok(stats) => eprintln!("semtrace {name}, discarding: {stats:?}"),
            Err(e) => eprintln!("semtrace {name}, discarding: {e}"),
        }
    }
    let _ = provider.shutdown_with_timeout(Duration::from_secs(10));
}

/// The default configuration: console output (full format, `info`, to a sink) beside
/// the export pipeline (a discarding exporter), against the same with the `pretty`
/// format, the OTLP-only pipeline and `#[instrument]` under `fmt::layer()` +
/// tracing-opentelemetry + the SDK batch processor. The calling thread's CPU per
/// call; the function logs no line.
fn console(c: &mut Criterion) {
    use semtrace::config::ConsoleFormat;
    let build = |console: Option<ConsoleFormat>| {
        semtrace::Telemetry::builder("bench-console")
            .env_lookup(|_| None)
            .console(console.is_some())
            .console_format(console.unwrap_or(ConsoleFormat::Full))
            .console_level("info")
            .console_writer(std::io::sink)
            .span_exporter(DiscardExporter)
            .build()
            .expect("semtrace pipeline")
    };
    let (with_console, console_guard) = build(Some(ConsoleFormat::Full));
    let (with_pretty, pretty_guard) = build(Some(ConsoleFormat::Pretty));
    let (otlp_only, otlp_guard) = build(None);
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(DiscardExporter)
        .build();
    let baseline = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::io::sink)
                    .with_filter(LevelFilter::INFO),
            )
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"))),
    );
    let mut g = c.benchmark_group("console_thread_cpu");
    for (name, dispatch) in [
        ("semtrace_console", &with_console),
        ("semtrace_console_pretty", &with_pretty),
        ("semtrace_otlp_only", &otlp_only),
    ] {
        tracing::dispatcher::with_default(dispatch, || {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    cpu_time(iters, || semtrace_call(black_box(7), black_box(2)))
                });
            });
        });
    }
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("instrument_fmt_tracing_opentelemetry", |b| {
            b.iter_custom(|iters| cpu_time(iters, || instrument_call(black_box(7), black_box(2))));
        });
    });
    g.finish();
    for guard in [console_guard, pretty_guard, otlp_guard] {
        if let Err(e) = guard.shutdown() {
            eprintln!("semtrace pipeline, console group: {e}");
        }
    }
    let _ = provider.shutdown_with_timeout(Duration::from_secs(10));
}

fn export(c: &mut Criterion) {
    let registry = tracing::Dispatch::new(tracing_subscriber::registry().with(LevelFilter::TRACE));
    let collector = match Collector::start_quiet() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("export groups skipped, no collector: {e} (run scripts/install-rotel)");
            return;
        }
    };
    let endpoint = collector.grpc_endpoint();
    let (semtrace, guard) = semtrace::Telemetry::builder("bench-semtrace")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(&endpoint)
        .otlp_protocol(semtrace::config::Protocol::Grpc)
        .build()
        .expect("semtrace pipeline");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (baseline, provider) = tracing_opentelemetry(&endpoint, &runtime);

    // Wall time: what a flat-out loop sees on this 2-core machine, the exporter and
    // the collector competing for the cores.
    let mut g = c.benchmark_group("export");
    tracing::dispatcher::with_default(&semtrace, || {
        g.bench_function("semtrace", |b| {
            b.iter(|| semtrace_call(black_box(7), black_box(2)));
        });
    });
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("instrument_tracing_opentelemetry", |b| {
            b.iter(|| instrument_call(black_box(7), black_box(2)));
        });
    });
    g.finish();
    // CPU time of the calling thread: the cost on the application thread itself.
    let mut g = c.benchmark_group("export_thread_cpu");
    tracing::dispatcher::with_default(&semtrace, || {
        g.bench_function("semtrace", |b| {
            b.iter_custom(|iters| cpu_time(iters, || semtrace_call(black_box(7), black_box(2))));
        });
    });
    tracing::dispatcher::with_default(&semtrace, || {
        g.bench_function("semtrace_with_metric", |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    semtrace_call_with_metric(black_box(7), black_box(2))
                })
            });
        });
    });
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("instrument_tracing_opentelemetry", |b| {
            b.iter_custom(|iters| cpu_time(iters, || instrument_call(black_box(7), black_box(2))));
        });
    });
    tracing::dispatcher::with_default(&registry, || {
        g.bench_function("semtrace_registry_only", |b| {
            b.iter_custom(|iters| cpu_time(iters, || semtrace_call(black_box(7), black_box(2))));
        });
    });
    fastrace::set_reporter(Discard, fastrace::collector::Config::default());
    // A root of at most 1000 children at a time: fastrace bounds the spans it keeps
    // per root and drops the rest cheaply, which would not be the cost of a span.
    g.bench_function("fastrace_child", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(1000);
                let root = fastrace::Span::root("root", fastrace::prelude::SpanContext::random());
                let parent = root.set_local_parent();
                let start = cpu_time::ThreadTime::now();
                for _ in 0..n {
                    let _ = black_box(fastrace_call(black_box(7), black_box(2)));
                }
                spent += start.elapsed();
                drop(parent);
                left -= n;
            }
            spent
        });
    });
    g.finish();
    fastrace::flush();
    eprintln!(
        "fastrace reported {} spans (every child is recorded)",
        FASTRACE_SPANS.load(std::sync::atomic::Ordering::Relaxed)
    );

    match guard.shutdown() {
        Ok(stats) => eprintln!("semtrace pipeline: {stats:?}"),
        Err(e) => eprintln!("semtrace pipeline: {e}; {:?}", e.stats()),
    }
    let flushed = provider.shutdown_with_timeout(Duration::from_secs(10));
    eprintln!("tracing-opentelemetry pipeline shutdown: {flushed:?} (drops are not counted)");
    drop(collector);
}

criterion_group!(benches, bench);
criterion_main!(benches);
