//! The OpenTelemetry semantic-conventions registry as semtrace's macros see it.
//!
//! - [`generated`] holds the OpenTelemetry semantic conventions (v1.44.0) and semtrace's own
//!   `task.*` / `worker.*` / tracing-opentelemetry registry as sorted static tables,
//!   written by `cargo run -p xtask -- generate` from the official YAML registry, and
//!   the GenAI registry (`open-telemetry/semantic-conventions-genai`, which v1.44.0
//!   only keeps deprecated copies of) as [`generated::GENAI`], [`generated::GENAI_SPANS`]
//!   and [`generated::GENAI_METRICS`], searched first.
//! - [`load`] reads registries in OpenTelemetry Weaver's YAML format (a user crate's
//!   `semconv/` folder) at compile time.
//! - [`spans`] reads the registry's span definitions (kinds, each attribute's
//!   requirement level); [`generated::SPANS`] holds the official ones.
//! - [`metrics`] reads the registry's metric definitions (instrument, unit, attributes);
//!   [`generated::METRICS`] holds the official ones, [`generated::SEMTRACE_METRICS`]
//!   semtrace's own (`task.duration`, the `semtrace.*` pipeline counters).
//! - [`Registry`] merges tables and answers lookups and "did you mean" suggestions;
//!   [`suggest`] is the same for any list of words (options, config keys and values).
//! - [`url`] finds `server.address` / `server.port` in a `url.full`.
//!
//! Modules depend one way: the definition types live in a leaf (`model`, re-exported
//! here and from [`spans`] and [`metrics`]); [`generated`] and [`load`] use only it; the
//! readers ([`spans`], [`metrics`], through the YAML groups they share) use those; and
//! [`Registry`] sits on top.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub mod generated;
mod groups;
pub mod keys;
pub mod live;
pub mod load;
pub mod metrics;
mod model;
mod registry;
pub mod spans;
pub mod sql;
pub mod suggest;
pub mod url;

pub use model::{
    AttrType, Attribute, Deprecation, DeprecationReason, EnumMember, Stability, ValueType,
};
pub use registry::{Match, Registry, similarity};

/// The semantic-conventions version the OpenTelemetry table was generated from.
pub const SEMCONV_VERSION: &str = generated::SEMCONV_VERSION;
