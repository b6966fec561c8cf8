//! The automatic metrics through the SDK's in-memory metric exporter: names, units,
//! instrument kinds, attribute sets with their types, counts equal to calls with
//! trace sampling off, error attributes, `metrics = false`, `#[traced(metric)]`,
//! and semtrace's own `semtrace.*` counters. No global subscriber.
#![allow(clippy::float_cmp)]

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use semtrace::{Config, ErrorType};

/// An in-memory metric exporter and a reader that exports only when shut down.
fn in_memory() -> (
    InMemoryMetricExporter,
    PeriodicReader<InMemoryMetricExporter>,
) {
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    (exporter, reader)
}

fn run<R>(toml: &str, f: impl FnOnce() -> R) -> (R, Vec<ResourceMetrics>, semtrace::SpanStats) {
    let (exporter, reader) = in_memory();
    let (dispatch, guard) = semtrace::Telemetry::builder("metrics-test")
        .env_lookup(|_| None)
        .console(false)
        .config(Config::from_toml(toml).unwrap())
        .metric_reader(reader)
        .build()
        .unwrap();
    let out = tracing::dispatcher::with_default(&dispatch, f);
    let stats = guard.shutdown().unwrap();
    (out, exporter.get_finished_metrics().unwrap(), stats)
}

/// A pipeline whose spans go to a test exporter and metrics to an in-memory one.
fn spans_and_metrics() -> (
    semtrace_tests::exporter::TestExporter,
    InMemoryMetricExporter,
    tracing::Dispatch,
    semtrace::Guard,
) {
    let spans = semtrace_tests::exporter::TestExporter::default();
    let (exporter, reader) = in_memory();
    let (dispatch, guard) = semtrace::Telemetry::builder("metrics-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(spans.clone())
        .metric_reader(reader)
        .build()
        .unwrap();
    (spans, exporter, dispatch, guard)
}

/// One histogram data point: its attributes (typed) and count.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    attrs: BTreeMap<String, Value>,
    count: u64,
    sum: f64,
    bounds: Vec<f64>,
}

/// The last export's histogram `name`: unit and points.
fn histogram(all: &[ResourceMetrics], name: &str) -> (String, String, Vec<Point>) {
    let last = all.last().expect("an export");
    let metric = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = last
                .scope_metrics()
                .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
                .map(|m| m.name().to_owned())
                .collect();
            panic!("no metric `{name}` among {names:?}")
        });
    let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
        panic!("`{name}` is not an f64 histogram");
    };
    let points = h
        .data_points()
        .map(|dp| Point {
            attrs: dp
                .attributes()
                .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                .collect(),
            count: dp.count(),
            sum: dp.sum(),
            bounds: dp.bounds().collect(),
        })
        .collect();
    (
        metric.unit().to_owned(),
        metric.description().to_owned(),
        points,
    )
}

fn attrs(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[semtrace::traced_http(method = "GET", route = "/users/{id}")]
fn get_user(status: u16) -> u16 {
    status
}

#[semtrace::traced_http(client, method = "POST")]
fn call_upstream(fail: bool) -> Result<u16, std::io::Error> {
    if fail {
        Err(std::io::Error::other("connection reset"))
    } else {
        Ok(201)
    }
}

#[derive(Debug)]
enum StoreError {
    Timeout,
}
impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("timed out")
    }
}
impl ErrorType for StoreError {
    fn error_type(&self) -> &str {
        match self {
            Self::Timeout => "timeout",
        }
    }
}

#[semtrace::traced_db(
    system = "postgresql",
    operation = "SELECT",
    collection = "users",
    namespace = "shop"
)]
fn load(fail: bool) -> Result<i64, StoreError> {
    if fail {
        Err(StoreError::Timeout)
    } else {
        Ok(1)
    }
}

#[semtrace::traced_task(task.type = "import")]
fn import(fail: bool) -> Result<(), String> {
    if fail {
        Err("bad row".to_owned())
    } else {
        Ok(())
    }
}

#[semtrace::traced_task(task.type = "quiet", metrics = false)]
fn quiet() {}

#[semtrace::traced(metric = "http.server.request.duration", http.request.method = "PUT")]
fn generic_handler() {}

#[semtrace::traced(level = "trace", metric = "task.duration", task.type = "hidden")]
fn below_level() {}

const SAMPLING_OFF: &str = "[sampling]\nmode = \"ratio\"\nratio = 0.0\n";

#[test]
fn http_server_histogram_counts_every_call_with_sampling_off() {
    let ((), all, stats) = run(SAMPLING_OFF, || {
        for _ in 0..7 {
            get_user(200);
        }
        get_user(404);
        get_user(503);
    });
    assert_eq!(stats.exported, 0, "{stats:?}");
    let (unit, description, points) = histogram(&all, "http.server.request.duration");
    assert_eq!(unit, "s");
    assert_eq!(description, "Duration of HTTP server requests.");
    let base = [
        ("http.request.method", Value::from("GET")),
        ("http.route", Value::from("/users/{id}")),
    ];
    let find = |status: i64| {
        let mut want = attrs(&base);
        want.insert("http.response.status_code".to_owned(), Value::I64(status));
        if status >= 500 {
            want.insert("error.type".to_owned(), Value::from(status.to_string()));
        }
        points
            .iter()
            .find(|p| p.attrs == want)
            .unwrap_or_else(|| panic!("no point {want:?} in {points:?}"))
            .clone()
    };
    assert_eq!(find(200).count, 7);
    assert_eq!(find(404).count, 1);
    assert_eq!(find(503).count, 1);
    assert_eq!(points.len(), 3, "{points:?}");
    // The conventions' advised boundaries.
    assert_eq!(
        find(200).bounds,
        [
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
        ]
    );
    assert!(find(200).sum >= 0.0);
}

#[test]
fn client_db_and_task_histograms_with_error_types() {
    let ((), all, _) = run("", || {
        let _ = call_upstream(false);
        let _ = call_upstream(true);
        for _ in 0..3 {
            let _ = load(false);
        }
        let _ = load(true);
        let _ = import(false);
        let _ = import(true);
        quiet();
    });
    let (unit, _, client) = histogram(&all, "http.client.request.duration");
    assert_eq!(unit, "s");
    let ok = attrs(&[
        ("http.request.method", Value::from("POST")),
        ("http.response.status_code", Value::I64(201)),
    ]);
    let failed = attrs(&[
        ("http.request.method", Value::from("POST")),
        ("error.type", Value::from("std::io::error::Error")),
    ]);
    assert_eq!(
        client
            .iter()
            .map(|p| (&p.attrs, p.count))
            .collect::<Vec<_>>()
            .len(),
        2,
        "{client:?}"
    );
    assert!(
        client.iter().any(|p| p.attrs == ok && p.count == 1),
        "{client:?}"
    );
    assert!(
        client.iter().any(|p| p.attrs == failed && p.count == 1),
        "{client:?}"
    );

    let (_, _, db) = histogram(&all, "db.client.operation.duration");
    let base = [
        ("db.system.name", Value::from("postgresql")),
        ("db.operation.name", Value::from("SELECT")),
        ("db.collection.name", Value::from("users")),
        ("db.namespace", Value::from("shop")),
    ];
    let mut timeout = attrs(&base);
    timeout.insert("error.type".to_owned(), Value::from("timeout"));
    assert!(
        db.iter().any(|p| p.attrs == attrs(&base) && p.count == 3),
        "{db:?}"
    );
    assert!(
        db.iter().any(|p| p.attrs == timeout && p.count == 1),
        "{db:?}"
    );

    let (_, _, task) = histogram(&all, "task.duration");
    let ok = attrs(&[("task.type", Value::from("import"))]);
    let mut failed = ok.clone();
    failed.insert(
        "error.type".to_owned(),
        Value::from("alloc::string::String"),
    );
    assert!(
        task.iter().any(|p| p.attrs == ok && p.count == 1),
        "{task:?}"
    );
    assert!(
        task.iter().any(|p| p.attrs == failed && p.count == 1),
        "{task:?}"
    );
    // `metrics = false`.
    assert!(
        !task
            .iter()
            .any(|p| p.attrs.get("task.type") == Some(&Value::from("quiet"))),
        "{task:?}"
    );
}

#[test]
fn generic_annotation_records_a_named_metric_even_below_the_level() {
    let ((), all, stats) = run("", || {
        generic_handler();
        generic_handler();
        below_level();
    });
    let (_, _, points) = histogram(&all, "http.server.request.duration");
    assert_eq!(points.len(), 1, "{points:?}");
    assert_eq!(points[0].count, 2);
    assert_eq!(
        points[0].attrs,
        attrs(&[("http.request.method", Value::from("PUT"))])
    );
    // The `trace`-level span is filtered out; its metric is not.
    let (_, _, task) = histogram(&all, "task.duration");
    assert_eq!(task[0].count, 1);
    assert_eq!(
        task[0].attrs,
        attrs(&[("task.type", Value::from("hidden"))])
    );
    assert_eq!(stats.started, 2, "{stats:?}");
}

#[test]
fn a_panicking_call_is_recorded_as_a_panic() {
    #[semtrace::traced_task(task.type = "boom")]
    fn boom() {
        panic!("boom");
    }
    let ((), all, _) = run("", || {
        let _ = std::panic::catch_unwind(boom);
    });
    let (_, _, task) = histogram(&all, "task.duration");
    assert_eq!(
        task[0].attrs,
        attrs(&[
            ("task.type", Value::from("boom")),
            ("error.type", Value::from("panic"))
        ])
    );
}

#[test]
fn async_calls_record_when_they_complete() {
    #[semtrace::traced_http(method = "GET", route = "/async")]
    async fn handler() -> u16 {
        204
    }
    let ((), all, _) = run("", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            handler().await;
            handler().await;
        });
    });
    let (_, _, points) = histogram(&all, "http.server.request.duration");
    assert_eq!(points[0].count, 2, "{points:?}");
    assert_eq!(
        points[0].attrs.get("http.response.status_code"),
        Some(&Value::I64(204))
    );
}

#[test]
fn metrics_disabled_in_config_records_nothing() {
    let (_, all, _) = run("[metrics]\nenabled = false\n", || get_user(200));
    assert!(
        all.iter().all(|rm| rm.scope_metrics().next().is_none()),
        "nothing should be exported"
    );
}

#[test]
fn semtrace_own_counters() {
    let ((), all, stats) = run(SAMPLING_OFF, || {
        for _ in 0..5 {
            get_user(200);
        }
    });
    let last = all.last().unwrap();
    let sums: BTreeMap<String, Vec<(u64, Vec<String>)>> = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .filter_map(|m| match m.data() {
            AggregatedMetrics::U64(MetricData::Sum(s)) => Some((
                m.name().to_owned(),
                s.data_points()
                    .map(|dp| {
                        (
                            dp.value(),
                            dp.attributes()
                                .map(|kv| kv.value.as_str().into_owned())
                                .collect(),
                        )
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(sums["semtrace.spans.started"], [(5, vec![])], "{sums:?}");
    assert_eq!(sums["semtrace.spans.sampled_out"], [(5, vec![])]);
    assert_eq!(sums["semtrace.spans.exported"], [(0, vec![])]);
    assert!(
        sums["semtrace.spans.dropped"]
            .iter()
            .any(|(n, a)| *n == 0 && a == &["queue_full".to_owned()]),
        "{sums:?}"
    );
    assert_eq!(stats.started, 5);
    let gauges: Vec<String> = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .filter(|m| matches!(m.data(), AggregatedMetrics::I64(MetricData::Sum(_))))
        .map(|m| m.name().to_owned())
        .collect();
    for name in [
        "semtrace.queue.size",
        "semtrace.queue.capacity",
        "semtrace.sampling.rules.active",
    ] {
        assert!(gauges.iter().any(|g| g == name), "{name} in {gauges:?}");
    }
}

#[test]
fn calls_on_many_threads_are_all_counted() {
    // More calls per thread than a thread buffers, and threads that end before the
    // collection: every call arrives once.
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (dispatch, guard) = semtrace::Telemetry::builder("metrics-threads")
        .env_lookup(|_| None)
        .console(false)
        .metric_reader(reader)
        .build()
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let dispatch = dispatch.clone();
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for _ in 0..1000 {
                        get_user(200);
                    }
                });
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A second recorder on this thread keeps its own measurements apart.
    let (_, other, _) = run("", || get_user(201));
    guard.shutdown().unwrap();
    let (_, _, points) = histogram(
        &exporter.get_finished_metrics().unwrap(),
        "http.server.request.duration",
    );
    assert_eq!(points.len(), 1, "{points:?}");
    assert_eq!(points[0].count, 4000);
    let (_, _, points) = histogram(&other, "http.server.request.duration");
    assert_eq!(points.len(), 1, "{points:?}");
    assert_eq!(points[0].count, 1);
}

// A client's `server.address` and `server.port` come from its `url` when not given:
// a string per call, a `Display` value per call, or a literal at compile time.
#[semtrace::traced_http(client, method = "GET", url = url)]
fn fetch(url: &str) -> u16 {
    200
}

struct Uri(&'static str);
impl std::fmt::Display for Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

// Owning the argument is the point, which clippy sees now that lints see
// instrumented functions as plain ones.
#[allow(clippy::needless_pass_by_value)]
#[semtrace::traced_http(client, method = "PUT", url = %uri)]
fn put(uri: Uri) -> Result<u16, std::io::Error> {
    // The body still owns the argument the URL was read from.
    let Uri(_) = uri;
    Ok(204)
}

#[semtrace::traced_http(client, method = "POST", url = "http://10.0.0.7:8080/hook")]
fn hook() -> u16 {
    202
}

#[semtrace::traced_http(client, method = "GET", url = url, server.address = "gateway.internal")]
fn via_gateway(url: String) -> u16 {
    drop(url);
    200
}

#[test]
fn client_servers_come_from_their_urls() {
    let (spans, exporter, dispatch, guard) = spans_and_metrics();
    tracing::dispatcher::with_default(&dispatch, || {
        fetch("https://api.example.com/v1/items?page=2");
        fetch("https://api.example.com/v1/items?page=3");
        fetch("http://user:secret@[2001:db8::1]:8443/x");
        fetch("not a url");
        let _ = put(Uri("http://store.example:9000/blob/1"));
        hook();
        via_gateway("https://api.example.com/".to_owned());
    });
    guard.shutdown().unwrap();
    let all = exporter.get_finished_metrics().unwrap();
    let (_, _, points) = histogram(&all, "http.client.request.duration");
    let point = |method: &str, server: Option<(&str, i64)>, status: i64| {
        let mut expected = attrs(&[
            ("http.request.method", Value::from(method.to_owned())),
            ("http.response.status_code", Value::I64(status)),
        ]);
        if let Some((address, port)) = server {
            expected.insert("server.address".into(), Value::from(address.to_owned()));
            expected.insert("server.port".into(), Value::I64(port));
        }
        points
            .iter()
            .find(|p| p.attrs == expected)
            .map_or(0, |p| p.count)
    };
    assert_eq!(
        point("GET", Some(("api.example.com", 443)), 200),
        2,
        "{points:?}"
    );
    assert_eq!(
        point("GET", Some(("2001:db8::1", 8443)), 200),
        1,
        "{points:?}"
    );
    assert_eq!(point("GET", None, 200), 1, "{points:?}");
    assert_eq!(
        point("PUT", Some(("store.example", 9000)), 204),
        1,
        "{points:?}"
    );
    assert_eq!(
        point("POST", Some(("10.0.0.7", 8080)), 202),
        1,
        "{points:?}"
    );
    // Given, so nothing is read from the URL; the port is not guessed.
    let given = attrs(&[
        ("http.request.method", Value::from("GET")),
        ("http.response.status_code", Value::I64(200)),
        ("server.address", Value::from("gateway.internal")),
    ]);
    assert!(
        points.iter().any(|p| p.attrs == given && p.count == 1),
        "{points:?}"
    );
    assert_eq!(points.len(), 6, "{points:?}");

    // The spans carry them too.
    let ended = spans.spans();
    let server_of = |url: &str| {
        let span = ended
            .iter()
            .find(|s| {
                s.attributes
                    .iter()
                    .any(|kv| kv.key.as_str() == "url.full" && kv.value.as_str() == url)
            })
            .unwrap_or_else(|| panic!("no span for {url}"));
        let get = |key: &str| {
            span.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.clone())
        };
        (get("server.address"), get("server.port"))
    };
    assert_eq!(
        server_of("https://api.example.com/v1/items?page=2"),
        (Some(Value::from("api.example.com")), Some(Value::I64(443)))
    );
    assert_eq!(
        server_of("http://store.example:9000/blob/1"),
        (Some(Value::from("store.example")), Some(Value::I64(9000)))
    );
    assert_eq!(
        server_of("http://10.0.0.7:8080/hook"),
        (Some(Value::from("10.0.0.7")), Some(Value::I64(8080)))
    );
    assert_eq!(server_of("not a url"), (None, None));
}

// Metric attributes known only per call: `%value`, a checked string, a checked int.
#[semtrace::traced_db(
    system = "postgresql",
    operation = "SELECT",
    collection = %table,
    namespace = tenant,
    server.address = "db.internal",
    server.port = port
)]
fn select_from(table: &str, tenant: &str, port: u16) -> Result<u64, String> {
    if tenant.is_empty() {
        return Err(format!("no tenant for {table}"));
    }
    Ok(u64::from(port))
}

#[semtrace::traced_task(task.type = %kind)]
fn job(kind: &'static str) {
    let _ = kind;
}

#[semtrace::traced_task(task.type = %kind)]
async fn job_later(kind: String) {
    tokio::task::yield_now().await;
    drop(kind);
}

#[test]
fn per_call_values_become_metric_attributes() {
    let ((), all, _) = run("", || {
        for _ in 0..3 {
            let _ = select_from("users", "eu", 5432);
        }
        let _ = select_from("orders", "eu", 5432);
        let _ = select_from("orders", "us", 5433);
        let _ = select_from("orders", "", 5433);
        job("import");
        job("export");
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(job_later("import".to_owned()));
    });
    let (_, _, db) = histogram(&all, "db.client.operation.duration");
    let count = |collection: &str, namespace: Option<&str>, port: i64, error: bool| {
        let mut expected = attrs(&[
            ("db.system.name", Value::from("postgresql")),
            ("db.operation.name", Value::from("SELECT")),
            ("db.collection.name", Value::from(collection.to_owned())),
            ("server.address", Value::from("db.internal")),
            ("server.port", Value::I64(port)),
        ]);
        if let Some(namespace) = namespace {
            expected.insert("db.namespace".into(), Value::from(namespace.to_owned()));
        }
        if error {
            expected.insert("error.type".into(), Value::from("alloc::string::String"));
        }
        db.iter()
            .find(|p| p.attrs == expected)
            .map_or(0, |p| p.count)
    };
    assert_eq!(count("users", Some("eu"), 5432, false), 3, "{db:?}");
    assert_eq!(count("orders", Some("eu"), 5432, false), 1, "{db:?}");
    assert_eq!(count("orders", Some("us"), 5433, false), 1, "{db:?}");
    assert_eq!(count("orders", Some(""), 5433, true), 1, "{db:?}");
    assert_eq!(db.len(), 4, "{db:?}");

    let (_, _, tasks) = histogram(&all, "task.duration");
    let kind = |k: &str| {
        tasks
            .iter()
            .find(|p| p.attrs == attrs(&[("task.type", Value::from(k.to_owned()))]))
            .map_or(0, |p| p.count)
    };
    assert_eq!(
        (kind("import"), kind("export"), tasks.len()),
        (2, 1, 2),
        "{tasks:?}"
    );
}

#[semtrace::traced_db(system = "postgresql", query = sql)]
fn run_query(sql: &str) -> u64 {
    sql.len() as u64
}

#[test]
fn a_run_time_query_gives_the_metric_its_summary_sampled_or_not() {
    let queries = || {
        for _ in 0..3 {
            run_query("SELECT * FROM users WHERE id = 1");
        }
        run_query("SELECT name FROM users WHERE id = 2");
        run_query("UPDATE orders SET paid = true WHERE id = 3");
    };
    for toml in ["", SAMPLING_OFF] {
        let ((), all, _) = run(toml, queries);
        let (_, _, db) = histogram(&all, "db.client.operation.duration");
        let count = |summary: &str| {
            let expected = attrs(&[
                ("db.system.name", Value::from("postgresql")),
                ("db.query.summary", Value::from(summary.to_owned())),
            ]);
            db.iter()
                .find(|p| p.attrs == expected)
                .map_or(0, |p| p.count)
        };
        assert_eq!(
            (count("SELECT users"), count("UPDATE orders"), db.len()),
            (4, 1, 2),
            "sampling {toml:?}: {db:?}"
        );
    }
}

#[test]
fn each_collection_has_what_live_threads_buffered() {
    // Calls record into their thread's buffer and the recorder's drain thread or
    // the next collection records them into the SDK. Here more calls than a thread
    // buffers (8192), on threads still alive at the collection, and a flush in the
    // middle: each collection has every call made before it, once.
    let (exporter, reader) = in_memory();
    let (dispatch, guard) = semtrace::Telemetry::builder("metrics-buffered")
        .env_lookup(|_| None)
        .console(false)
        .metric_reader(reader)
        .build()
        .unwrap();
    let count = |status: i64| {
        let all = exporter.get_finished_metrics().unwrap();
        let (_, _, points) = histogram(&all, "http.server.request.duration");
        points
            .iter()
            .find(|p| p.attrs.get("http.response.status_code") == Some(&Value::I64(status)))
            .map_or(0, |p| p.count)
    };
    let (made, made_rx) = std::sync::mpsc::channel();
    let (go_on, go_on_rx) = std::sync::mpsc::channel::<()>();
    let worker = {
        let dispatch = dispatch.clone();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                for _ in 0..20_000 {
                    get_user(200);
                }
                made.send(()).unwrap();
                // Alive while the first collection runs.
                go_on_rx.recv().unwrap();
                for _ in 0..5 {
                    get_user(200);
                }
            });
        })
    };
    made_rx.recv().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..300 {
            get_user(404);
        }
    });
    assert!(guard.flush(Duration::from_secs(10)));
    assert_eq!(count(200), 20_000);
    assert_eq!(count(404), 300);
    go_on.send(()).unwrap();
    worker.join().unwrap();
    tracing::dispatcher::with_default(&dispatch, || get_user(404));
    guard.shutdown().unwrap();
    assert_eq!(count(200), 20_005);
    assert_eq!(count(404), 301);
}

/// The metric's timer and the span share their two clock readings: the span's
/// duration is the recorded value, and the readings reach no other span.
#[test]
fn a_span_lasts_exactly_what_its_metric_records() {
    #[semtrace::traced_task(task.type = "timed")]
    fn timed() {
        std::thread::sleep(Duration::from_millis(3));
    }
    #[semtrace::traced_task(task.type = "timed_async")]
    async fn timed_async() {
        tokio::time::sleep(Duration::from_millis(3)).await;
    }

    let (spans, exporter, dispatch, guard) = spans_and_metrics();
    tracing::dispatcher::with_default(&dispatch, || {
        timed();
        // Made and closed after the call: starts and ends at readings of its own.
        drop(tracing::info_span!("after").entered());
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(timed_async());
    });
    guard.shutdown().unwrap();
    let all = exporter.get_finished_metrics().unwrap();
    let (_, _, points) = histogram(&all, "task.duration");
    let ended = spans.spans();
    let span = |name: &str| {
        ended
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name}"))
    };
    for (name, task_type) in [("timed", "timed"), ("timed_async", "timed_async")] {
        let point = points
            .iter()
            .find(|p| p.attrs.get("task.type") == Some(&Value::from(task_type)))
            .unwrap_or_else(|| panic!("no point for {task_type}: {points:?}"));
        let s = span(name);
        let lasted = s.end_time.duration_since(s.start_time).unwrap();
        let recorded = Duration::from_secs_f64(point.sum);
        assert!(recorded >= Duration::from_millis(3), "{recorded:?}");
        // The same two readings, scaled two ways (nanosecond rounding).
        assert!(
            lasted.abs_diff(recorded) < Duration::from_micros(1),
            "{name}: span {lasted:?}, metric {recorded:?}"
        );
    }
    let (timed, after) = (span("timed"), span("after"));
    assert!(after.start_time >= timed.end_time);
    assert!(after.end_time >= after.start_time);
    assert!(span("timed_async").start_time >= after.end_time);
}
