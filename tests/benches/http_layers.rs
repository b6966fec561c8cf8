//! What the HTTP server middleware adds to one request, side by side in one process
//! (read the ratios; the machine is shared and noisy):
//!
//! - `router_alone`: an axum `Router` with one route, no middleware, no subscriber;
//! - `semtrace_server_layer`: the same router under `semtrace::http::ServerLayer`,
//!   semtrace's subscriber (`build()`, spans to a discarding exporter, metrics on):
//!   the conventions' server span (its parent read from `traceparent`),
//!   `http.server.request.duration` and `http.server.active_requests`;
//! - `tower_http_tracing_opentelemetry`: the same router under tower-http's
//!   `TraceLayer::new_for_http()`, tracing-opentelemetry and the SDK's batch span
//!   processor (the same discarding exporter), plus `http.server.request.duration`
//!   recorded by hand through an SDK meter with the attributes semtrace's metric has.
//!
//! Each iteration builds a `GET /users/123` with a `User-Agent` and a `traceparent`,
//! sends it with `ServiceExt::oneshot` on a current-thread runtime and reads the
//! response's body (a real server sends it; tower-http's span ends with the body).
//! Wall time per request (`http_server_request`): the handler runs on the calling
//! thread, the exporters' and the metric drain's threads on the other core; and the
//! process's CPU time per request (`http_server_request_process_cpu`), which counts
//! those threads' work and leaves out what other programs take from this one.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Method, Request, Response, Version};
use http_body_util::BodyExt as _;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, MeterProvider as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use semtrace_tests::calls::DiscardExporter;
use tower::ServiceExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const ROUTE: &str = "/users/{id}";

/// The app: one route whose handler reads its path parameter and answers a short
/// string.
fn router() -> Router {
    Router::new().route(
        ROUTE,
        get(|Path(id): Path<u64>| async move {
            black_box(id);
            "Alice"
        }),
    )
}

/// `app` as `axum::serve` runs it: `into_make_service` turns every handler into a
/// route once (`with_state`). Called as it is, a router would box each request's
/// handler anew and apply its layers to it again, a cost no served request pays.
fn served(app: Router) -> Router {
    app.with_state(())
}

fn request() -> Request<Body> {
    Request::builder()
        .method(Method::GET)
        .uri("/users/123")
        .header(http::header::USER_AGENT, "semtrace-bench/1.0")
        .header("traceparent", TRACEPARENT)
        .body(Body::empty())
        .expect("request")
}

/// One request through `app`: the response, its body read.
async fn one(app: &Router) -> Response<()> {
    let response = app.clone().oneshot(request()).await.expect("infallible");
    let (parts, body) = response.into_parts();
    black_box(body.collect().await.expect("body").to_bytes());
    Response::from_parts(parts, ())
}

/// A metric reader that keeps what it reads and reads once an hour: the recorder
/// exists, its export stays out of the loop.
fn reader() -> PeriodicReader<InMemoryMetricExporter> {
    PeriodicReader::builder(InMemoryMetricExporter::default())
        .with_interval(Duration::from_secs(3600))
        .build()
}

/// The request's method as the conventions name it, without allocating (what a
/// careful hand-written middleware does).
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

fn version_name(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

/// The request through `app` with `http.server.request.duration` recorded by hand:
/// method, route, scheme, protocol version and status, as semtrace's metric has them.
async fn one_with_histogram(app: &Router, histogram: &Histogram<f64>) -> Response<()> {
    let start = Instant::now();
    let request = request();
    let method = method_name(request.method());
    let version = version_name(request.version());
    let scheme = request.uri().scheme_str().unwrap_or("http");
    let scheme = if scheme == "https" { "https" } else { "http" };
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    black_box(body.collect().await.expect("body").to_bytes());
    histogram.record(
        start.elapsed().as_secs_f64(),
        &[
            KeyValue::new("http.request.method", method),
            KeyValue::new("http.route", ROUTE),
            KeyValue::new("url.scheme", scheme),
            KeyValue::new("network.protocol.version", version),
            KeyValue::new(
                "http.response.status_code",
                i64::from(parts.status.as_u16()),
            ),
        ],
    );
    Response::from_parts(parts, ())
}

/// Runs `f` `iters` times and returns the CPU time the whole process spent.
fn process_cpu<R>(iters: u64, mut f: impl FnMut() -> R) -> Duration {
    let start = cpu_time::ProcessTime::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed()
}

/// Time per request of `f` over `n` requests: wall and process CPU.
fn block(n: u32, mut f: impl FnMut()) -> (f64, f64) {
    let cpu = cpu_time::ProcessTime::now();
    let wall = Instant::now();
    for _ in 0..n {
        f();
    }
    let per = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(n);
    (per(wall.elapsed()), per(cpu.elapsed()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The three in alternating blocks of requests, so the machine's drift between
/// criterion's benchmarks (seconds apart) stays out of the ratio: the medians over
/// the rounds of each one's time per request, and of each round's ratio
/// (semtrace − router) / (tower-http stack − router). Printed, not asserted.
fn interleaved(
    runtime: &tokio::runtime::Runtime,
    alone: &Router,
    (semtrace, with_semtrace): (&tracing::Dispatch, &Router),
    (baseline, with_tower_http): (&tracing::Dispatch, &Router),
    histogram: &Histogram<f64>,
) {
    const ROUNDS: usize = 40;
    const BLOCK: u32 = 4000;
    let mut rows: [Vec<(f64, f64)>; 3] = Default::default();
    for _ in 0..ROUNDS {
        rows[0].push(block(BLOCK, || {
            black_box(runtime.block_on(one(alone)));
        }));
        rows[1].push(tracing::dispatcher::with_default(semtrace, || {
            block(BLOCK, || {
                black_box(runtime.block_on(one(with_semtrace)));
            })
        }));
        rows[2].push(tracing::dispatcher::with_default(baseline, || {
            block(BLOCK, || {
                black_box(runtime.block_on(one_with_histogram(with_tower_http, histogram)));
            })
        }));
    }
    for (name, pick) in [
        ("wall", (|r: &(f64, f64)| r.0) as fn(&(f64, f64)) -> f64),
        ("process CPU", |r: &(f64, f64)| r.1),
    ] {
        let column = |i: usize| rows[i].iter().map(pick).collect::<Vec<_>>();
        let ratios = (0..ROUNDS)
            .map(|k| {
                let [a, s, t] = [0, 1, 2].map(|i| pick(&rows[i][k]));
                (s - a) / (t - a)
            })
            .collect();
        eprintln!(
            "interleaved, {name} per request (median of {ROUNDS} rounds of {BLOCK}): \
             router_alone {:.0} ns, semtrace_server_layer {:.0} ns, \
             tower_http_tracing_opentelemetry {:.0} ns; \
             (semtrace - router) / (tower-http stack - router) {:.3}",
            median(column(0)),
            median(column(1)),
            median(column(2)),
            median(ratios),
        );
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // semtrace: its subscriber, spans discarded, a metric reader so the recorder
    // exists.
    let (semtrace, semtrace_guard) = semtrace::Telemetry::builder("bench-http")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(DiscardExporter)
        .metric_reader(reader())
        .build()
        .expect("semtrace pipeline");
    let with_semtrace = served(router().layer(semtrace::http::ServerLayer::new()));

    // tower-http's trace layer under tracing-opentelemetry, the SDK's batch
    // processor exporting to the same discarding exporter, and the duration
    // histogram through an SDK meter with the conventions' advised boundaries.
    let tracer_provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(DiscardExporter)
        .build();
    let baseline = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("bench"))),
    );
    let meter_provider = SdkMeterProvider::builder().with_reader(reader()).build();
    let histogram = meter_provider
        .meter("bench")
        .f64_histogram("http.server.request.duration")
        .with_unit("s")
        .with_boundaries(vec![
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ])
        .build();
    let with_tower_http = served(router().layer(tower_http::trace::TraceLayer::new_for_http()));

    let alone = served(router());
    let mut g = c.benchmark_group("http_server_request");
    g.bench_function("router_alone", |b| {
        b.iter(|| runtime.block_on(one(&alone)));
    });
    tracing::dispatcher::with_default(&semtrace, || {
        g.bench_function("semtrace_server_layer", |b| {
            b.iter(|| runtime.block_on(one(&with_semtrace)));
        });
    });
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("tower_http_tracing_opentelemetry", |b| {
            b.iter(|| runtime.block_on(one_with_histogram(&with_tower_http, &histogram)));
        });
    });
    g.finish();

    // The same three in the process's CPU time per request: the exporters' and
    // the metric drain's threads counted (semtrace hands its metric to a drain
    // thread, the hand-written histogram records on the calling thread), the time
    // other programs take from this one on a shared machine not.
    let mut g = c.benchmark_group("http_server_request_process_cpu");
    g.bench_function("router_alone", |b| {
        b.iter_custom(|iters| process_cpu(iters, || runtime.block_on(one(&alone))));
    });
    tracing::dispatcher::with_default(&semtrace, || {
        g.bench_function("semtrace_server_layer", |b| {
            b.iter_custom(|iters| process_cpu(iters, || runtime.block_on(one(&with_semtrace))));
        });
    });
    tracing::dispatcher::with_default(&baseline, || {
        g.bench_function("tower_http_tracing_opentelemetry", |b| {
            b.iter_custom(|iters| {
                process_cpu(iters, || {
                    runtime.block_on(one_with_histogram(&with_tower_http, &histogram))
                })
            });
        });
    });
    g.finish();

    // Only when measuring (`cargo bench`): as a test (`cargo test --all-targets`,
    // which runs each benchmark once to see it works) the 40 rounds would take a
    // minute per test process.
    if std::env::args().any(|a| a == "--bench") {
        interleaved(
            &runtime,
            &alone,
            (&semtrace, &with_semtrace),
            (&baseline, &with_tower_http),
            &histogram,
        );
    }

    match semtrace_guard.shutdown() {
        Ok(stats) => eprintln!("semtrace pipeline, discarding: {stats:?}"),
        Err(e) => eprintln!("semtrace pipeline, discarding: {e}"),
    }
    let flushed = tracer_provider.shutdown_with_timeout(Duration::from_secs(10));
    eprintln!("tracing-opentelemetry, discarding: shutdown {flushed:?}");
    let _ = meter_provider.shutdown();
}

criterion_group!(benches, bench);
criterion_main!(benches);
