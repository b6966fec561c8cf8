//! semtrace: semantic, compile-time-checked OpenTelemetry instrumentation.
//!
//! Call [`init`] (or [`Telemetry::builder`]) once at startup and keep the returned
//! [`Guard`] until the end of `main`:
//!
//! ```no_run
//! let guard = semtrace::Telemetry::builder("coordinator")
//!     .service_version(env!("CARGO_PKG_VERSION"))
//!     .init()?;
//! // … the program …
//! let stats = guard.shutdown()?; // exports what is queued; every span accounted for
//! assert_eq!(stats.started, stats.sampled_out + stats.exported + stats.dropped);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! How the builder, `OTEL_*` environment variables and the config file combine is
//! described in [`config`], with the table of every setting.
//!
//! # The span pipeline
//!
//! semtrace exports spans through a pipeline of its own rather than through
//! tracing-opentelemetry and the OpenTelemetry SDK's span processor. Its `tracing`
//! layer gives every span W3C ids (also when nothing is exported, so log lines and
//! propagated calls share trace ids), decides sampling when a trace starts, and
//! records typed attributes with static keys only for sampled spans. Ended spans
//! wait in their local root; when the root ends the whole trace goes to a per-thread
//! buffer, and full buffers go to one bounded queue (`max_queue_size` spans). When
//! the queue is full, whole traces are shed, counted in [`SpanStats`], and reported
//! on stderr at most every ten seconds; the application never blocks. A background
//! thread builds OTLP requests from the batches and sends them over gRPC or
//! HTTP/protobuf (retrying as OTLP says), with several exports in flight, and
//! holds failed batches (within the queue bound) while the collector is down.
//! [`Guard::stats`] and [`Guard::shutdown`] account for every span.
//!
//! When the pipeline is the only output (no console, no file), the subscriber
//! [`build`](TelemetryBuilder::build) makes is semtrace's own span store rather than
//! tracing-subscriber's registry: each span's record sits inline in its slot, so a
//! span costs no extension allocation or map lookups. It follows the registry's
//! rules for parents and the current span. Beside console or file output, or
//! layers of the user's ([`TelemetryBuilder::with_layer`]), the registry stays,
//! since those layers keep their state in its extensions;
//! [`TelemetryBuilder::build_layer`] makes the pipeline a layer of the user's own
//! subscriber.
//!
//! Only conventional attributes are exported by default; `code.*`, `thread.*` and
//! busy/idle timing are opt-in (`[traces]` in [`config`]).
//!
//! tracing-opentelemetry is not part of semtrace's run-time dependencies: two
//! pipelines would export every span twice, and its `OpenTelemetrySpanExt` reads a
//! context semtrace does not keep. [`propagation::context_of`] gives a span's
//! OpenTelemetry context instead. semtrace's tests use tracing-opentelemetry as an
//! oracle: the same program through both must produce the same spans.
//!
//! # The telemetry catalogue
//!
//! Every annotated function registers an entry at link time: [`catalogue()`] lists
//! what the program can emit (each function's domain, span name or naming rule, kind,
//! attributes with their types, requirement levels and literal values, the metric it
//! records and that metric's attributes, and where it is written), `GET
//! /tracing/catalogue` on the [admin routes](control::admin) serves it as JSON, and
//! [`catalogue::to_registry_yaml`] writes it as a Weaver registry,
//! [`catalogue::grafana_dashboard`] as a Grafana dashboard of its metrics (also `GET
//! /tracing/dashboard`), and [`catalogue::prometheus_rules`] as SLO burn-rate alerts
//! for the objectives you declare on its HTTP routes. The entries are
//! `static`s in a `linkme` distributed slice: the linker
//! gathers them, no constructor runs before `main` (as `inventory`'s would), and a
//! call does nothing for its entry. See [`catalogue`](mod@catalogue).
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---------|---------|--------------|
//! | `console` | yes | console output |
//! | `file` | yes | rolling log files |
//! | `otlp-grpc` | yes | OTLP over gRPC (tonic) |
//! | `otlp-http` | yes | OTLP over HTTP/protobuf (reqwest) |
//! | `zipkin` | yes | Zipkin v2 JSON export over HTTP (reqwest) |
//! | `tls` | no | `https` endpoints (rustls) |
//! | `tower` | no | [`http::ServerLayer`] and [`http::ClientLayer`]: the conventions' HTTP server and client spans and metrics for any tower service of `http::Request` |
//! | `axum` | no | `tower`, and the server layer reads axum's matched route and `ConnectInfo` peer |
//! | `reqwest` | no | `tower`, and [`http::ReqwestMiddleware`] for `reqwest-middleware` clients |
//! | `tonic` | no | `#[traced_rpc]` records `tonic::Status` results by the gRPC rules; tonic metadata is a carrier; [`rpc`]'s tower layers trace tonic servers and clients |
//! | `testing` | no | `semtrace::testing`: capture spans in unit tests, assert on them, live-check them |
//! | `otel` | — | kept for compatibility; the pipeline and [`propagation`] are always built |
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

// Every macro of semtrace-macros, so a new domain's entry point needs no line here.
pub use semtrace_macros::*;

mod error_type;
pub use error_type::ErrorType;
pub mod genai;
pub use genai::GenAiResponse;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;
// Generated code names `__private` by this name, which carries the crate's version:
// the macros spell it from theirs (`macros/src/private.rs`), so a macros crate of
// another version fails with "could not find `__private_X_Y_Z` in `semtrace`".
// Rename it with the version in `[workspace.package]`.
#[doc(hidden)]
pub use __private as __private_0_1_0;
mod clock;

pub mod catalogue;
pub use catalogue::catalogue;
pub mod config;
pub mod control;
mod error;
mod grpc;
mod guard;
#[cfg(feature = "tower")]
pub mod http;
mod init;
#[cfg(any(feature = "admin", feature = "prometheus"))]
mod listener;
mod log_bridge;
mod logs;
mod metrics;
mod outer;
#[cfg(any(feature = "console", feature = "file"))]
mod outputs;
pub mod propagation;
mod resource;
#[cfg(feature = "tonic")]
pub mod rpc;
mod shutdown;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod traces;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod transport;

/// The settings types, under their earlier path; [`config`] is their home now, and
/// each name here is a deprecated alias of the type there.
pub mod settings {
    /// Deprecated: [`config::Ansi`](crate::config::Ansi).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Ansi`")]
    pub type Ansi = crate::config::Ansi;
    /// Deprecated: [`config::Compression`](crate::config::Compression).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Compression`")]
    pub type Compression = crate::config::Compression;
    /// Deprecated: [`config::ConsoleFormat`](crate::config::ConsoleFormat).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::ConsoleFormat`")]
    pub type ConsoleFormat = crate::config::ConsoleFormat;
    /// Deprecated: [`config::ConsoleSettings`](crate::config::ConsoleSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::ConsoleSettings`")]
    pub type ConsoleSettings = crate::config::ConsoleSettings;
    /// Deprecated: [`config::FileFormat`](crate::config::FileFormat).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::FileFormat`")]
    pub type FileFormat = crate::config::FileFormat;
    /// Deprecated: [`config::FileSettings`](crate::config::FileSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::FileSettings`")]
    pub type FileSettings = crate::config::FileSettings;
    /// Deprecated: [`config::MetricsExporter`](crate::config::MetricsExporter).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::MetricsExporter`")]
    pub type MetricsExporter = crate::config::MetricsExporter;
    /// Deprecated: [`config::MetricsSettings`](crate::config::MetricsSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::MetricsSettings`")]
    pub type MetricsSettings = crate::config::MetricsSettings;
    /// Deprecated: [`config::OtlpSettings`](crate::config::OtlpSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::OtlpSettings`")]
    pub type OtlpSettings = crate::config::OtlpSettings;
    /// Deprecated: [`config::Protocol`](crate::config::Protocol).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Protocol`")]
    pub type Protocol = crate::config::Protocol;
    /// Deprecated: [`config::Rotation`](crate::config::Rotation).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Rotation`")]
    pub type Rotation = crate::config::Rotation;
    /// Deprecated: [`config::Sampler`](crate::config::Sampler).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Sampler`")]
    pub type Sampler = crate::config::Sampler;
    /// Deprecated: [`config::Settings`](crate::config::Settings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::Settings`")]
    pub type Settings = crate::config::Settings;
    /// Deprecated: [`config::TracesExporter`](crate::config::TracesExporter).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::TracesExporter`")]
    pub type TracesExporter = crate::config::TracesExporter;
    /// Deprecated: [`config::TracesSettings`](crate::config::TracesSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::TracesSettings`")]
    pub type TracesSettings = crate::config::TracesSettings;
    /// Deprecated: [`config::ZipkinSettings`](crate::config::ZipkinSettings).
    #[deprecated(since = "0.1.0", note = "use `semtrace::config::ZipkinSettings`")]
    pub type ZipkinSettings = crate::config::ZipkinSettings;
}

pub use config::{Config, SamplingMode, Settings};
pub use control::Control;
/// The run-time control's HTTP endpoints (feature `admin`).
#[cfg(feature = "admin")]
pub use control::admin;
pub use error::InitError;
pub use guard::Guard;
pub use init::{Telemetry, TelemetryBuilder, init};
pub use logs::{LogDropReasons, LogStats};
pub use shutdown::{ShutdownError, ShutdownFailure};
pub use traces::{DropReasons, LimitCounts, SpanStats};
