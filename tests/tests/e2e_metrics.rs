//! Metrics end to end against a real rotel collector (`--debug-log metrics`), over
//! gRPC and over HTTP, configured through the `OTEL_*` environment as a program
//! would be (traces sampled `always_off`: metrics count every call anyway): the
//! histograms' names, units, counts and attributes as received.

use std::time::{Duration, Instant};

use semtrace_tests::Collector;

#[semtrace::traced_http(method = "GET", route = "/orders/{id}")]
fn get_order(status: u16) -> u16 {
    status
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "orders")]
fn load(fail: bool) -> Result<u64, String> {
    if fail {
        Err("timeout".to_owned())
    } else {
        Ok(1)
    }
}

fn export(collector: &Collector, protocol: &'static str) -> String {
    let endpoint = if protocol == "grpc" {
        collector.grpc_endpoint()
    } else {
        collector.http_endpoint()
    };
    let env = move |name: &str| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some(protocol.to_owned()),
        "OTEL_METRICS_EXPORTER" => Some("otlp".to_owned()),
        "OTEL_TRACES_EXPORTER" => Some("none".to_owned()),
        "OTEL_TRACES_SAMPLER" => Some("always_off".to_owned()),
        _ => None,
    };
    let (dispatch, guard) = semtrace::Telemetry::builder(format!("e2e-metrics-{protocol}"))
        .env_lookup(env)
        .console(false)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..5 {
            get_order(200);
        }
        get_order(500);
        for _ in 0..3 {
            let _ = load(false);
        }
        let _ = load(true);
    });
    // The last export happens at shutdown (the interval is a minute).
    guard.shutdown().unwrap();
    wait_settled(collector, "db.client.operation.duration")
}

fn wait_settled(collector: &Collector, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    loop {
        let out = collector.output();
        if (out.contains(needle) && out == last) || Instant::now() > deadline {
            return out;
        }
        last = out;
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// One metric as rotel's `detailed` debug log prints it.
#[derive(Debug, Default)]
struct Received {
    name: String,
    unit: String,
    data_type: String,
    /// Histogram points: attributes as printed (`key: Str(v)`), and the count.
    points: Vec<(Vec<String>, u64)>,
}

fn parse(out: &str) -> Vec<Received> {
    let mut metrics: Vec<Received> = Vec::new();
    for line in out.lines().map(str::trim) {
        if line.starts_with("Metric #") {
            metrics.push(Received::default());
            continue;
        }
        let Some(m) = metrics.last_mut() else {
            continue;
        };
        if let Some(v) = line.strip_prefix("-> Name: ") {
            v.clone_into(&mut m.name);
        } else if let Some(v) = line.strip_prefix("-> Unit: ") {
            v.clone_into(&mut m.unit);
        } else if let Some(v) = line.strip_prefix("-> DataType: ") {
            v.clone_into(&mut m.data_type);
        } else if line.starts_with("HistogramDataPoints #") {
            m.points.push((Vec::new(), 0));
        } else if let (Some(attr), Some(p)) = (line.strip_prefix("-> "), m.points.last_mut()) {
            if p.1 == 0 {
                p.0.push(attr.to_owned());
            }
        } else if let (Some(n), Some(p)) = (line.strip_prefix("Count: "), m.points.last_mut()) {
            p.1 = n.parse().unwrap();
        }
    }
    metrics
}

fn count(metrics: &[Received], name: &str, attrs: &[&str]) -> u64 {
    let mut want: Vec<String> = attrs.iter().map(|a| (*a).to_owned()).collect();
    want.sort();
    metrics
        .iter()
        .filter(|m| m.name == name)
        .flat_map(|m| &m.points)
        .filter(|(a, _)| {
            let mut a = a.clone();
            a.sort();
            a == want
        })
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
}

fn check(out: &str) {
    let metrics = parse(out);
    let http = metrics
        .iter()
        .find(|m| m.name == "http.server.request.duration")
        .unwrap_or_else(|| panic!("no http.server.request.duration in:\n{out}"));
    assert_eq!(
        (http.unit.as_str(), http.data_type.as_str()),
        ("s", "Histogram")
    );
    let route = [
        "http.request.method: Str(GET)",
        "http.route: Str(/orders/{id})",
    ];
    let ok = [&route[..], &["http.response.status_code: Int(200)"]].concat();
    let failed = [
        &route[..],
        &[
            "http.response.status_code: Int(500)",
            "error.type: Str(500)",
        ],
    ]
    .concat();
    assert_eq!(
        count(&metrics, "http.server.request.duration", &ok),
        5,
        "{out}"
    );
    assert_eq!(
        count(&metrics, "http.server.request.duration", &failed),
        1,
        "{out}"
    );

    let db = [
        "db.system.name: Str(postgresql)",
        "db.operation.name: Str(SELECT)",
        "db.collection.name: Str(orders)",
    ];
    let db_failed = [&db[..], &["error.type: Str(alloc::string::String)"]].concat();
    assert_eq!(
        count(&metrics, "db.client.operation.duration", &db),
        3,
        "{out}"
    );
    assert_eq!(
        count(&metrics, "db.client.operation.duration", &db_failed),
        1,
        "{out}"
    );
    let unit = |name: &str| {
        metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.unit.clone())
    };
    assert_eq!(unit("db.client.operation.duration").as_deref(), Some("s"));
    // semtrace's own counters ride along: 10 spans started, all sampled out.
    let started = metrics.iter().find(|m| m.name == "semtrace.spans.started");
    assert_eq!(started.map(|m| m.data_type.as_str()), Some("Sum"), "{out}");
}

#[test]
fn histograms_arrive_over_grpc() {
    let collector = Collector::start_with(&[
        "--debug-log",
        "metrics",
        "--debug-log-verbosity",
        "detailed",
    ])
    .expect("start rotel (scripts/install-rotel)");
    check(&export(&collector, "grpc"));
}

#[test]
fn histograms_arrive_over_http() {
    let collector = Collector::start_with(&[
        "--debug-log",
        "metrics",
        "--debug-log-verbosity",
        "detailed",
    ])
    .expect("start rotel (scripts/install-rotel)");
    check(&export(&collector, "http/protobuf"));
}
