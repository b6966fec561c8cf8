//! `semtrace::rpc`'s tower layers on a real tonic server and channel over loopback:
//! span names, kinds, every attribute, error status by each side's gRPC rules,
//! statuses from headers and from trailers, a server stream covered to its end,
//! context from the client span to the server span, and the duration metrics'
//! attribute sets. The service is written by hand (prost messages, no protoc).
//!
//! Server and client run on one current-thread runtime inside the capture, so every
//! task is polled on the thread whose default subscriber captures; no global
//! subscriber.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use semtrace::rpc::{ClientLayer, ClientService, ServerLayer};
use semtrace::testing::{Span, SpanKind, Spans, Status};
use tokio_stream::StreamExt as _;
use tonic_prost::ProstCodec;
use tracing::Instrument as _;

#[derive(Clone, PartialEq, prost::Message)]
struct HelloRequest {
    #[prost(string, tag = "1")]
    name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct HelloReply {
    #[prost(string, tag = "1")]
    message: String,
}

const SAY_HELLO: &str = "helloworld.Greeter/SayHello";
const COUNT: &str = "helloworld.Greeter/Count";

/// `helloworld.Greeter`: a unary `SayHello` and a server-streaming `Count`.
#[derive(Debug, Clone, Copy, Default)]
struct Greeter;

impl tonic::server::NamedService for Greeter {
    const NAME: &'static str = "helloworld.Greeter";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Replies = Pin<Box<dyn tokio_stream::Stream<Item = Result<HelloReply, tonic::Status>> + Send>>;

impl tower::Service<http::Request<tonic::body::Body>> for Greeter {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let codec = ProstCodec::<HelloReply, HelloRequest>::default();
        match request.uri().path() {
            "/helloworld.Greeter/SayHello" => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(codec);
                Ok(grpc.unary(tower::service_fn(say_hello), request).await)
            }),
            "/helloworld.Greeter/Count" => Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(codec);
                Ok(grpc
                    .server_streaming(tower::service_fn(count), request)
                    .await)
            }),
            _ => Box::pin(async { Ok(tonic::Status::unimplemented("no such method").into_http()) }),
        }
    }
}

async fn say_hello(
    request: tonic::Request<HelloRequest>,
) -> Result<tonic::Response<HelloReply>, tonic::Status> {
    let name = request.into_inner().name;
    // The handler's own span: a child of the server span.
    tracing::info_span!("lookup").in_scope(|| {});
    match name.as_str() {
        "boom" => Err(tonic::Status::internal("database down")),
        "nobody" => Err(tonic::Status::not_found("no user nobody")),
        _ => Ok(tonic::Response::new(HelloReply {
            message: format!("hello {name}"),
        })),
    }
}

/// `n` replies, each made (with an `item` span) when the body is polled for it;
/// `n!` ends the stream with `DATA_LOSS` after them.
async fn count(
    request: tonic::Request<HelloRequest>,
) -> Result<tonic::Response<Replies>, tonic::Status> {
    let name = request.into_inner().name;
    let (digits, fail) = match name.strip_suffix('!') {
        Some(digits) => (digits, true),
        None => (name.as_str(), false),
    };
    let n: u32 = digits
        .parse()
        .map_err(|_| tonic::Status::invalid_argument("not a count"))?;
    let mut items: Vec<Result<u32, tonic::Status>> = (0..n).map(Ok).collect();
    if fail {
        items.push(Err(tonic::Status::data_loss("lost the rest")));
    }
    let replies = tokio_stream::iter(items).map(|item| {
        tracing::info_span!("item").in_scope(|| {
            item.map(|i| HelloReply {
                message: i.to_string(),
            })
        })
    });
    Ok(tonic::Response::new(Box::pin(replies) as Replies))
}

type Client = tonic::client::Grpc<ClientService<tonic::transport::Channel>>;

/// A traced client of `addr` (a lazy channel: a closed port fails the call).
fn client(addr: SocketAddr) -> Client {
    let uri = format!("http://{addr}");
    let channel = tonic::transport::Endpoint::from_shared(uri.clone())
        .expect("endpoint")
        .connect_lazy();
    let traced = tower::ServiceBuilder::new()
        .layer(ClientLayer::new().target(&uri))
        .service(channel);
    tonic::client::Grpc::new(traced)
}

async fn unary(
    client: &mut Client,
    path: &'static str,
    name: &str,
) -> Result<String, tonic::Status> {
    client
        .ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let reply = client
        .unary(
            tonic::Request::new(HelloRequest {
                name: name.to_owned(),
            }),
            http::uri::PathAndQuery::from_static(path),
            ProstCodec::<HelloRequest, HelloReply>::default(),
        )
        .await?;
    Ok(reply.into_inner().message)
}

async fn stream(client: &mut Client, name: &str) -> (Vec<String>, Result<(), tonic::Status>) {
    let mut got = Vec::new();
    let result = async {
        client
            .ready()
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let mut replies = client
            .server_streaming(
                tonic::Request::new(HelloRequest {
                    name: name.to_owned(),
                }),
                http::uri::PathAndQuery::from_static("/helloworld.Greeter/Count"),
                ProstCodec::<HelloRequest, HelloReply>::default(),
            )
            .await?
            .into_inner();
        while let Some(reply) = replies.message().await? {
            got.push(reply.message);
        }
        Ok(())
    }
    .await;
    (got, result)
}

/// Serves `Greeter` behind `ServerLayer` on a loopback port, runs `scenario` with
/// the address inside a `test` span, and stops the server gracefully (every
/// server span has ended when this returns).
fn run<T, F: Future<Output = T>>(scenario: impl FnOnce(SocketAddr) -> F) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .layer(ServerLayer::new())
                .add_service(Greeter)
                .serve_with_incoming_shutdown(
                    tonic::transport::server::TcpIncoming::from(listener),
                    async {
                        let _ = stopped.await;
                    },
                ),
        );
        let out = scenario(addr).instrument(tracing::info_span!("test")).await;
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server stops")
            .expect("server task")
            .expect("server");
        out
    })
}

/// The one span named `name` of `kind`.
#[track_caller]
fn span<'a>(spans: &'a Spans, name: &str, kind: &SpanKind) -> &'a Span {
    let mut found = spans
        .iter()
        .filter(|s| s.name() == name && s.kind() == kind);
    match (found.next(), found.next()) {
        (Some(span), None) => span,
        _ => panic!("not exactly one {kind:?} span named {name:?}; captured:\n{spans}"),
    }
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned().into())
}

/// Every attribute of `span`, by key.
fn attributes(span: &Span) -> BTreeMap<String, Value> {
    span.attrs()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
}

fn expect(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The client span's attributes for a call of `method` to `addr` ending with `code`.
fn client_attrs(
    method: &str,
    addr: SocketAddr,
    code: &str,
    error: bool,
) -> BTreeMap<String, Value> {
    let mut attrs = expect(&[
        ("rpc.system.name", text("grpc")),
        ("rpc.method", text(method)),
        ("server.address", text("127.0.0.1")),
        ("server.port", Value::I64(i64::from(addr.port()))),
        ("rpc.response.status_code", text(code)),
    ]);
    if error {
        attrs.insert("error.type".to_owned(), text(code));
    }
    attrs
}

/// The server span's attributes, but for `network.peer.port` (the client's port),
/// which it checks is there.
fn server_attrs(span: &Span, method: &str, addr: SocketAddr, code: &str, error: bool) {
    let mut actual = attributes(span);
    let peer_port = actual.remove("network.peer.port");
    assert!(
        matches!(peer_port, Some(Value::I64(p)) if p > 0 && p != i64::from(addr.port())),
        "network.peer.port: {peer_port:?}"
    );
    let mut attrs = expect(&[
        ("rpc.system.name", text("grpc")),
        ("rpc.method", text(method)),
        ("server.address", text("127.0.0.1")),
        ("server.port", Value::I64(i64::from(addr.port()))),
        ("network.peer.address", text("127.0.0.1")),
        ("rpc.response.status_code", text(code)),
    ]);
    if error {
        attrs.insert("error.type".to_owned(), text(code));
    }
    assert_eq!(actual, attrs, "server span {}", span.name());
}

/// Live-checks the layers' spans. The capture records every level, so h2's and
/// hyper's own trace-level spans (with attributes of theirs) are left out.
#[track_caller]
fn no_findings(spans: &Spans) {
    let ours: Vec<&str> = spans
        .iter()
        .filter(|s| s.attr("rpc.system.name").is_some())
        .map(Span::name)
        .collect();
    assert!(!ours.is_empty());
    let findings: Vec<_> = semtrace::testing::live_check(spans)
        .into_iter()
        .filter(|f| ours.contains(&f.span.as_str()))
        .collect();
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn a_unary_call_is_one_client_and_one_server_span_in_one_trace() {
    let ((addr, reply), spans) = semtrace::testing::capture(|| {
        run(|addr| async move {
            let mut client = client(addr);
            (
                addr,
                unary(&mut client, "/helloworld.Greeter/SayHello", "ada").await,
            )
        })
    });
    assert_eq!(reply.unwrap(), "hello ada");

    let client = span(&spans, SAY_HELLO, &SpanKind::Client);
    let server = span(&spans, SAY_HELLO, &SpanKind::Server);
    assert_eq!(
        attributes(client),
        client_attrs(SAY_HELLO, addr, "OK", false)
    );
    server_attrs(server, SAY_HELLO, addr, "OK", false);
    assert_eq!(client.status(), &Status::Unset);
    assert_eq!(server.status(), &Status::Unset);

    // The test's span → the client span → (headers) → the server span → the
    // handler's span.
    let test = spans.named("test");
    assert_eq!(client.parent_id(), Some(test.span_id()));
    assert_eq!(server.trace_id(), client.trace_id());
    assert_eq!(server.parent_id(), Some(client.span_id()));
    assert_eq!(spans.named("lookup").parent_id(), Some(server.span_id()));
    // The server's span lies within the client's.
    assert!(server.data().start_time >= client.data().start_time);
    assert!(server.data().end_time <= client.data().end_time);
    no_findings(&spans);
}

#[test]
fn failed_calls_follow_the_grpc_rules_of_each_side() {
    let ((addr, boom, nobody), spans) = semtrace::testing::capture(|| {
        run(|addr| async move {
            let mut client = client(addr);
            let boom = unary(&mut client, "/helloworld.Greeter/SayHello", "boom").await;
            let nobody = unary(&mut client, "/helloworld.Greeter/SayHello", "nobody").await;
            (addr, boom, nobody)
        })
    });
    assert_eq!(boom.unwrap_err().code(), tonic::Code::Internal);
    assert_eq!(nobody.unwrap_err().code(), tonic::Code::NotFound);

    let by_code = |kind: &SpanKind, code: &str| -> Span {
        let mut found = spans.iter().filter(|s| {
            s.kind() == kind && s.attr("rpc.response.status_code") == Some(&text(code))
        });
        let span = found
            .next()
            .unwrap_or_else(|| panic!("no {kind:?} {code}:\n{spans}"));
        assert!(found.next().is_none());
        span.clone()
    };

    // INTERNAL fails both sides, with the status message.
    let client = by_code(&SpanKind::Client, "INTERNAL");
    let server = by_code(&SpanKind::Server, "INTERNAL");
    assert_eq!(client.name(), SAY_HELLO);
    assert_eq!(
        attributes(&client),
        client_attrs(SAY_HELLO, addr, "INTERNAL", true)
    );
    server_attrs(&server, SAY_HELLO, addr, "INTERNAL", true);
    let failed = Status::Error {
        description: "database down".into(),
    };
    assert_eq!(client.status(), &failed);
    assert_eq!(server.status(), &failed);
    assert_eq!(server.parent_id(), Some(client.span_id()));

    // NOT_FOUND is the caller's business: an error on the client only.
    let client = by_code(&SpanKind::Client, "NOT_FOUND");
    let server = by_code(&SpanKind::Server, "NOT_FOUND");
    assert_eq!(
        attributes(&client),
        client_attrs(SAY_HELLO, addr, "NOT_FOUND", true)
    );
    server_attrs(&server, SAY_HELLO, addr, "NOT_FOUND", false);
    assert!(client.is_error());
    assert_eq!(server.status(), &Status::Unset);
    no_findings(&spans);
}

#[test]
fn a_server_stream_is_covered_to_its_trailers() {
    let ((addr, ok, lost), spans) = semtrace::testing::capture(|| {
        run(|addr| async move {
            let mut client = client(addr);
            let ok = stream(&mut client, "3").await;
            let lost = stream(&mut client, "2!").await;
            (addr, ok, lost)
        })
    });
    assert_eq!(ok.0, ["0", "1", "2"]);
    ok.1.unwrap();
    assert_eq!(lost.0, ["0", "1"]);
    assert_eq!(lost.1.unwrap_err().code(), tonic::Code::DataLoss);

    let servers: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name() == COUNT && s.kind() == &SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 2, "{spans}");
    for server in servers {
        let code = server.attr("rpc.response.status_code").cloned();
        let client = spans
            .parent(server)
            .unwrap_or_else(|| panic!("no client parent:\n{spans}"));
        assert_eq!(client.kind(), &SpanKind::Client);
        assert_eq!(client.name(), COUNT);
        let items: Vec<&Span> = spans.children(server).collect();
        let code = if code == Some(text("OK")) {
            "OK"
        } else {
            "DATA_LOSS"
        };
        // Each reply (and the final error) was made while the server span was
        // current, and the span ended after the last of them: it covers the stream.
        assert_eq!(items.len(), 3, "{spans}");
        for item in &items {
            assert_eq!(item.name(), "item");
            assert!(item.data().end_time <= server.data().end_time);
        }
        let failed = code == "DATA_LOSS";
        server_attrs(server, COUNT, addr, code, failed);
        assert_eq!(attributes(client), client_attrs(COUNT, addr, code, failed));
        assert_eq!(server.is_error(), failed);
        assert_eq!(client.is_error(), failed);
        assert!(server.data().end_time <= client.data().end_time);
    }
    no_findings(&spans);
}

#[test]
fn unknown_methods_are_other_and_named_after_the_system() {
    let ((addr, unknown, malformed), spans) = semtrace::testing::capture(|| {
        run(|addr| async move {
            let mut client = client(addr);
            let unknown = unary(&mut client, "/helloworld.Greeter/Nope", "x").await;
            let malformed = unary(&mut client, "/nope", "x").await;
            (addr, unknown, malformed)
        })
    });
    assert_eq!(unknown.unwrap_err().code(), tonic::Code::Unimplemented);
    assert_eq!(malformed.unwrap_err().code(), tonic::Code::Unimplemented);

    // A well-formed method the server does not have keeps its name: the layer
    // cannot know what the routes hold.
    let server = span(&spans, "helloworld.Greeter/Nope", &SpanKind::Server);
    server_attrs(
        server,
        "helloworld.Greeter/Nope",
        addr,
        "UNIMPLEMENTED",
        true,
    );

    // A path that names no `service/method`.
    let client = span(&spans, "grpc", &SpanKind::Client);
    let server = span(&spans, "grpc", &SpanKind::Server);
    let mut expected = client_attrs("_OTHER", addr, "UNIMPLEMENTED", true);
    expected.insert("rpc.method_original".to_owned(), text("nope"));
    assert_eq!(attributes(client), expected);
    assert_eq!(server.attr("rpc.method"), Some(&text("_OTHER")));
    assert_eq!(server.attr("rpc.method_original"), Some(&text("nope")));
    assert_eq!(server.parent_id(), Some(client.span_id()));
    no_findings(&spans);
}

#[test]
fn a_transport_error_fails_the_client_span_with_its_type() {
    // A port nothing listens on.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let (result, spans) = semtrace::testing::capture(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut client = client(addr);
            unary(&mut client, "/helloworld.Greeter/SayHello", "ada").await
        })
    });
    assert_eq!(result.unwrap_err().code(), tonic::Code::Unavailable);

    let client = span(&spans, SAY_HELLO, &SpanKind::Client);
    assert!(client.is_error(), "{spans}");
    let mut expected = client_attrs(SAY_HELLO, addr, "", true);
    expected.remove("rpc.response.status_code");
    expected.insert(
        "error.type".to_owned(),
        text("tonic::transport::error::Error"),
    );
    assert_eq!(attributes(client), expected);
    no_findings(&spans);
}

/// A histogram data point: its attributes and count.
type Point = (BTreeMap<String, Value>, u64);

/// The unit and the points of histogram `name` in the last export.
fn points(all: &[ResourceMetrics], name: &str) -> (String, Vec<Point>) {
    let last = all.last().expect("an export");
    let metric = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no metric `{name}`"));
    let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
        panic!("`{name}` is not an f64 histogram");
    };
    let mut points: Vec<_> = h
        .data_points()
        .map(|dp| {
            (
                dp.attributes()
                    .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                    .collect(),
                dp.count(),
            )
        })
        .collect();
    points.sort_by_key(|(attrs, _)| format!("{attrs:?}"));
    (metric.unit().to_owned(), points)
}

#[test]
fn durations_are_recorded_with_the_conventions_attributes() {
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (dispatch, guard) = semtrace::Telemetry::builder("rpc-layers")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(opentelemetry_sdk::trace::InMemorySpanExporter::default())
        .metric_reader(reader)
        .build()
        .expect("pipeline");
    let addr = tracing::dispatcher::with_default(&dispatch, || {
        run(|addr| async move {
            let mut client = client(addr);
            unary(&mut client, "/helloworld.Greeter/SayHello", "ada")
                .await
                .unwrap();
            unary(&mut client, "/helloworld.Greeter/SayHello", "grace")
                .await
                .unwrap();
            unary(&mut client, "/helloworld.Greeter/SayHello", "boom")
                .await
                .unwrap_err();
            unary(&mut client, "/helloworld.Greeter/SayHello", "nobody")
                .await
                .unwrap_err();
            let (_, ok) = stream(&mut client, "2").await;
            ok.unwrap();
            addr
        })
    });
    guard.shutdown().expect("shutdown");
    let all = exporter.get_finished_metrics().expect("metrics");

    let port = Value::I64(i64::from(addr.port()));
    let client = |method: &str, code: &str, error: bool, count: u64| {
        let mut attrs = expect(&[
            ("rpc.system.name", text("grpc")),
            ("rpc.method", text(method)),
            ("server.address", text("127.0.0.1")),
            ("server.port", port.clone()),
            ("rpc.response.status_code", text(code)),
        ]);
        if error {
            attrs.insert("error.type".to_owned(), text(code));
        }
        (attrs, count)
    };
    let server = |method: &str, code: &str, error: bool, count: u64| {
        let mut attrs = expect(&[
            ("rpc.system.name", text("grpc")),
            ("rpc.method", text(method)),
            ("rpc.response.status_code", text(code)),
        ]);
        if error {
            attrs.insert("error.type".to_owned(), text(code));
        }
        (attrs, count)
    };
    let sorted = |mut v: Vec<Point>| {
        v.sort_by_key(|(attrs, _)| format!("{attrs:?}"));
        v
    };

    let (unit, got) = points(&all, "rpc.client.call.duration");
    assert_eq!(unit, "s");
    assert_eq!(
        got,
        sorted(vec![
            client(SAY_HELLO, "OK", false, 2),
            client(SAY_HELLO, "INTERNAL", true, 1),
            client(SAY_HELLO, "NOT_FOUND", true, 1),
            client(COUNT, "OK", false, 1),
        ])
    );
    let (unit, got) = points(&all, "rpc.server.call.duration");
    assert_eq!(unit, "s");
    assert_eq!(
        got,
        sorted(vec![
            server(SAY_HELLO, "OK", false, 2),
            server(SAY_HELLO, "INTERNAL", true, 1),
            // The caller's mistake: no `error.type` on the server.
            server(SAY_HELLO, "NOT_FOUND", false, 1),
            server(COUNT, "OK", false, 1),
        ])
    );
}
