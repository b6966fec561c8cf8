//! The HTTP middleware on the conformance traffic (`tests/data/http-conformance/`,
//! vendored from `open-telemetry/semantic-conventions-conformance`): an axum app
//! under `semtrace::http::ServerLayer`, called by reqwest under
//! `ReqwestMiddleware` and by hyper-util under `ClientLayer`. Each exchange's spans
//! (name, kind, parent, every attribute value), the duration metrics' attribute
//! sets, and the attribute sets against what other languages' instrumentations
//! emit for the same traffic.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use opentelemetry_sdk::trace::SpanData;
use semtrace_tests::exporter::TestExporter;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/http-conformance");
const USER_AGENT: &str = "semtrace-conformance/1.0";

/// One exchange of the contract: what is sent and what must come back.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    path: String,
    body: Option<String>,
    status: u16,
    response: String,
}

/// The measured exchanges (the readiness probe left out).
fn exchanges() -> Vec<Exchange> {
    let text = std::fs::read_to_string(format!("{DATA}/contract.json")).unwrap();
    let contract: serde_json::Value = serde_json::from_str(&text).unwrap();
    contract["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["readiness"] != true)
        .map(|r| Exchange {
            method: r["method"].as_str().unwrap().to_owned(),
            path: r["path"].as_str().unwrap().to_owned(),
            body: r["body"].as_str().map(str::to_owned),
            status: u16::try_from(r["status"].as_u64().unwrap()).unwrap(),
            response: r["responseBody"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The conformance server: the contract's routes in axum's own form.
fn app() -> Router {
    Router::new()
        .route("/health", get(|| async { "{\"ok\": true}" }))
        .route(
            "/users/{id}",
            get(|Path(id): Path<u64>| async move { format!("{{\"id\": {id}, \"name\": \"Alice\"}}") }),
        )
        .route(
            "/items",
            post(|body: String| async move {
                (
                    StatusCode::CREATED,
                    format!("{{\"created\": true, \"payload\": {body}}}"),
                )
            }),
        )
        .route(
            "/status/{code}",
            get(|Path(code): Path<u16>| async move {
                (
                    StatusCode::from_u16(code).unwrap(),
                    format!("{{\"message\": \"status {code}\"}}"),
                )
            }),
        )
        .layer(semtrace::http::ServerLayer::new())
}

struct Telemetry {
    spans: TestExporter,
    metrics: InMemoryMetricExporter,
    dispatch: tracing::Dispatch,
    guard: semtrace::Guard,
}

fn telemetry() -> Telemetry {
    let spans = TestExporter::default();
    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (dispatch, guard) = semtrace::Telemetry::builder("http-layers-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(spans.clone())
        .metric_reader(reader)
        .build()
        .unwrap();
    Telemetry {
        spans,
        metrics,
        dispatch,
        guard,
    }
}

/// Runs `f` on a current-thread runtime under `telemetry`'s subscriber (the
/// server's and the client's tasks all run on this thread, so all see it).
fn run<F: Future>(telemetry: &Telemetry, f: impl FnOnce() -> F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&telemetry.dispatch, || rt.block_on(f()))
}

/// Serves the app on a free loopback port; returns its address.
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app().into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn keys(span: &SpanData) -> BTreeSet<String> {
    span.attributes
        .iter()
        .map(|kv| kv.key.as_str().to_owned())
        .collect()
}

fn s(text: &str) -> Value {
    Value::from(text.to_owned())
}

/// The span of `kind` whose `key` is `value`.
fn find<'a>(spans: &'a [SpanData], kind: &SpanKind, key: &str, value: &str) -> &'a SpanData {
    let found: Vec<_> = spans
        .iter()
        .filter(|sp| &sp.span_kind == kind && attr(sp, key) == Some(&s(value)))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} span with {key} = {value} among {:#?}",
        spans
            .iter()
            .map(|s| (&s.name, &s.span_kind, &s.attributes))
            .collect::<Vec<_>>()
    );
    found[0]
}

/// Every data point of histogram or sum `name`: its attributes.
fn points(all: &[ResourceMetrics], name: &str) -> Vec<BTreeMap<String, Value>> {
    let last = all.last().expect("a metrics export");
    let Some(metric) = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == name)
    else {
        return Vec::new();
    };
    let collect = |attrs: &mut dyn Iterator<Item = &KeyValue>| {
        attrs
            .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    match metric.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|dp| collect(&mut dp.attributes()))
            .collect(),
        AggregatedMetrics::I64(MetricData::Sum(s)) => s
            .data_points()
            .map(|dp| collect(&mut dp.attributes()))
            .collect(),
        other => panic!("`{name}`: unexpected data {other:?}"),
    }
}

fn point(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// What the conformance traffic produced through axum + reqwest.
struct Observed {
    addr: SocketAddr,
    spans: Vec<SpanData>,
    metrics: Vec<ResourceMetrics>,
}

fn reqwest_traffic() -> Observed {
    let t = telemetry();
    let addr = run(&t, || async {
        let addr = serve().await;
        let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(semtrace::http::ReqwestMiddleware::default())
            .build();
        for e in exchanges() {
            let url = format!("http://{addr}{}", e.path);
            // On the request: a client's default `User-Agent` is added after
            // the middleware runs.
            let mut request = client
                .request(e.method.parse().unwrap(), &url)
                .header(http::header::USER_AGENT, USER_AGENT);
            if let Some(body) = &e.body {
                request = request.body(body.clone());
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), e.status, "{}", e.path);
            let expected = e
                .response
                .replace("${requestBody}", e.body.as_deref().unwrap_or_default());
            assert_eq!(response.text().await.unwrap(), expected, "{}", e.path);
        }
        addr
    });
    t.guard.shutdown().unwrap();
    Observed {
        addr,
        spans: t.spans.spans(),
        metrics: t.metrics.get_finished_metrics().unwrap(),
    }
}

#[test]
#[allow(clippy::too_many_lines)] // every attribute of both sides, written out
fn conformance_spans_through_axum_and_reqwest() {
    let Observed { addr, spans, .. } = reqwest_traffic();
    let port = i64::from(addr.port());
    assert_eq!(spans.len(), 10, "a server and a client span per exchange");
    for e in exchanges() {
        let full = format!("http://{addr}{}", e.path);
        let client = find(&spans, &SpanKind::Client, "url.full", &full);
        let (path, query) = match e.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (e.path.as_str(), None),
        };
        let server = spans
            .iter()
            .find(|sp| {
                sp.span_kind == SpanKind::Server
                    && sp.parent_span_id == client.span_context.span_id()
            })
            .unwrap_or_else(|| panic!("the server span of {full}: {spans:#?}"));
        let route = if path.starts_with("/users/") {
            "/users/{id}"
        } else if path.starts_with("/status/") {
            "/status/{code}"
        } else {
            path
        };
        // Names, kinds, one trace.
        assert_eq!(server.name, format!("{} {route}", e.method));
        assert_eq!(client.name, e.method);
        assert_eq!(
            server.span_context.trace_id(),
            client.span_context.trace_id()
        );
        assert!(server.parent_span_is_remote);

        // Every attribute, by value.
        let peer = attr(server, "network.peer.port")
            .cloned()
            .expect("peer port");
        let mut expected_server = vec![
            ("http.request.method", s(&e.method)),
            ("http.route", s(route)),
            ("url.path", s(path)),
            ("url.scheme", s("http")),
            ("server.address", s("127.0.0.1")),
            ("server.port", Value::I64(port)),
            ("client.address", s("127.0.0.1")),
            ("client.port", peer.clone()),
            ("network.peer.address", s("127.0.0.1")),
            ("network.peer.port", peer.clone()),
            ("network.protocol.version", s("1.1")),
            ("user_agent.original", s(USER_AGENT)),
            ("http.response.status_code", Value::I64(i64::from(e.status))),
        ];
        if let Some(q) = query {
            expected_server.push(("url.query", s(q)));
        }
        if e.status >= 500 {
            expected_server.push(("error.type", s(&e.status.to_string())));
        }
        assert_eq!(
            server
                .attributes
                .iter()
                .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                .collect::<BTreeMap<_, _>>(),
            point(&expected_server),
            "server span of {}",
            e.path
        );
        let Value::I64(peer_port) = peer else {
            panic!("peer port {peer:?}")
        };
        let mut expected_client = vec![
            ("http.request.method", s(&e.method)),
            ("url.full", s(&full)),
            ("url.scheme", s("http")),
            ("server.address", s("127.0.0.1")),
            ("server.port", Value::I64(port)),
            ("network.peer.address", s("127.0.0.1")),
            ("network.peer.port", Value::I64(port)),
            ("network.protocol.version", s("1.1")),
            ("user_agent.original", s(USER_AGENT)),
            ("http.response.status_code", Value::I64(i64::from(e.status))),
        ];
        if e.status >= 400 {
            expected_client.push(("error.type", s(&e.status.to_string())));
        }
        assert_eq!(
            client
                .attributes
                .iter()
                .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                .collect::<BTreeMap<_, _>>(),
            point(&expected_client),
            "client span of {}",
            e.path
        );
        assert_ne!(peer_port, port, "the client's port is its own");

        // Status: 5xx fails the server span, 4xx and 5xx the client span.
        assert_eq!(
            matches!(server.status, Status::Error { .. }),
            e.status >= 500,
            "{}",
            e.path
        );
        assert_eq!(
            matches!(client.status, Status::Error { .. }),
            e.status >= 400,
            "{}",
            e.path
        );
    }
    let findings = semtrace::testing::live_check(&spans.iter().cloned().collect());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn conformance_metrics_through_axum_and_reqwest() {
    let Observed { addr, metrics, .. } = reqwest_traffic();
    let port = i64::from(addr.port());
    let mut server = points(&metrics, "http.server.request.duration");
    let mut client = points(&metrics, "http.client.request.duration");
    server.sort_by_key(|p| format!("{p:?}"));
    client.sort_by_key(|p| format!("{p:?}"));
    let server_point = |method: &str, route: &str, status: i64| {
        let mut p = vec![
            ("http.request.method", s(method)),
            ("http.route", s(route)),
            ("url.scheme", s("http")),
            ("network.protocol.version", s("1.1")),
            ("http.response.status_code", Value::I64(status)),
        ];
        if status >= 500 {
            p.push(("error.type", s(&status.to_string())));
        }
        point(&p)
    };
    let mut expected = vec![
        server_point("GET", "/users/{id}", 200),
        server_point("POST", "/items", 201),
        server_point("GET", "/status/{code}", 404),
        server_point("GET", "/status/{code}", 500),
    ];
    expected.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(server, expected);
    let client_point = |method: &str, status: i64| {
        let mut p = vec![
            ("http.request.method", s(method)),
            ("server.address", s("127.0.0.1")),
            ("server.port", Value::I64(port)),
            ("url.scheme", s("http")),
            ("network.protocol.version", s("1.1")),
            ("http.response.status_code", Value::I64(status)),
        ];
        if status >= 400 {
            p.push(("error.type", s(&status.to_string())));
        }
        point(&p)
    };
    let mut expected = vec![
        client_point("GET", 200),
        client_point("POST", 201),
        client_point("GET", 404),
        client_point("GET", 500),
    ];
    expected.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(client, expected);
    let mut active = points(&metrics, "http.server.active_requests");
    active.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(
        active,
        vec![
            point(&[("http.request.method", s("GET")), ("url.scheme", s("http"))]),
            point(&[
                ("http.request.method", s("POST")),
                ("url.scheme", s("http"))
            ]),
        ]
    );
}

/// Keys per side and signal that other languages' instrumentations emit for the
/// conformance traffic (`expected/*.json`), each list with the file it came from.
fn others(side: &str) -> Vec<(String, String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(format!("{DATA}/expected")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(&format!("_{side}.json")) {
            continue;
        }
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for group in ["spans", "metrics"] {
            for (signal, keys) in data[group].as_object().unwrap() {
                let keys = keys
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_owned())
                    // Only for methods the conventions do not know: none here.
                    .filter(|k| k != "http.request.method_original")
                    .collect();
                out.push((name.clone(), signal.clone(), keys));
            }
        }
    }
    assert!(!out.is_empty(), "expected lists for {side}");
    out
}

#[test]
fn attribute_sets_cover_other_languages() {
    let Observed { spans, metrics, .. } = reqwest_traffic();
    let union = |kind: SpanKind| {
        spans
            .iter()
            .filter(|s| s.span_kind == kind)
            .flat_map(keys)
            .collect::<BTreeSet<_>>()
    };
    let metric_keys = |name: &str| {
        points(&metrics, name)
            .into_iter()
            .flat_map(BTreeMap::into_keys)
            .collect::<BTreeSet<_>>()
    };
    let ours = |signal: &str| match signal {
        "http.server" => union(SpanKind::Server),
        "http.client" => union(SpanKind::Client),
        metric => metric_keys(metric),
    };
    for side in ["server", "client"] {
        for (file, signal, theirs) in others(side) {
            let ours = ours(&signal);
            let missing: Vec<_> = theirs.difference(&ours).collect();
            assert!(
                missing.is_empty(),
                "{file}: {signal} lacks {missing:?} (ours: {ours:?})"
            );
        }
    }
    // The counts the closing note reports.
    let server = union(SpanKind::Server);
    let client = union(SpanKind::Client);
    assert_eq!(server.len(), 15, "{server:?}");
    assert_eq!(client.len(), 11, "{client:?}");
}

/// The same traffic sent by hyper-util's client under `ClientLayer`.
#[test]
fn hyper_util_client_under_client_layer() {
    use http_body_util::{BodyExt as _, Full};
    use tower::{Layer as _, ServiceExt as _};

    let t = telemetry();
    let addr = run(&t, || async {
        let addr = serve().await;
        let hyper =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<bytes::Bytes>>();
        let client = semtrace::http::ClientLayer::new().layer(hyper);
        for e in exchanges() {
            let request = http::Request::builder()
                .method(e.method.as_str())
                .uri(format!("http://{addr}{}", e.path))
                .header(http::header::USER_AGENT, USER_AGENT)
                .body(Full::from(e.body.clone().unwrap_or_default()))
                .unwrap();
            let response = client.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status().as_u16(), e.status);
            let _ = response.into_body().collect().await.unwrap();
        }
        addr
    });
    t.guard.shutdown().unwrap();
    let spans = t.spans.spans();
    let port = i64::from(addr.port());
    for e in exchanges() {
        let full = format!("http://{addr}{}", e.path);
        let client = find(&spans, &SpanKind::Client, "url.full", &full);
        assert_eq!(client.name, e.method);
        for (key, value) in [
            ("server.address", s("127.0.0.1")),
            ("server.port", Value::I64(port)),
            ("network.peer.address", s("127.0.0.1")),
            ("network.peer.port", Value::I64(port)),
            ("network.protocol.version", s("1.1")),
            ("http.response.status_code", Value::I64(i64::from(e.status))),
            ("user_agent.original", s(USER_AGENT)),
        ] {
            assert_eq!(attr(client, key), Some(&value), "{key} of {full}");
        }
        assert_eq!(
            attr(client, "error.type"),
            (e.status >= 400).then(|| s(&e.status.to_string())).as_ref(),
            "{full}"
        );
        let server = spans
            .iter()
            .find(|sp| sp.parent_span_id == client.span_context.span_id())
            .expect("the server span continues the client's trace");
        assert_eq!(server.span_kind, SpanKind::Server);
    }
}

// ------------------------------------------------------------ one request in process

/// Sends `request` through `service` on a current-thread runtime under a capturing
/// subscriber; returns the response status (or the error's text) and the spans.
fn oneshot<S>(
    service: S,
    request: http::Request<axum::body::Body>,
) -> (Result<u16, String>, semtrace::testing::Spans)
where
    S: tower::Service<http::Request<axum::body::Body>, Response = http::Response<axum::body::Body>>,
    S::Error: std::fmt::Display,
{
    use tower::ServiceExt as _;
    semtrace::testing::capture(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(service.oneshot(request))
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    })
}

fn to(uri: &str) -> http::request::Builder {
    http::Request::builder().uri(uri)
}

fn text(span: &semtrace::testing::Span, key: &str) -> Option<String> {
    span.attr(key).map(|v| v.as_str().into_owned())
}

#[test]
fn bad_input_keeps_spans_well_formed() {
    use axum::body::Body;
    let long_agent = "a".repeat(10 * 1024);
    let cases = vec![
        // A 10 KB User-Agent: kept whole (the default limits do not cut values).
        to("/users/1")
            .header(http::header::HOST, "api.example.com")
            .header(http::header::USER_AGENT, long_agent.as_str())
            .body(Body::empty())
            .unwrap(),
        // Header bytes that are not UTF-8.
        to("/users/2")
            .header(http::header::HOST, "api.example.com:8443")
            .header(
                http::header::USER_AGENT,
                http::HeaderValue::from_bytes(b"bot \xff\xfe/1").unwrap(),
            )
            .body(Body::empty())
            .unwrap(),
        // An absolute-form URI: scheme and authority come from it.
        to("https://origin.example.com:9443/users/3?sig=secret&x=1")
            .body(Body::empty())
            .unwrap(),
        // No Host at all.
        to("/users/4").body(Body::empty()).unwrap(),
        // A method the conventions do not know.
        http::Request::builder()
            .method("PURGE")
            .uri("/users/5")
            .header(http::header::HOST, "[::1]:3000")
            .body(Body::empty())
            .unwrap(),
    ];
    let mut spans_seen = Vec::new();
    for request in cases {
        let (status, spans) = oneshot(app(), request);
        assert!(status.is_ok(), "{status:?}");
        assert_eq!(spans.len(), 1, "{spans}");
        let findings = semtrace::testing::live_check(&spans);
        assert!(findings.is_empty(), "{findings:#?}");
        spans_seen.push(spans.iter().next().unwrap().clone());
    }
    let [agent, bytes, absolute, no_host, purge] = &spans_seen[..] else {
        unreachable!()
    };
    assert_eq!(text(agent, "user_agent.original"), Some(long_agent));
    assert_eq!(
        text(agent, "server.address").as_deref(),
        Some("api.example.com")
    );
    assert_eq!(agent.attr("server.port"), Some(&80_i64.into()));

    assert_eq!(
        text(bytes, "user_agent.original").as_deref(),
        Some("bot \u{fffd}\u{fffd}/1")
    );
    assert_eq!(bytes.attr("server.port"), Some(&8443_i64.into()));

    assert_eq!(text(absolute, "url.scheme").as_deref(), Some("https"));
    assert_eq!(
        text(absolute, "server.address").as_deref(),
        Some("origin.example.com")
    );
    assert_eq!(absolute.attr("server.port"), Some(&9443_i64.into()));
    assert_eq!(text(absolute, "url.path").as_deref(), Some("/users/3"));
    assert_eq!(
        text(absolute, "url.query").as_deref(),
        Some("sig=REDACTED&x=1")
    );

    assert_eq!(no_host.attr("server.address"), None);
    assert_eq!(no_host.attr("server.port"), None);
    assert_eq!(no_host.name(), "GET /users/{id}");

    // axum answers PURGE on a GET-only route with 405.
    assert_eq!(purge.name(), "HTTP /users/{id}");
    assert_eq!(
        text(purge, "http.request.method").as_deref(),
        Some("_OTHER")
    );
    assert_eq!(
        text(purge, "http.request.method_original").as_deref(),
        Some("PURGE")
    );
    assert_eq!(text(purge, "server.address").as_deref(), Some("::1"));
    assert_eq!(purge.attr("server.port"), Some(&3000_i64.into()));
    assert!(!purge.is_error(), "a 4xx is not a server error");
}

#[test]
fn the_span_limits_cut_long_values() {
    use axum::body::Body;
    let (_, spans) = {
        use tower::ServiceExt as _;
        let exporter = TestExporter::default();
        let (dispatch, guard) = semtrace::Telemetry::builder("http-limits")
            .env_lookup(|name| {
                (name == "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT").then(|| "64".into())
            })
            .console(false)
            .span_exporter(exporter.clone())
            .build()
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let request = to("/users/1")
            .header(http::header::USER_AGENT, "b".repeat(10 * 1024))
            .body(Body::empty())
            .unwrap();
        let status = tracing::dispatcher::with_default(&dispatch, || {
            rt.block_on(app().oneshot(request)).unwrap().status()
        });
        guard.shutdown().unwrap();
        (status, exporter.spans())
    };
    let span = &spans[0];
    assert_eq!(attr(span, "user_agent.original"), Some(&s(&"b".repeat(64))));
}

#[test]
fn a_panicking_handler_fails_the_span() {
    use axum::body::Body;
    let app = Router::new()
        .route(
            "/boom",
            get(|| async {
                let found: Option<&str> = std::hint::black_box(None);
                found.expect("handler bug")
            }),
        )
        .layer(semtrace::http::ServerLayer::new());
    let ((), spans) = semtrace::testing::capture(|| {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            use tower::ServiceExt as _;
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(app.oneshot(to("/boom").body(Body::empty()).unwrap()))
        }));
        assert!(result.is_err(), "the panic reaches the caller");
    });
    let span = spans.named("GET /boom");
    assert!(span.is_error());
    assert_eq!(text(span, "error.type").as_deref(), Some("panic"));
}

#[derive(Debug)]
struct Unavailable;

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("backend unavailable")
    }
}

#[test]
fn a_service_error_fails_the_span_and_route_with_names_it() {
    use axum::body::Body;
    use tower::Layer as _;
    let service = tower::service_fn(|req: http::Request<Body>| async move {
        if req.uri().path() == "/fail" {
            Err(Unavailable)
        } else {
            Ok(http::Response::new(Body::empty()))
        }
    });
    let layer = semtrace::http::ServerLayer::new().route_with(|parts| {
        parts
            .uri
            .path()
            .starts_with("/orders/")
            .then_some("/orders/:id")
    });
    let mut request = to("/fail").body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(semtrace::http::PeerAddr("192.0.2.7:51000".parse().unwrap()));
    let (status, spans) = oneshot(layer.layer(service), request);
    assert_eq!(status, Err("backend unavailable".to_owned()));
    let span = spans.named("GET");
    assert!(span.is_error());
    assert!(
        text(span, "error.type").unwrap().ends_with("Unavailable"),
        "{span:?}"
    );
    assert_eq!(
        text(span, "network.peer.address").as_deref(),
        Some("192.0.2.7")
    );
    assert_eq!(span.attr("network.peer.port"), Some(&51000_i64.into()));
    assert_eq!(text(span, "client.address").as_deref(), Some("192.0.2.7"));

    let (status, spans) = oneshot(
        layer.layer(service),
        to("/orders/9").body(Body::empty()).unwrap(),
    );
    assert_eq!(status, Ok(200));
    let span = spans.named("GET /orders/:id");
    assert_eq!(text(span, "http.route").as_deref(), Some("/orders/:id"));
}

#[test]
fn forwarded_headers_only_when_trusted_and_headers_by_allow_list() {
    use axum::body::Body;
    let request = || {
        to("/users/1")
            .header(http::header::HOST, "10.0.0.5:8080")
            .header(
                http::header::FORWARDED,
                "for=203.0.113.60:41000;proto=https;host=shop.example.com",
            )
            .header("x-request-id", "r-1")
            .header("x-request-id", "r-2")
            .header("authorization", "Bearer secret")
            .header(http::header::CONTENT_LENGTH, "0")
            .body(Body::empty())
            .unwrap()
    };
    let (_, spans) = oneshot(app(), request());
    let span = spans.iter().next().unwrap();
    assert_eq!(text(span, "server.address").as_deref(), Some("10.0.0.5"));
    assert_eq!(text(span, "url.scheme").as_deref(), Some("http"));
    assert_eq!(
        span.attr("client.address"),
        None,
        "no peer, no trusted proxy"
    );
    assert_eq!(span.attr("http.request.header.x-request-id"), None);
    assert_eq!(span.attr("http.request.body.size"), None);

    let trusting = Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .layer(
            semtrace::http::ServerLayer::new()
                .trust_forwarded(true)
                .request_headers([http::HeaderName::from_static("x-request-id")])
                .response_headers([http::header::CONTENT_TYPE])
                .record_body_sizes(true),
        );
    let (_, spans) = oneshot(trusting, request());
    let span = spans.iter().next().unwrap();
    assert_eq!(
        text(span, "server.address").as_deref(),
        Some("shop.example.com")
    );
    assert_eq!(span.attr("server.port"), Some(&443_i64.into()));
    assert_eq!(text(span, "url.scheme").as_deref(), Some("https"));
    assert_eq!(
        text(span, "client.address").as_deref(),
        Some("203.0.113.60")
    );
    assert_eq!(span.attr("client.port"), Some(&41000_i64.into()));
    assert_eq!(
        span.attr("http.request.header.x-request-id"),
        Some(&Value::Array(opentelemetry::Array::String(vec![
            "r-1".into(),
            "r-2".into()
        ])))
    );
    assert_eq!(span.attr("http.request.header.authorization"), None);
    assert_eq!(
        span.attr("http.response.header.content-type"),
        Some(&Value::Array(opentelemetry::Array::String(vec![
            "text/plain; charset=utf-8".into()
        ])))
    );
    assert_eq!(span.attr("http.request.body.size"), Some(&0_i64.into()));
    assert_eq!(span.attr("http.response.body.size"), Some(&2_i64.into()));
    let findings = semtrace::testing::live_check(&spans);
    assert!(findings.is_empty(), "{findings:#?}");
}

// ------------------------------------------------------ `#[traced_http]` under the layer

#[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "orders")]
fn load_order(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[derive(Debug)]
struct OrderMissing;

impl std::fmt::Display for OrderMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no such order")
    }
}

/// A handler written for `#[traced_http]` before the layer existed.
#[semtrace::traced_http(method = "GET", route = "/orders/{id}", session.id = "s-1")]
async fn order(id: u64) -> Result<String, OrderMissing> {
    let trace_id = {
        use opentelemetry::trace::TraceContextExt as _;
        semtrace::propagation::context_of(&tracing::Span::current())
            .span()
            .span_context()
            .trace_id()
    };
    assert_ne!(
        trace_id,
        opentelemetry::trace::TraceId::INVALID,
        "the handler reads the trace id"
    );
    if id == 0 {
        return Err(OrderMissing);
    }
    load_order(id)
        .map(|n| n.to_string())
        .map_err(|_| OrderMissing)
}

#[test]
fn traced_http_under_the_layer_adds_to_its_span() {
    use axum::body::Body;
    use tower::Layer as _;
    let service = tower::service_fn(|req: http::Request<Body>| async move {
        let id: u64 = req
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let (status, body) = match order(id).await {
            Ok(body) => (200, body),
            Err(e) => (404, e.to_string()),
        };
        Ok::<_, std::convert::Infallible>(
            http::Response::builder()
                .status(status)
                .body(Body::from(body))
                .unwrap(),
        )
    });
    let t = telemetry();
    run(&t, || async {
        use tower::ServiceExt as _;
        let layered = semtrace::http::ServerLayer::new().layer(service);
        for id in [7, 0] {
            let request = to(&format!("/orders/{id}"))
                .header(http::header::HOST, "shop.example.com")
                .body(Body::empty())
                .unwrap();
            let _ = layered.clone().oneshot(request).await.unwrap();
        }
        // Without the layer the macro makes its own span, as before.
        order(8).await.unwrap();
    });
    t.guard.shutdown().unwrap();
    let spans = t.spans.spans();
    let servers: Vec<_> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 3, "one server span per request: {spans:#?}");
    for server in &servers {
        assert_eq!(server.name, "GET /orders/{id}");
        assert_eq!(attr(server, "http.route"), Some(&s("/orders/{id}")));
        assert_eq!(attr(server, "session.id"), Some(&s("s-1")));
    }
    let layered: Vec<_> = servers
        .iter()
        .filter(|s| attr(s, "url.path").is_some())
        .collect();
    assert_eq!(layered.len(), 2, "the layer's spans carry what it read");
    for server in &layered {
        assert_eq!(attr(server, "server.address"), Some(&s("shop.example.com")));
    }
    let failed = layered
        .iter()
        .find(|sp| attr(sp, "url.path") == Some(&s("/orders/0")))
        .unwrap();
    assert!(matches!(failed.status, Status::Error { .. }));
    assert!(attr(failed, "error.type").is_some_and(|v| v.as_str().ends_with("OrderMissing")));
    assert_eq!(
        attr(failed, "http.response.status_code"),
        Some(&Value::I64(404))
    );
    let ok = layered
        .iter()
        .find(|sp| attr(sp, "url.path") == Some(&s("/orders/7")))
        .unwrap();
    let db = spans.iter().find(|s| s.name == "SELECT orders").unwrap();
    assert_eq!(
        db.parent_span_id,
        ok.span_context.span_id(),
        "nested under the layer's span"
    );

    // One duration point per request: the layer's (the macro's own for the call
    // outside it).
    let metrics = t.metrics.get_finished_metrics().unwrap();
    let server_points = points(&metrics, "http.server.request.duration");
    let with_path: Vec<_> = server_points
        .iter()
        .filter(|p| p.contains_key("url.scheme"))
        .collect();
    assert_eq!(with_path.len(), 2, "{server_points:#?}");
}

// ------------------------------------------------- propagation with the Python SDK

/// A Python client calls the axum app under `ServerLayer`; its handler calls a
/// Python server through reqwest under `ReqwestMiddleware`. One trace end to end,
/// each side's parent the other's span, baggage carried through.
#[test]
fn propagation_both_ways_with_the_python_sdk() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/http_peer.py");
    let mut python_server = Command::new(semtrace_tests::python::launcher())
        .args([script, "server"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the Python server starts");
    let mut port_line = String::new();
    std::io::BufReader::new(python_server.stdout.take().unwrap())
        .read_line(&mut port_line)
        .unwrap();
    let python_url = format!("http://127.0.0.1:{}/python", port_line.trim());

    let t = telemetry();
    let client_report = run(&t, || async move {
        let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(semtrace::http::ReqwestMiddleware::default())
            .build();
        let relay = Router::new()
            .route(
                "/relay",
                get(move || async move {
                    client
                        .get(&python_url)
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap()
                }),
            )
            .layer(semtrace::http::ServerLayer::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, relay).await.unwrap() });
        let out = tokio::task::spawn_blocking(move || {
            Command::new(semtrace_tests::python::launcher())
                .args([script, "client", &format!("http://{addr}/relay")])
                .output()
                .expect("the Python client runs")
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    });
    t.guard.shutdown().unwrap();
    assert!(python_server.wait().unwrap().success());

    let spans = t.spans.spans();
    let server = spans.iter().find(|s| s.name == "GET /relay").unwrap();
    let client = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .unwrap();
    let hex = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    // Python client → our server span.
    assert_eq!(
        server.span_context.trace_id().to_string(),
        hex(&client_report["trace_id"])
    );
    assert_eq!(
        server.parent_span_id.to_string(),
        hex(&client_report["span_id"])
    );
    assert!(server.parent_span_is_remote);
    // Our client span → the Python server.
    assert_eq!(client.parent_span_id, server.span_context.span_id());
    let python_side = &client_report["response"];
    assert_eq!(
        hex(&python_side["trace_id"]),
        hex(&client_report["trace_id"])
    );
    assert_eq!(
        hex(&python_side["parent_span_id"]),
        client.span_context.span_id().to_string()
    );
    assert_eq!(python_side["parent_is_remote"], true);
    assert_eq!(
        python_side["baggage"]["tenant"], "gold",
        "baggage went through"
    );
}

// ------------------------------------------------------------ client failures

/// Sends again once when the first answer is a 5xx, as a retry middleware does:
/// every attempt reaches the middlewares after it with the same extensions.
struct RetryOnce;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for RetryOnce {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let again = req.try_clone().unwrap();
        let first = next.clone().run(req, extensions).await?;
        if first.status().is_server_error() {
            return next.run(again, extensions).await;
        }
        Ok(first)
    }
}

#[test]
fn retries_count_resends_and_transport_errors_have_a_kind() {
    let t = telemetry();
    let refused = {
        // A port nothing listens on: bound, then closed.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    run(&t, || async move {
        let addr = serve().await;
        let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(RetryOnce)
            .with(semtrace::http::ReqwestMiddleware::default())
            .build();
        let response = client
            .get(format!("http://{addr}/status/500"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        let error = client
            .get(format!("http://{refused}/users/1"))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_connect(), "{error}");
    });
    t.guard.shutdown().unwrap();
    let spans = t.spans.spans();
    let mut attempts: Vec<_> = spans
        .iter()
        .filter(|s| {
            s.span_kind == SpanKind::Client
                && attr(s, "url.full").is_some_and(|u| u.as_str().ends_with("/status/500"))
        })
        .collect();
    attempts.sort_by_key(|s| s.start_time);
    assert_eq!(attempts.len(), 2, "one span per attempt");
    assert_eq!(attr(attempts[0], "http.request.resend_count"), None);
    assert_eq!(
        attr(attempts[1], "http.request.resend_count"),
        Some(&Value::I64(1))
    );
    let failed = spans
        .iter()
        .find(|s| attr(s, "url.full").is_some_and(|u| u.as_str().contains(&refused.to_string())))
        .unwrap();
    assert!(matches!(failed.status, Status::Error { .. }));
    assert_eq!(attr(failed, "error.type"), Some(&s("connect")));
    assert_eq!(attr(failed, "http.response.status_code"), None);
    let metrics = t.metrics.get_finished_metrics().unwrap();
    assert!(
        points(&metrics, "http.client.request.duration")
            .iter()
            .any(|p| p.get("error.type") == Some(&s("connect"))),
        "the failed request is timed with its error type"
    );
}

#[test]
fn body_size_histograms_when_opted_in() {
    use axum::body::Body;
    use tower::ServiceExt as _;
    let t = telemetry();
    run(&t, || async {
        let app = Router::new()
            .route("/items", post(|body: String| async move { body.repeat(2) }))
            .layer(semtrace::http::ServerLayer::new().record_body_sizes(true));
        let request = http::Request::post("/items")
            .header(http::header::CONTENT_LENGTH, "5")
            .body(Body::from("hello"))
            .unwrap();
        assert_eq!(app.oneshot(request).await.unwrap().status(), 200);
    });
    t.guard.shutdown().unwrap();
    let metrics = t.metrics.get_finished_metrics().unwrap();
    let sizes = |name: &str| {
        let metric = metrics
            .last()
            .unwrap()
            .scope_metrics()
            .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
            .find(|m| m.name() == name)
            .unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(metric.unit(), "By");
        let AggregatedMetrics::U64(MetricData::Histogram(h)) = metric.data() else {
            panic!("{name} is not a u64 histogram")
        };
        let dp = h.data_points().next().unwrap();
        let attrs: BTreeMap<String, Value> = dp
            .attributes()
            .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
            .collect();
        (dp.sum(), attrs)
    };
    let (request, attrs) = sizes("http.server.request.body.size");
    assert_eq!(request, 5);
    assert_eq!(attrs.get("http.route"), Some(&s("/items")));
    assert_eq!(
        attrs.get("http.response.status_code"),
        Some(&Value::I64(200))
    );
    assert_eq!(sizes("http.server.response.body.size").0, 10);
    let spans = t.spans.spans();
    assert_eq!(
        attr(&spans[0], "http.request.body.size"),
        Some(&Value::I64(5))
    );
    assert_eq!(
        attr(&spans[0], "http.response.body.size"),
        Some(&Value::I64(10))
    );
}
