//! `#[traced_messaging]`, `#[traced_rpc]` and `links = …` as an exporter sees them:
//! name, kind, typed attributes, status, and trace context across carriers (a
//! producer's headers parenting the consumer, a received batch as links, gRPC
//! metadata). Each test installs its own thread-local pipeline.
#![allow(clippy::unnecessary_wraps, clippy::unused_async)]

use std::collections::HashMap;

use opentelemetry::trace::{SpanId, Status, TraceId};
use semtrace::propagation::Carrier as _;
use semtrace_tests::capture::{Capture, Kind, attr, int, kind, string};

fn propagator() {
    // Only the propagator is global here, never a subscriber.
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The span id a `traceparent` value carries.
fn parent_of(traceparent: &str) -> (TraceId, SpanId) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    (
        TraceId::from_hex(parts[1]).unwrap(),
        SpanId::from_hex(parts[2]).unwrap(),
    )
}

#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders", carrier = headers)]
fn send(headers: &mut HashMap<String, String>, payload: &[u8]) -> Result<usize, String> {
    Ok(payload.len())
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders", carrier = headers, messaging.consumer.group.name = "billing")]
fn process(headers: &HashMap<String, String>) -> Result<(), String> {
    Err("poison message".to_owned())
}

#[test]
fn send_injects_and_process_continues_the_trace() {
    propagator();
    let cap = Capture::start();
    let mut headers = HashMap::new();
    assert_eq!(send(&mut headers, b"{}"), Ok(2));
    let traceparent = headers.get("traceparent").expect("injected").clone();
    process(&headers).unwrap_err();

    let producer = cap.span("send orders");
    assert_eq!(kind(&producer), Kind::Producer);
    assert_eq!(attr(&producer, "messaging.system"), string("kafka"));
    assert_eq!(attr(&producer, "messaging.operation.name"), string("send"));
    assert_eq!(attr(&producer, "messaging.operation.type"), string("send"));
    assert_eq!(
        attr(&producer, "messaging.destination.name"),
        string("orders")
    );
    assert_eq!(producer.status, Status::Unset);
    // The producer's own context rides in the headers.
    assert_eq!(
        parent_of(&traceparent),
        (
            producer.span_context.trace_id(),
            producer.span_context.span_id()
        )
    );

    let consumer = cap.span("process orders");
    assert_eq!(kind(&consumer), Kind::Consumer);
    assert_eq!(
        attr(&consumer, "messaging.operation.type"),
        string("process")
    );
    assert_eq!(
        attr(&consumer, "messaging.consumer.group.name"),
        string("billing")
    );
    assert_eq!(
        consumer.span_context.trace_id(),
        producer.span_context.trace_id()
    );
    assert_eq!(consumer.parent_span_id, producer.span_context.span_id());
    assert!(consumer.parent_span_is_remote);
    assert_eq!(consumer.status, Status::error("poison message"));
}

#[semtrace::traced_messaging(system = "kafka", operation = "publish", destination = %topic, carrier = &mut headers)]
fn publish(topic: &str, mut headers: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    headers
}

#[semtrace::traced_messaging(system = "kafka", operation = "receive", destination = "orders", carrier = batch, messaging.batch.message_count = count)]
fn poll(batch: &[Vec<(String, Vec<u8>)>], count: i64) -> usize {
    batch.len()
}

#[test]
fn a_received_batch_links_to_each_producer() {
    propagator();
    let cap = Capture::start();
    let first = publish("orders", vec![("key".to_owned(), b"1".to_vec())]);
    let second = publish("orders", Vec::new());
    // A Kafka-style header list: the value is bytes.
    assert!(first.iter().any(|(k, _)| k == "key"));
    assert!(first.get("traceparent").is_some());
    assert_eq!(poll(&[first, second, Vec::new()], 3), 3);

    let spans = cap.spans();
    let producers: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "publish orders")
        .collect();
    assert_eq!(producers.len(), 2, "{spans:#?}");
    // A run-time destination names the span through `otel.name`.
    assert_eq!(
        attr(producers[0], "messaging.operation.type"),
        string("send")
    );
    assert_eq!(kind(producers[0]), Kind::Producer);

    let receive = cap.span("receive orders");
    assert_eq!(kind(&receive), Kind::Consumer);
    assert_eq!(
        attr(&receive, "messaging.operation.type"),
        string("receive")
    );
    assert_eq!(attr(&receive, "messaging.batch.message_count"), int(3));
    // One link per carrier with a context; the receive starts its own trace.
    let linked: Vec<SpanId> = receive
        .links
        .iter()
        .map(|l| l.span_context.span_id())
        .collect();
    let produced: Vec<SpanId> = producers.iter().map(|p| p.span_context.span_id()).collect();
    assert_eq!(linked, produced);
    assert_eq!(receive.parent_span_id, SpanId::INVALID);
    assert_ne!(
        receive.span_context.trace_id(),
        producers[0].span_context.trace_id()
    );
}

/// A message type of one's own.
#[derive(Default)]
struct Envelope {
    headers: Vec<(String, String)>,
}

impl semtrace::propagation::Carrier for Envelope {
    fn get(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn set(&mut self, key: &str, value: String) {
        self.headers.retain(|(k, _)| k != key);
        self.headers.push((key.to_owned(), value));
    }
}

#[semtrace::traced_messaging(system = "rabbitmq", operation = "create", destination_template = "jobs.{region}", destination = "jobs.eu", carrier = envelope)]
fn create(envelope: &mut Envelope) {}

#[semtrace::traced_messaging(system = "rabbitmq", operation = "ack", destination = "jobs.eu", carrier = envelope)]
fn settle(envelope: &Envelope) {}

#[semtrace::traced_messaging(system = "rabbitmq", operation = "consume", destination = "jobs.eu", carrier = envelope)]
async fn handle(envelope: &Envelope) -> Result<(), String> {
    Ok(())
}

#[test]
fn create_settle_and_async_process_with_a_carrier_of_ones_own() {
    propagator();
    let cap = Capture::start();
    let mut envelope = Envelope::default();
    create(&mut envelope);
    settle(&envelope);
    block_on(handle(&envelope)).unwrap();

    // The template names the span when given.
    let created = cap.span("create jobs.{region}");
    assert_eq!(kind(&created), Kind::Producer);
    assert_eq!(attr(&created, "messaging.operation.type"), string("create"));
    assert_eq!(
        attr(&created, "messaging.destination.template"),
        string("jobs.{region}")
    );
    assert_eq!(
        attr(&created, "messaging.destination.name"),
        string("jobs.eu")
    );

    let settled = cap.span("ack jobs.eu");
    assert_eq!(kind(&settled), Kind::Client);
    assert_eq!(attr(&settled, "messaging.operation.name"), string("ack"));
    assert_eq!(attr(&settled, "messaging.operation.type"), string("settle"));
    assert_eq!(
        settled
            .links
            .iter()
            .map(|l| l.span_context.span_id())
            .collect::<Vec<_>>(),
        [created.span_context.span_id()]
    );

    let handled = cap.span("consume jobs.eu");
    assert_eq!(kind(&handled), Kind::Consumer);
    assert_eq!(
        attr(&handled, "messaging.operation.type"),
        string("process")
    );
    assert_eq!(handled.parent_span_id, created.span_context.span_id());
}

#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders", carrier = headers, level = "debug")]
fn quiet_send(headers: &mut HashMap<String, String>) {}

#[semtrace::traced(name = "outer")]
fn outer(headers: &mut HashMap<String, String>) {
    quiet_send(headers);
}

#[test]
fn a_disabled_producer_still_injects_the_current_context() {
    propagator();
    let cap = Capture::with_max_level(tracing::level_filters::LevelFilter::INFO);
    let mut headers = HashMap::new();
    outer(&mut headers);
    let outer = cap.span("outer");
    assert_eq!(
        parent_of(&headers["traceparent"]),
        (outer.span_context.trace_id(), outer.span_context.span_id())
    );
}

// --- RPC ---------------------------------------------------------------------

#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = request)]
async fn say_hello(
    request: tonic::Request<String>,
) -> Result<tonic::Response<String>, tonic::Status> {
    match request.into_inner().as_str() {
        "" => Err(tonic::Status::invalid_argument("empty name")),
        "boom" => Err(tonic::Status::internal("database down")),
        name => Ok(tonic::Response::new(format!("hello {name}"))),
    }
}

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", carrier = request.metadata_mut(), server.address = "localhost", server.port = 50051)]
fn call(
    mut request: tonic::Request<String>,
    code: tonic::Code,
) -> Result<tonic::Request<String>, tonic::Status> {
    if code == tonic::Code::Ok {
        Ok(request)
    } else {
        Err(tonic::Status::new(code, "refused"))
    }
}

#[test]
fn grpc_client_injects_metadata_and_the_server_continues_the_trace() {
    propagator();
    let cap = Capture::start();
    let request = call(tonic::Request::new("ada".to_owned()), tonic::Code::Ok).unwrap();
    assert!(request.metadata().get("traceparent").is_some());
    let reply = block_on(say_hello(request)).unwrap();
    assert_eq!(reply.into_inner(), "hello ada");

    let spans = cap.spans();
    let client = spans
        .iter()
        .find(|s| s.span_kind == Kind::Client)
        .expect("client span");
    let server = spans
        .iter()
        .find(|s| s.span_kind == Kind::Server)
        .expect("server span");
    for span in [client, server] {
        assert_eq!(span.name, "helloworld.Greeter/SayHello");
        assert_eq!(attr(span, "rpc.system.name"), string("grpc"));
        assert_eq!(
            attr(span, "rpc.method"),
            string("helloworld.Greeter/SayHello")
        );
        assert_eq!(attr(span, "rpc.response.status_code"), string("OK"));
        assert_eq!(span.status, Status::Unset);
    }
    assert_eq!(attr(client, "server.port"), int(50051));
    assert_eq!(server.parent_span_id, client.span_context.span_id());
    assert_eq!(
        server.span_context.trace_id(),
        client.span_context.trace_id()
    );
    assert!(server.parent_span_is_remote);
}

#[test]
fn grpc_server_fails_only_on_server_codes() {
    let cap = Capture::start();
    // INVALID_ARGUMENT is the caller's mistake: recorded, not a server error.
    block_on(say_hello(tonic::Request::new(String::new()))).unwrap_err();
    let spans = cap.spans();
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(
        attr(span, "rpc.response.status_code"),
        string("INVALID_ARGUMENT")
    );
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(span, "error.type"), None);
    drop(cap);

    let cap = Capture::start();
    block_on(say_hello(tonic::Request::new("boom".to_owned()))).unwrap_err();
    let span = cap.span("helloworld.Greeter/SayHello");
    assert_eq!(attr(&span, "rpc.response.status_code"), string("INTERNAL"));
    assert_eq!(span.status, Status::error("database down"));
    assert_eq!(attr(&span, "error.type"), string("INTERNAL"));
}

#[test]
fn grpc_server_error_codes_are_the_conventions_six() {
    let errors: Vec<&str> = (0..17)
        .filter(|c| semtrace::__private::grpc_is_error(*c, true))
        .map(|c| match semtrace::__private::grpc_code_name(c) {
            std::borrow::Cow::Borrowed(n) => n,
            std::borrow::Cow::Owned(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        errors,
        [
            "UNKNOWN",
            "DEADLINE_EXCEEDED",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS"
        ]
    );
    assert!((1..17).all(|c| semtrace::__private::grpc_is_error(c, false)));
    assert!(!semtrace::__private::grpc_is_error(0, false));
}

#[test]
fn grpc_client_fails_on_every_code_but_ok() {
    for (code, name) in [
        (tonic::Code::NotFound, "NOT_FOUND"),
        (tonic::Code::InvalidArgument, "INVALID_ARGUMENT"),
        (tonic::Code::Unavailable, "UNAVAILABLE"),
    ] {
        let cap = Capture::start();
        call(tonic::Request::new("x".to_owned()), code).unwrap_err();
        let span = cap.span("helloworld.Greeter/SayHello");
        assert_eq!(kind(&span), Kind::Client);
        assert_eq!(attr(&span, "rpc.response.status_code"), string(name));
        assert_eq!(span.status, Status::error("refused"));
        assert_eq!(attr(&span, "error.type"), string(name));
    }
}

#[semtrace::traced_rpc(system = "jsonrpc", method = %method)]
fn dispatch(method: &str) -> Result<(), String> {
    Err(format!("no method {method}"))
}

#[semtrace::traced_rpc(client, system = "grpc")]
fn unnamed() -> tonic::Code {
    tonic::Code::DeadlineExceeded
}

#[test]
fn rpc_names_and_results_without_a_status() {
    let cap = Capture::start();
    dispatch("Echo/Echo").unwrap_err();
    assert_eq!(unnamed(), tonic::Code::DeadlineExceeded);
    // A run-time method names the span at run time; a plain error is an error.
    let span = cap.span("Echo/Echo");
    assert_eq!(kind(&span), Kind::Server);
    assert_eq!(attr(&span, "rpc.system.name"), string("jsonrpc"));
    assert_eq!(span.status, Status::error("no method Echo/Echo"));
    assert_eq!(attr(&span, "rpc.response.status_code"), None);
    // Without a method, the system names the span; a bare code is a status too.
    let span = cap.span("grpc");
    assert_eq!(
        attr(&span, "rpc.response.status_code"),
        string("DEADLINE_EXCEEDED")
    );
    assert_eq!(span.status, Status::error(""));
}

// --- links -------------------------------------------------------------------

#[semtrace::traced(name = "request")]
fn request(headers: &mut HashMap<String, String>) {
    semtrace::propagation::inject_into(headers);
}

#[semtrace::traced_task(task.type = "batch", links = requests)]
fn flush(requests: &[HashMap<String, String>]) -> usize {
    requests.len()
}

#[semtrace::traced_db(system = "sqlite", operation = "INSERT", collection = "jobs", links = contexts.iter())]
fn insert(contexts: &[opentelemetry::Context]) {}

#[test]
fn links_on_any_macro_point_at_the_spans_served() {
    propagator();
    let cap = Capture::start();
    let mut carriers = vec![HashMap::new(), HashMap::new()];
    for c in &mut carriers {
        request(c);
    }
    // A carrier without context adds no link.
    carriers.push(HashMap::new());
    assert_eq!(flush(&carriers), 3);
    let contexts: Vec<_> = carriers
        .iter()
        .map(semtrace::propagation::extract_map)
        .collect();
    insert(&contexts);

    let requests: Vec<SpanId> = cap
        .spans()
        .iter()
        .filter(|s| s.name == "request")
        .map(|s| s.span_context.span_id())
        .collect();
    assert_eq!(requests.len(), 2);
    for name in ["flush", "INSERT jobs"] {
        let span = cap.span(name);
        let linked: Vec<SpanId> = span
            .links
            .iter()
            .map(|l| l.span_context.span_id())
            .collect();
        assert_eq!(linked, requests, "{name}");
    }
}
