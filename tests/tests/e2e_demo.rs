//! The demo (`cargo run -p semtrace-demo`) exporting to a real rotel collector: one
//! task's trace spans the worker and the coordinator, joined over real HTTP. The HTTP
//! spans are the middleware's: `ReqwestMiddleware` on the worker's client,
//! `ServerLayer` on the coordinator's axum router.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use semtrace_tests::collector::{Collector, Span, SpanKind, StatusCode, Value};

/// Builds the demo (a no-op when fresh) and returns its path. A test cannot depend on
/// another package's binary, so it asks cargo, which is idle while tests run.
fn demo_binary() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "semtrace-demo",
            "--bin",
            "semtrace-demo",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the demo failed");
    // target/<profile>/deps/e2e_demo-… → target/<profile>/semtrace-demo
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join(format!("semtrace-demo{}", std::env::consts::EXE_SUFFIX))
}

// Each test runs the demo as a child process, so both can share this binary.
#[test]
fn demo_trace_spans_worker_and_coordinator_over_grpc() {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let endpoint = collector.grpc_endpoint();
    demo_trace_spans_worker_and_coordinator(&collector, "grpc", &endpoint);
}

#[test]
fn demo_trace_spans_worker_and_coordinator_over_http() {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let endpoint = collector.http_endpoint();
    demo_trace_spans_worker_and_coordinator(&collector, "http/protobuf", &endpoint);
}

#[allow(clippy::too_many_lines)] // one task's trace, span by span
fn demo_trace_spans_worker_and_coordinator(collector: &Collector, protocol: &str, endpoint: &str) {
    let demo = demo_binary();
    let started = Instant::now();
    // Console output goes to a file so a hung demo can be killed without pipe juggling.
    let log_path = std::env::temp_dir().join(format!(
        "semtrace-demo-e2e-{}-{}.log",
        std::process::id(),
        protocol.replace('/', "-")
    ));
    let log = std::fs::File::create(&log_path).expect("demo log file");
    let mut process = Command::new(&demo)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .env("OTEL_SERVICE_NAME", "semtrace-demo-e2e")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("SEMTRACE_CONFIG")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("run the demo");
    let status = loop {
        if let Some(status) = process.try_wait().expect("demo status") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = process.kill();
            let _ = process.wait();
            panic!("the demo did not exit by itself within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran_for = started.elapsed();
    let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    assert!(status.success(), "demo failed:\n{stderr}");
    assert!(
        ran_for < Duration::from_secs(30),
        "the demo should exit by itself quickly: {ran_for:?}"
    );

    // 6 inserts; per task (6): run_task, GET and POST client + server, SELECT, UPDATE;
    // the final summary SELECT.
    let spans = collector
        .wait_for_spans(6 + 6 * 7 + 1, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}\ndemo stderr:\n{stderr}"));
    assert_eq!(spans.len(), 49, "{spans:#?}");
    for span in &spans {
        assert_eq!(
            span.resource_attr("service.name"),
            Some(&Value::String("semtrace-demo-e2e".into()))
        );
    }

    // Task 3 has negative input and fails; follow its trace across both sides.
    let task = spans
        .iter()
        .find(|s| s.name == "run_task" && s.attr("task.id") == Some(&Value::String("3".into())))
        .unwrap_or_else(|| panic!("no run_task for task 3 in {spans:#?}"));
    assert_eq!(task.kind, SpanKind::Internal);
    assert_eq!(task.parent_span_id, None);
    assert_eq!(task.status_code, StatusCode::Error);
    assert_eq!(task.status_message, "cannot checksum negative input -3");
    assert_eq!(
        task.attr("task.state"),
        Some(&Value::String("failed".into()))
    );

    let client = child(&spans, task, "GET");
    assert_eq!(client.kind, SpanKind::Client);
    // The coordinator's loopback port, as the worker's span saw it.
    let port = client
        .attr("server.port")
        .and_then(Value::as_int)
        .unwrap_or_else(|| panic!("server.port of {client:#?}"));
    assert_client(client, "GET", "/api/tasks/3", port, 200);
    let server = child(&spans, client, "GET /api/tasks/{id}");
    assert_eq!(
        server.trace_id, task.trace_id,
        "one trace across the HTTP call"
    );
    assert_server(server, "GET", "/api/tasks/{id}", "/api/tasks/3", port, 200);
    let select = child(&spans, server, "SELECT tasks");
    assert_eq!(
        select.attr("db.system.name"),
        Some(&Value::String("sqlite".into()))
    );

    let report = child(&spans, task, "POST");
    assert_client(report, "POST", "/api/tasks/3/result", port, 204);
    let post_server = child(&spans, report, "POST /api/tasks/{id}/result");
    assert_server(
        post_server,
        "POST",
        "/api/tasks/{id}/result",
        "/api/tasks/3/result",
        port,
        204,
    );
    child(&spans, post_server, "UPDATE tasks");

    // Every task is one trace of its own, rooted at its run_task.
    let tasks: Vec<_> = spans.iter().filter(|s| s.name == "run_task").collect();
    assert_eq!(tasks.len(), 6);
    let traces: std::collections::BTreeSet<_> = tasks.iter().map(|s| &s.trace_id).collect();
    assert_eq!(traces.len(), 6, "one trace id per task");
    for server in spans.iter().filter(|s| s.kind == SpanKind::Server) {
        assert!(
            traces.contains(&server.trace_id),
            "{:?} outside every task's trace",
            server.name
        );
    }
}

/// `ReqwestMiddleware`'s client span of a request to the coordinator: every
/// attribute the request and response reveal, and nothing else (the demo's client
/// sends no `User-Agent`, and no status here is an error).
fn assert_client(span: &Span, method: &str, path: &str, port: i64, status: i64) {
    assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
    assert_eq!(span.status_code, StatusCode::Unset, "{span:#?}");
    let expected = [
        ("http.request.method", text(method)),
        ("url.full", text(&format!("http://127.0.0.1:{port}{path}"))),
        ("url.scheme", text("http")),
        ("server.address", text("127.0.0.1")),
        ("server.port", Value::Int(port)),
        ("network.protocol.version", text("1.1")),
        ("network.peer.address", text("127.0.0.1")),
        ("network.peer.port", Value::Int(port)),
        ("http.response.status_code", Value::Int(status)),
    ];
    assert_attributes(span, &expected);
}

/// `ServerLayer`'s server span of a request from the worker: the route axum
/// matched, the concrete path, and the worker's address from the connect info.
fn assert_server(span: &Span, method: &str, route: &str, path: &str, port: i64, status: i64) {
    assert_eq!(span.kind, SpanKind::Server, "{span:#?}");
    assert_eq!(span.status_code, StatusCode::Unset, "{span:#?}");
    // The worker's ephemeral port: the connection's, whatever it is.
    let client_port = span
        .attr("client.port")
        .and_then(Value::as_int)
        .unwrap_or_else(|| panic!("client.port of {span:#?}"));
    assert!(client_port > 0 && client_port != port, "{span:#?}");
    let expected = [
        ("http.request.method", text(method)),
        ("http.route", text(route)),
        ("url.path", text(path)),
        ("url.scheme", text("http")),
        ("server.address", text("127.0.0.1")),
        ("server.port", Value::Int(port)),
        ("client.address", text("127.0.0.1")),
        ("client.port", Value::Int(client_port)),
        ("network.peer.address", text("127.0.0.1")),
        ("network.peer.port", Value::Int(client_port)),
        ("network.protocol.version", text("1.1")),
        ("http.response.status_code", Value::Int(status)),
    ];
    assert_attributes(span, &expected);
}

/// `span` has exactly the `expected` attributes.
fn assert_attributes(span: &Span, expected: &[(&str, Value)]) {
    for (key, value) in expected {
        assert_eq!(span.attr(key), Some(value), "{key} of {span:#?}");
    }
    let extra: Vec<_> = span
        .attributes
        .keys()
        .filter(|k| !expected.iter().any(|(e, _)| e == k))
        .collect();
    assert!(extra.is_empty(), "unexpected {extra:?} on {span:#?}");
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// The one span named `name` whose parent is `parent`.
fn child<'a>(spans: &'a [Span], parent: &Span, name: &str) -> &'a Span {
    let mut found = spans
        .iter()
        .filter(|s| s.name == name && s.is_child_of(parent));
    let span = found
        .next()
        .unwrap_or_else(|| panic!("no {name:?} under {:?} in {spans:#?}", parent.name));
    assert!(
        found.next().is_none(),
        "two {name:?} under {:?}",
        parent.name
    );
    span
}

/// Kills the demo when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `semtrace-demo --serve`: after its run it serves its catalogue, dashboard,
/// registry, the alert rules of its objectives and its metrics on the admin
/// listener, the middleware's routes included.
#[test]
fn demo_serves_its_telemetry_catalogue() {
    let demo = demo_binary();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("demo.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = Command::new(demo);
    command
        .arg("--serve")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_METRICS_EXPORTER")
        .env_remove("SEMTRACE_ADMIN_LISTEN")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut running = Running(command.spawn().expect("start the demo"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let base = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("admin endpoints on ")) {
            let url = line.split("admin endpoints on ").nth(1).unwrap();
            break url.split_whitespace().next().unwrap().to_owned();
        }
        if let Some(status) = running.0.try_wait().unwrap() {
            panic!("the demo exited ({status}) before serving:\n{text}");
        }
        assert!(Instant::now() < deadline, "the demo did not serve:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let client = reqwest::blocking::Client::new();
    let get = |path: &str| {
        let response = client.get(format!("{base}{path}")).send().unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.text().unwrap()
    };

    let catalogue: serde_json::Value = serde_json::from_str(&get("/tracing/catalogue")).unwrap();
    let functions: Vec<&str> = catalogue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["function"].as_str().unwrap())
        .collect();
    for function in [
        "run_task",
        "insert_task",
        "load_task",
        "ServerLayer",
        "ReqwestMiddleware",
    ] {
        assert!(
            functions.contains(&function),
            "{function} missing: {functions:?}"
        );
    }
    let rules = get("/tracing/prometheus-rules");
    assert!(
        rules.contains("name: semtrace-slo /api/tasks/{id}"),
        "{rules}"
    );
    assert!(rules.contains("name: semtrace-slo every route"), "{rules}");
    assert!(rules.contains("http_route!~"), "{rules}");
    let dashboard = get("/tracing/dashboard");
    assert!(dashboard.contains("{{http_route}}"), "{dashboard}");
    assert!(
        dashboard.contains("db_client_operation_duration_seconds"),
        "{dashboard}"
    );
    let registry = get("/tracing/registry");
    assert!(registry.contains("file_format: definition/2"), "{registry}");
    assert!(
        registry.contains("semtrace.http.server.ServerLayer"),
        "{registry}"
    );
    // What the panels and rules query is there to scrape.
    let metrics = get("/metrics");
    assert!(
        metrics.contains("http_server_request_duration_seconds_bucket{")
            && metrics.contains("http_route=\"/api/tasks/{id}\""),
        "{metrics}"
    );
}
