//! semtrace: semantic, compile-time-checked OpenTelemetry instrumentation.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub use semtrace_macros::{record, traced, traced_db, traced_http, traced_task};

mod error_type;
pub use error_type::ErrorType;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;
