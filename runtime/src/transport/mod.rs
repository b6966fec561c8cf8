//! What the OTLP signals share on the way to a collector, whichever messages they
//! send: a signal's own client (spans in `traces/exporters/otlp/`, metrics in
//! `metrics/export.rs`) builds on these.
//!
//! | piece | file |
//! |-------|------|
//! | an exporter's client until shut down, the user agent, start-up errors | `client.rs` |
//! | the configured headers, checked (never logged) | `headers.rs` |
//! | retries: backoff with jitter, throttles, within the export timeout | `retry.rs` |
//! | gRPC: the channel (TLS, gzip), metadata, which statuses are retried | `grpc.rs` |
//! | HTTP: the client, request headers, gzipped bodies, answers, `Retry-After` | `http.rs` |

mod client;
#[cfg(feature = "otlp-grpc")]
pub(crate) mod grpc;
mod headers;
#[cfg(feature = "otlp-http")]
pub(crate) mod http;
mod retry;
