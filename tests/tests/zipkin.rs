//! The Zipkin exporter end to end: spans made by the macros go through semtrace's
//! pipeline to a local HTTP receiver, and what it received validates against the
//! official Zipkin v2 schema (`tests/data/zipkin-api/zipkin2-api.yaml`, vendored
//! with its license; checked by Python's `jsonschema`, installed by `scripts/install-otel-python`). Also the
//! Zipkin settings' precedence and errors.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use semtrace::{Config, Settings, TelemetryBuilder};
use serde_json::{Value, json};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/zipkin-api/zipkin2-api.yaml"
);

/// Validates a JSON document (stdin) against `definitions.ListOfSpans` of the
/// `OpenAPI` 2.0 document named by the first argument; prints one line per error.
const VALIDATE: &str = r##"
import json, sys
import jsonschema, yaml
with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
schema = {"$ref": "#/definitions/ListOfSpans", "definitions": doc["definitions"]}
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(json.load(sys.stdin)))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
"##;

/// `Ok(())` when `body` is a valid `ListOfSpans`, else the validator's findings.
fn validate(body: &[u8]) -> Result<(), String> {
    assert!(
        std::path::Path::new(SCHEMA).exists(),
        "the official Zipkin schema is missing: expected `{SCHEMA}`"
    );
    let mut child = Command::new(semtrace_tests::python::launcher())
        .args(["-c", VALIDATE, SCHEMA])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().expect("python ends");
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => panic!(
            "the validator failed to run ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A loopback HTTP/1.1 receiver: answers every POST with `202 Accepted` and keeps
/// the bodies, until stopped (or 30 s pass, so a test never hangs).
struct Receiver {
    url: String,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Vec<u8>>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/api/v2/spans", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut bodies = Vec::new();
            while !stopped.load(Ordering::Acquire) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => bodies.push(answer(stream)),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            bodies
        });
        Self { url, stop, thread }
    }

    /// The bodies received so far; the exports finished before the guard returned.
    fn stop(self) -> Vec<Vec<u8>> {
        self.stop.store(true, Ordering::Release);
        self.thread.join().unwrap()
    }
}

/// Reads one request and answers `202 Accepted`; returns its body.
fn answer(stream: TcpStream) -> Vec<u8> {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    assert_eq!(request_line, "POST /api/v2/spans HTTP/1.1\r\n");
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
    }
    assert_eq!(headers["content-type"], "application/json");
    let mut body = vec![0; headers["content-length"].parse().unwrap()];
    reader.read_exact(&mut body).unwrap();
    reader
        .get_mut()
        .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    body
}

#[derive(Debug)]
struct BrokerDown;

impl fmt::Display for BrokerDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broker unreachable")
    }
}

impl std::error::Error for BrokerDown {}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "orders")]
fn load_order() {}

#[semtrace::traced_http(
    client,
    method = "POST",
    url = %url,
    server.address = "billing.internal",
    server.port = 8080
)]
fn notify(url: &str) -> Result<(u16, &'static str), BrokerDown> {
    Ok((202, "accepted"))
}

#[semtrace::traced(name = "publish order", kind = "producer")]
fn publish() -> Result<(), BrokerDown> {
    Err(BrokerDown)
}

#[semtrace::traced_http(method = "GET", route = "/api/orders/{id}")]
fn get_order() -> http::StatusCode {
    load_order();
    tracing::info!(attempt = 2_i64, "cache miss");
    notify("http://billing.internal:8080/notify").unwrap();
    publish().unwrap_err();
    http::StatusCode::OK
}

fn by_name<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span `{name}` in {spans:#?}"))
}

#[test]
fn exported_spans_reach_the_receiver_and_validate_against_the_schema() {
    let receiver = Receiver::start();
    let (dispatch, guard) = semtrace::Telemetry::builder("orders")
        .env_lookup(|_| None)
        .console(false)
        .traces_exporters([semtrace::config::TracesExporter::Zipkin])
        .zipkin_endpoint(&receiver.url)
        .zipkin_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, get_order);
    let stats = guard.shutdown().expect("every span exported");
    let bodies = receiver.stop();
    assert!(!bodies.is_empty(), "nothing received; stats: {stats:?}");

    let mut spans = Vec::new();
    for body in &bodies {
        if let Err(findings) = validate(body) {
            panic!(
                "the payload does not follow zipkin2-api.yaml:\n{findings}\npayload: {}",
                String::from_utf8_lossy(body)
            );
        }
        let batch: Vec<Value> = serde_json::from_slice(body).unwrap();
        spans.extend(batch);
    }
    assert_eq!(spans.len(), 4, "{spans:#?}");

    let server = by_name(&spans, "GET /api/orders/{id}");
    assert_eq!(server["kind"], "SERVER");
    assert!(server.get("parentId").is_none());
    assert_eq!(server["localEndpoint"], json!({ "serviceName": "orders" }));
    assert_eq!(server["tags"]["http.route"], "/api/orders/{id}");
    assert_eq!(server["tags"]["http.response.status_code"], "200");
    assert_eq!(server["tags"]["otel.scope.name"], "semtrace");
    let annotation = server["annotations"][0]["value"].as_str().unwrap();
    assert!(
        annotation.starts_with(r#""cache miss":{"#) && annotation.contains(r#""attempt":2"#),
        "{annotation}"
    );

    let db = by_name(&spans, "SELECT orders");
    assert_eq!(db["kind"], "CLIENT");
    assert_eq!(db["parentId"], server["id"]);
    assert_eq!(db["traceId"], server["traceId"]);
    assert_eq!(db["tags"]["db.system.name"], "postgresql");

    let client = by_name(&spans, "POST");
    assert_eq!(client["kind"], "CLIENT");
    assert_eq!(
        client["remoteEndpoint"],
        json!({ "serviceName": "billing.internal", "port": 8080 })
    );

    let producer = by_name(&spans, "publish order");
    assert_eq!(producer["kind"], "PRODUCER");
    assert_eq!(producer["tags"]["otel.status_code"], "ERROR");
    assert_eq!(producer["tags"]["error"], "broker unreachable");
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // So a passing validation above means something.
    let bad = json!([{ "traceId": "NOT-HEX", "id": "1", "kind": "INTERNAL", "duration": 0 }]);
    let findings = validate(bad.to_string().as_bytes()).unwrap_err();
    for field in ["traceId", "id", "kind", "duration"] {
        assert!(findings.contains(field), "{field} not reported: {findings}");
    }
    validate(br#"[{"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "id": "00f067aa0ba902b7"}]"#)
        .unwrap();
}

// ---- settings ----

fn builder(file: &str, vars: &[(&str, &str)]) -> TelemetryBuilder {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = move |name: &str| map.get(name).cloned();
    let config = Config::parse(file, "test.toml", &lookup).unwrap();
    TelemetryBuilder::default()
        .config(config)
        .env_lookup(lookup)
}

fn resolve(b: &TelemetryBuilder) -> Settings {
    b.resolve().unwrap()
}

const FILE: &str = r#"
    [exporters.zipkin]
    endpoint = "http://from-file:9411/api/v2/spans"
    timeout_ms = 3000
"#;

const ENV: &[(&str, &str)] = &[
    (
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
        "http://from-env:9411/api/v2/spans",
    ),
    ("OTEL_EXPORTER_ZIPKIN_TIMEOUT", "2000"),
];

#[test]
fn zipkin_settings_default_without_env_or_file() {
    let z = resolve(&builder("", &[])).zipkin;
    assert_eq!(z.endpoint, "http://localhost:9411/api/v2/spans");
    assert_eq!(z.timeout, Duration::from_secs(10));
}

#[test]
fn zipkin_settings_follow_builder_then_env_then_file() {
    let z = resolve(&builder(FILE, &[])).zipkin;
    assert_eq!(z.endpoint, "http://from-file:9411/api/v2/spans");
    assert_eq!(z.timeout, Duration::from_secs(3));

    let z = resolve(&builder(FILE, ENV)).zipkin;
    assert_eq!(z.endpoint, "http://from-env:9411/api/v2/spans");
    assert_eq!(z.timeout, Duration::from_secs(2));

    let z = resolve(
        &builder(FILE, ENV)
            .zipkin_endpoint("http://from-builder:9411/api/v2/spans")
            .zipkin_timeout(Duration::from_secs(1)),
    )
    .zipkin;
    assert_eq!(z.endpoint, "http://from-builder:9411/api/v2/spans");
    assert_eq!(z.timeout, Duration::from_secs(1));
}

#[test]
fn bad_zipkin_values_name_the_key_the_value_and_what_is_allowed() {
    let allowed =
        "expected an absolute `http://` or `https://` URL such as `http://localhost:4317`";
    let err = |b: TelemetryBuilder| b.resolve().unwrap_err().to_string();
    assert_eq!(
        err(builder(
            "",
            &[("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "localhost:9411")]
        )),
        format!("invalid value `localhost:9411` for `OTEL_EXPORTER_ZIPKIN_ENDPOINT`: {allowed}")
    );
    assert_eq!(
        err(builder(
            "[exporters.zipkin]\nendpoint = \"ftp://zipkin/spans\"",
            &[]
        )),
        format!(
            "invalid value `ftp://zipkin/spans` for `exporters.zipkin.endpoint` in config file: {allowed}"
        )
    );
    assert_eq!(
        err(builder("", &[]).zipkin_endpoint("zipkin")),
        format!("invalid value `zipkin` for `TelemetryBuilder::zipkin_endpoint`: {allowed}")
    );
    assert_eq!(
        err(builder("", &[("OTEL_EXPORTER_ZIPKIN_TIMEOUT", "10s")])),
        "invalid value `10s` for `OTEL_EXPORTER_ZIPKIN_TIMEOUT`: expected a whole number of milliseconds"
    );
}

#[test]
fn a_misspelt_zipkin_key_names_the_closest_one() {
    let err = Config::parse(
        "[exporters.zipkin]\nendpont = \"http://z:9411\"",
        "test.toml",
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "unknown key `exporters.zipkin.endpont` in config file test.toml; did you mean `exporters.zipkin.endpoint`?"
    );
}
