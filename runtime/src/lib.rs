//! semtrace: semantic, compile-time-checked OpenTelemetry instrumentation.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub use semtrace_macros::*;
