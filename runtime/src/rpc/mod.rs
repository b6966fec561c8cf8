//! gRPC spans and metrics for tonic servers and clients as tower layers (feature
//! `tonic`): [`ServerLayer`] for `tonic::transport::Server::builder().layer(…)`,
//! [`ClientLayer`] around the channel a generated client is given.
//!
//! Each call gets one span, as the OpenTelemetry conventions define
//! `span.rpc.call.server` and `span.rpc.call.client`:
//!
//! - named after the fully qualified method (`helloworld.Greeter/SayHello`, from the
//!   path `/helloworld.Greeter/SayHello`); a path that is no `service/method` is
//!   `rpc.method = "_OTHER"` with `rpc.method_original`, and the span is named
//!   `grpc`;
//! - `rpc.system.name = "grpc"`, `rpc.method`, `rpc.response.status_code` (the code's
//!   name, `NOT_FOUND`), `server.address` and `server.port`, and on the server
//!   `network.peer.address` and `network.peer.port` of the connection;
//! - failed by the gRPC rules of its side (a server by `UNKNOWN`,
//!   `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE` and `DATA_LOSS`;
//!   a client by every code but `OK`), with the code as `error.type`; a client call
//!   whose channel fails has the error's type name as `error.type`.
//!
//! The status is read from the response headers or, as gRPC usually sends it, from
//! the trailers at the end of the response body: the span ends when the body ends
//! (or is dropped), so a streaming call's span covers the whole stream. The span is
//! current while the inner service handles the call and while the body is polled,
//! so the handler's spans are its children.
//!
//! A server span's parent is the caller's context in the request headers (W3C
//! `traceparent` and baggage); a client span's is the current span, and the client
//! layer writes the client span's context into the outgoing headers.
//!
//! Each call also records `rpc.server.call.duration` or `rpc.client.call.duration`
//! (seconds) with `rpc.system.name`, `rpc.method`, `rpc.response.status_code`,
//! `error.type` and, on the client, `server.address` and `server.port`.
//!
//! A client sees the request before the channel sets its origin, so its
//! `server.address` comes from the request's URI when that has an authority, else
//! from the target the layer was given ([`ClientLayer::target`]), as the conventions
//! ask: from the channel's configuration, not from the connection.
//!
//! ```no_run
//! use semtrace::rpc::{ClientLayer, ClientService, ServerLayer};
//!
//! // A server: every call its routes answer gets a server span.
//! let server = tonic::transport::Server::builder().layer(ServerLayer::new());
//! // … then `.add_service(GreeterServer::new(greeter)).serve(addr)` as usual.
//! # drop(server);
//!
//! // A client: the layered channel goes to a generated client's `new`
//! // (`GreeterClient::new(traced(channel))`) or to `tonic::client::Grpc::new`.
//! fn traced<C>(channel: C) -> ClientService<C> {
//!     tower::ServiceBuilder::new()
//!         .layer(ClientLayer::new().target("http://127.0.0.1:50051"))
//!         .service(channel)
//! }
//! ```

mod call;
mod client;
mod server;

pub use call::{ResponseBody, ResponseFuture};
pub use client::{ClientLayer, ClientService};
pub use server::{ServerLayer, ServerService};
