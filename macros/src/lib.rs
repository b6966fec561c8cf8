//! Attribute macros of [semtrace](https://docs.rs/semtrace). Use them through the
//! `semtrace` crate, which re-exports them, documents them with examples, and holds
//! the code they expand to.
//!
//! Every macro takes the same path (`pipeline`): parse the arguments into a model
//! that keeps the user's tokens (`parse`), check them against the registry and the
//! macro's domain while collecting every error (`check`, `domain`), then expand
//! (`expand`). On any error the function is emitted unchanged next to the errors, so
//! one mistake gives one error.
//!
//! Modules depend one way, downward: `model` (what options and fields are), `parse`,
//! `ctxt`, `private` and `registry` are leaves; `domain` reads `model`; `check` reads
//! `domain` and `model`; `expand` reads all of those; `pipeline` runs them in turn.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod check;
mod ctxt;
mod domain;
mod expand;
mod model;
mod parse;
mod pipeline;
mod private;
mod registry;

use proc_macro::TokenStream;

/// Instruments a function with a span checked against the semantic conventions.
///
/// Options: `name = "…"` (default: the function's name), `kind = "internal" | "server"
/// | "client" | "producer" | "consumer"` (default `internal`), `level = "trace" |
/// "debug" | "info" | "warn" | "error"` (default `info`), `links = iter` (an iterator
/// of span contexts, contexts, `tracing` spans or carriers: each becomes a span link;
/// every macro takes it). Every dotted key is a semantic field: `key = value` records
/// `value` with the field's type, `key = %value` with `Display`, `key = ?value` with
/// `Debug`, a bare `key` declares it for [`record!`] later. Arguments are never
/// recorded unless named in a field.
///
/// ```text
/// #[semtrace::traced(kind = "producer", server.port = port, links = &requests)]
/// ```
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::traced::Traced, args.into(), item.into()).into()
}

/// Instruments one GenAI operation per the GenAI registry: a model call
/// (`operation = "chat"`, `"text_completion"`, `"generate_content"`, `"embeddings"`), a
/// tool call (`"execute_tool"`), an agent (`"invoke_agent"`, `"create_agent"`), a
/// retrieval, a workflow, a plan or a memory operation. The operation picks the span
/// definition, its kind and its name (`{operation} {model}` for model calls).
/// `provider` (→ `gen_ai.provider.name`) is checked against the registry's members;
/// `model` (→ `gen_ai.request.model`), `agent`, `tool`, `data_source` and `workflow`
/// take any expression; request attributes are fields (`gen_ai.request.temperature = t`).
/// A return value implementing `semtrace::GenAiResponse` (for a `Result`, its `Ok`
/// value) records `gen_ai.usage.*` and `gen_ai.response.*`; client operations record
/// `gen_ai.client.operation.duration` (and the response's tokens on
/// `gen_ai.client.token.usage`), an in-process agent `gen_ai.invoke_agent.duration`, a
/// tool `gen_ai.execute_tool.duration`, a workflow `gen_ai.workflow.duration`.
///
/// ```text
/// #[semtrace::traced_genai(operation = "chat", provider = "openai", model = %request.model)]
/// async fn complete(request: &Request) -> Result<Reply, ClientError> { … }
/// ```
#[proc_macro_attribute]
pub fn traced_genai(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::genai::GenAi, args.into(), item.into()).into()
}

/// Instruments one GraphQL operation on a server (`span.graphql.server`): a server
/// span named after the operation's type (`query`, `mutation`, `subscription`),
/// `GraphQL Operation` when it is not known. Options: `operation` (→
/// `graphql.operation.type`, a literal checked against the registry's members, or
/// any expression), `operation_name` (→ `graphql.operation.name`, kept out of the
/// span name: clients choose it), `document` (→ `graphql.document`, opt-in: it may
/// carry the client's values), `name`, `level`, `links`. An `Err` marks the span
/// failed with `error.type`, as for every macro.
///
/// ```text
/// #[semtrace::traced_graphql(operation = "query", operation_name = %request.operation_name)]
/// ```
#[proc_macro_attribute]
pub fn traced_graphql(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::graphql::Graphql, args.into(), item.into()).into()
}

/// Instruments a task: an internal span with every `task.*` and `worker.*` field
/// declared, so [`record!`] can fill them as the task goes. Options: `name`, `level`,
/// `links`.
///
/// ```text
/// #[semtrace::traced_task(task.id = %id, task.type = "compute", worker.id)]
/// ```
#[proc_macro_attribute]
pub fn traced_task(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::task::Task, args.into(), item.into()).into()
}

/// Instruments a database call (`span.db.client`): a client span named
/// `"{operation} {collection}"`, or after the query's summary (`db.query.summary`,
/// such as `SELECT orders customers`) when neither is given.
///
/// `system` (required) is `db.system.name` and picks the SQL dialect; `operation`,
/// `collection`, `namespace`, `query` are `db.operation.name`, `db.collection.name`,
/// `db.namespace`, `db.query.text` (sanitized in the dialect unless
/// `sanitize = false`). A literal query is sanitized and summarized at compile time,
/// any other at run time for recorded spans only.
///
/// ```text
/// #[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "users")]
/// ```
#[proc_macro_attribute]
pub fn traced_db(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::db::Db, args.into(), item.into()).into()
}

/// Instruments an HTTP server handler (`span.http.server`: `method` (required),
/// `route`, `parent = headers`), named `"{method} {route}"`, or with `client` an HTTP
/// call (`span.http.client`: `method`, `url`), named `"{method}"`. The return value's
/// status is `http.response.status_code`; servers fail on 5xx, clients on 4xx and 5xx.
///
/// ```text
/// #[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}", parent = headers)]
/// #[semtrace::traced_http(client, method = "POST", url = %url)]
/// ```
#[proc_macro_attribute]
pub fn traced_http(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::http::Http, args.into(), item.into()).into()
}

/// Instruments a messaging operation, named `"{operation} {destination}"` (the
/// template when given, else the destination's name).
///
/// - `system` (required): `messaging.system`, such as `"kafka"`, `"rabbitmq"`,
///   `"aws_sqs"`.
/// - `operation` (required, a literal): `messaging.operation.name`. Its type —
///   `send`, `receive`, `process`, `create` or `settle`, or the names `publish`
///   (send), `poll` (receive), `consume` (process), `ack` and `nack` (settle) — is
///   `messaging.operation.type` and picks the span kind (producer for send and
///   create, consumer for receive and process, client for settle) and the registry
///   span definition.
/// - `destination`: `messaging.destination.name`; `destination_template`:
///   `messaging.destination.template`.
/// - `carrier = headers`: for send and create the span's context is written into the
///   message's headers; for process the headers' context becomes the span's parent;
///   for receive (and settle) each carrier of a batch (a slice, array, `Vec` or
///   `VecDeque` of carriers, or one carrier) becomes a span link. A carrier is a
///   `HashMap<String, String>`, an `http::HeaderMap`, a header list such as
///   `Vec<(String, Vec<u8>)>`, or a type implementing
///   `semtrace::propagation::Carrier`.
/// - any `messaging.*` (or other) field, `name`, `level`, `links`.
///
/// ```text
/// #[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders", carrier = headers)]
/// fn send(headers: &mut Vec<(String, Vec<u8>)>, order: &Order) -> Result<(), KafkaError> { … }
///
/// #[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders", carrier = &message.headers)]
/// async fn handle(message: Message) -> Result<(), HandlerError> { … }
/// ```
#[proc_macro_attribute]
pub fn traced_messaging(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::messaging::Messaging, args.into(), item.into()).into()
}

/// Instruments an RPC: a server span (`span.rpc.call.server`, the default) or with
/// `client` a client span (`span.rpc.call.client`), named after the method (else the
/// system).
///
/// - `system` (required): `rpc.system.name`, such as `"grpc"`.
/// - `method`: `rpc.method`, the fully qualified `service/method`
///   (`"helloworld.Greeter/SayHello"`).
/// - `parent = metadata` (servers): the caller's context becomes the parent, read
///   from `tonic::Request<_>`, tonic's `MetadataMap` (feature `tonic`), an
///   `http::HeaderMap` or any carrier.
/// - `carrier = metadata` (clients): the span's context is written into the outgoing
///   metadata.
/// - With the `tonic` feature, a returned `tonic::Status`, `tonic::Code` or
///   `Result<_, tonic::Status>` records `rpc.response.status_code` (`"OK"`,
///   `"NOT_FOUND"`, …) and the error status by the gRPC rules: a server fails on
///   `UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE` and
///   `DATA_LOSS`, a client on every code but `OK`.
///
/// ```text
/// #[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = request)]
/// async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status> { … }
/// ```
#[proc_macro_attribute]
pub fn traced_rpc(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::rpc::Rpc, args.into(), item.into()).into()
}

/// Records semantic fields on the current span, with the same checks as the
/// attributes: `semtrace::record!(task.state = "completed")`.
#[proc_macro]
pub fn record(input: TokenStream) -> TokenStream {
    pipeline::record(input.into()).into()
}
