//! semtrace: semantic, compile-time-checked OpenTelemetry instrumentation.
//!
//! Call [`init`] (or [`Telemetry::builder`]) once at startup and keep the returned
//! [`Guard`] until the end of `main`:
//!
//! ```no_run
//! let _guard = semtrace::Telemetry::builder("coordinator")
//!     .service_version(env!("CARGO_PKG_VERSION"))
//!     .init()?;
//! # Ok::<(), semtrace::InitError>(())
//! ```
//!
//! How the builder, `OTEL_*` environment variables and the config file combine is
//! described in [`settings`]; which exporter runs on which thread in [`otlp`].
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---------|---------|--------------|
//! | `console` | yes | console output |
//! | `file` | yes | rolling log files |
//! | `otel` | yes (via the `otlp-*` features) | tracing-opentelemetry layer, tracer provider, [`propagation`] |
//! | `otlp-grpc` | yes | OTLP over gRPC (tonic); implies `otel` |
//! | `otlp-http` | yes | OTLP over HTTP/protobuf; implies `otel` |
//! | `tls` | no | `https` endpoints (rustls) |
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub use semtrace_macros::{record, traced, traced_db, traced_http, traced_task};

mod error_type;
pub use error_type::ErrorType;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

pub mod config;
mod error;
mod guard;
#[cfg(any(feature = "console", feature = "file"))]
mod ids;
#[cfg(feature = "otel")]
pub mod otlp;
#[cfg(any(feature = "console", feature = "file"))]
mod outputs;
#[cfg(feature = "otel")]
pub mod propagation;
pub mod settings;
mod telemetry;

pub use config::Config;
pub use error::{InitError, ShutdownError, ShutdownFailure};
pub use guard::Guard;
pub use settings::Settings;
pub use telemetry::{Telemetry, TelemetryBuilder, init};
