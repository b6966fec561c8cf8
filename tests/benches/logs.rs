//! What one `info!` event inside a span costs on the application thread when log
//! records are exported over OTLP/gRPC to a real collector (rotel on loopback):
//! semtrace's log pipeline, side by side with `opentelemetry-appender-tracing` and
//! the SDK's batch log processor (with tracing-opentelemetry's span ids, so both
//! records carry trace context). Read the ratio: the machine is shared and noisy.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use semtrace::config::{LogsExporter, Protocol};
use semtrace_tests::collector::Collector;
use tracing_subscriber::layer::SubscriberExt as _;

fn event(i: u64) {
    tracing::info!(request_id = i, user = "alice", "handled request");
}

/// The SDK's path: the appender's layer and tracing-opentelemetry's, a batch log
/// processor and a batch span processor, both exporting over OTLP/gRPC.
fn sdk(
    endpoint: &str,
    runtime: &tokio::runtime::Runtime,
) -> (
    tracing::Dispatch,
    opentelemetry_sdk::logs::SdkLoggerProvider,
    opentelemetry_sdk::trace::SdkTracerProvider,
) {
    use opentelemetry_otlp::WithExportConfig as _;
    let _entered = runtime.enter();
    let logs = opentelemetry_otlp::LogExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .expect("log exporter");
    let logger = opentelemetry_sdk::logs::SdkLoggerProvider::builder()
        .with_batch_exporter(logs)
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .expect("span exporter");
    let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer.tracer("bench")))
        .with(opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&logger));
    (tracing::Dispatch::new(subscriber), logger, tracer)
}

fn bench(c: &mut Criterion) {
    let collector = match Collector::start_quiet() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logs bench skipped, no collector: {e} (run scripts/install-rotel)");
            return;
        }
    };
    let endpoint = collector.grpc_endpoint();
    let (semtrace, guard) = semtrace::Telemetry::builder("bench-logs")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(&endpoint)
        .otlp_protocol(Protocol::Grpc)
        .logs_exporters([LogsExporter::Otlp])
        .build()
        .expect("semtrace");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (sdk, logger, tracer) = sdk(&endpoint, &runtime);

    let mut g = c.benchmark_group("info_event_in_span_exported");
    tracing::dispatcher::with_default(&semtrace, || {
        let span = tracing::info_span!("request");
        let _entered = span.enter();
        let mut i = 0;
        g.bench_function("semtrace", |b| {
            b.iter(|| {
                i += 1;
                event(black_box(i));
            });
        });
    });
    tracing::dispatcher::with_default(&sdk, || {
        let span = tracing::info_span!("request");
        let _entered = span.enter();
        let mut i = 0;
        g.bench_function("appender_tracing_batch", |b| {
            b.iter(|| {
                i += 1;
                event(black_box(i));
            });
        });
    });
    g.finish();
    let stats = guard.log_stats();
    drop(guard);
    eprintln!(
        "semtrace log records: {} emitted, {} exported, {} dropped by the queue before shutdown",
        stats.emitted, stats.exported, stats.dropped
    );
    let _ = logger.shutdown();
    let _ = tracer.shutdown();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
