//! Log records over OTLP: `tracing` events (and `log` records, through the bridge)
//! with the current span's trace and span ids, severity, message and typed fields,
//! exported through the span pipeline's discipline: per-thread buffers, one bounded
//! queue, a background exporter that retries while the collector is down, exact
//! counts ([`LogStats`]) and a bounded shutdown.
//!
//! | piece | file |
//! |-------|------|
//! | an event into a record, within the limits (application thread) | `capture.rs` |
//! | what a record keeps; the batch the queue carries | `record.rs` |
//! | the capture as a layer, beside the user's layers | `layer.rs` |
//! | a batch into an OTLP request | `otlp.rs` |
//! | exporters: OTLP gRPC, HTTP, console JSON lines | `exporters.rs` |
//! | settings into a running pipeline | `pipeline.rs` |
//! | [`LogStats`] | `stats.rs` |
//!
//! The queue and the worker are the span pipeline's (`crate::traces::queue`,
//! `crate::traces::worker`), generic over what they carry.

pub(crate) mod capture;
mod exporters;
pub(crate) mod layer;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
mod otlp;
pub(crate) mod pipeline;
pub(crate) mod record;
mod stats;

pub use stats::{LogDropReasons, LogStats};
