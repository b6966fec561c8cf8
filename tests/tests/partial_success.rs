//! A collector that accepts a request but rejects some of its spans (an OTLP partial
//! success): those spans are dropped as `rejected`, never counted as exported, over
//! gRPC and HTTP. The collectors here are fakes on loopback that reject one span per
//! request; rotel never rejects. No global subscriber.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use semtrace::config::Protocol;

/// What the fake collector received.
#[derive(Debug, Default)]
struct Received {
    requests: AtomicU64,
    spans: AtomicU64,
    /// Requests still to refuse (gRPC `UNAVAILABLE`, HTTP 503) before accepting.
    unavailable: AtomicU64,
    /// The `user-agent` of the last request.
    agent: std::sync::Mutex<String>,
    /// Answer HTTP requests with 5 MiB of junk instead of a response message.
    junk: bool,
}

impl Received {
    /// Counts a request and answers it: its first span rejected.
    fn answer(&self, request: &ExportTraceServiceRequest) -> ExportTraceServiceResponse {
        let spans: usize = request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.spans.fetch_add(spans as u64, Ordering::Relaxed);
        ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 1,
                error_message: "span name too long".to_owned(),
            }),
        }
    }
}

struct Grpc(Arc<Received>);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        if let Some(agent) = request.metadata().get("user-agent") {
            agent
                .to_str()
                .unwrap_or_default()
                .clone_into(&mut self.0.agent.lock().unwrap());
        }
        let refuse = self
            .0
            .unavailable
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if refuse.is_ok() {
            return Err(tonic::Status::unavailable("starting up"));
        }
        Ok(tonic::Response::new(self.0.answer(request.get_ref())))
    }
}

/// Starts a fake collector on loopback; its address.
fn serve(
    runtime: &tokio::runtime::Runtime,
    protocol: Protocol,
    received: Arc<Received>,
) -> SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    if protocol == Protocol::Grpc {
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        runtime.spawn(
            tonic::transport::Server::builder()
                .add_service(TraceServiceServer::new(Grpc(received)))
                .serve_with_incoming(incoming),
        );
    } else {
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let received = Arc::clone(&received);
                    async move {
                        if let Some(agent) = headers.get("user-agent") {
                            agent
                                .to_str()
                                .unwrap_or_default()
                                .clone_into(&mut received.agent.lock().unwrap());
                        }
                        let refuse = received.unavailable.fetch_update(
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                            |n| n.checked_sub(1),
                        );
                        if refuse.is_ok() {
                            return (
                                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                                [("content-type", "text/plain")],
                                b"starting up".to_vec(),
                            );
                        }
                        let request = ExportTraceServiceRequest::decode(body).unwrap();
                        let answer = received.answer(&request).encode_to_vec();
                        (
                            axum::http::StatusCode::OK,
                            [("content-type", "application/x-protobuf")],
                            if received.junk {
                                vec![0xff; 5 << 20]
                            } else {
                                answer
                            },
                        )
                    }
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
    }
    address
}

fn run(protocol: Protocol, unavailable: u64) {
    let received = Arc::new(Received {
        unavailable: AtomicU64::new(unavailable),
        ..Received::default()
    });
    let (stats, error, received) = export(protocol, received);
    let error = error.expect("rejected spans make shutdown report a loss");
    assert!(error.contains("rejected by the collector"), "{error}");
    let requests = received.requests.load(Ordering::Relaxed);
    let spans = received.spans.load(Ordering::Relaxed);
    assert!(requests >= 1);
    assert_eq!(received.unavailable.load(Ordering::Relaxed), 0);
    let agent = received.agent.lock().unwrap().clone();
    assert!(agent.starts_with("semtrace/"), "user-agent {agent:?}");
    assert_eq!(spans, 100, "every span reached the collector, once");
    assert_eq!(stats.started, 100);
    assert_eq!(stats.dropped_by.rejected, requests, "{stats:?}");
    assert_eq!(stats.exported, spans - requests, "{stats:?}");
    assert_eq!(stats.dropped, stats.dropped_by.rejected, "{stats:?}");
    assert_eq!(
        stats.started,
        stats.sampled_out + stats.exported + stats.dropped
    );
}

/// Exports 50 traces of two spans to a fake collector.
/// The final account, the shutdown error if any, and what the collector received.
fn export(
    protocol: Protocol,
    received: Arc<Received>,
) -> (semtrace::SpanStats, Option<String>, Arc<Received>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let address = serve(&runtime, protocol, Arc::clone(&received));
    let (dispatch, guard) = semtrace::Telemetry::builder("partial-success")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(format!("http://{address}"))
        .otlp_protocol(protocol)
        // Spans only: the fake collectors take no metrics.
        .config(semtrace::Config::from_toml("[metrics]\nenabled = false\n").unwrap())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..50 {
            let root = tracing::info_span!("request", i);
            let _in = root.enter();
            tracing::info_span!("child").in_scope(|| {});
        }
    });
    let (stats, error) = match guard.shutdown() {
        Ok(stats) => (stats, None),
        Err(e) => (e.stats(), Some(e.to_string())),
    };
    runtime.shutdown_timeout(Duration::from_secs(1));
    (stats, error, received)
}

#[test]
fn spans_a_grpc_collector_rejects_are_dropped_not_exported() {
    run(Protocol::Grpc, 0);
}

/// `UNAVAILABLE` is retried with backoff within the export; the spans arrive once.
#[test]
fn a_grpc_collector_starting_up_gets_the_spans_after_a_retry() {
    run(Protocol::Grpc, 2);
}

#[test]
fn spans_an_http_collector_rejects_are_dropped_not_exported() {
    run(Protocol::HttpProtobuf, 0);
}

/// 503 is retried with backoff within the export; the spans arrive once.
#[test]
fn an_http_collector_starting_up_gets_the_spans_after_a_retry() {
    run(Protocol::HttpProtobuf, 2);
}

/// A success whose body is not a response message rejected nothing. Here it is
/// 5 MiB of junk, more than the exporter reads of a body: the export still ends.
#[test]
fn an_http_answer_that_is_not_a_response_rejects_nothing() {
    let received = Arc::new(Received {
        junk: true,
        ..Received::default()
    });
    let (stats, error, _) = export(Protocol::HttpProtobuf, received);
    assert_eq!(error, None);
    assert_eq!(stats.exported, 100, "{stats:?}");
    assert_eq!(stats.dropped, 0, "{stats:?}");
}
