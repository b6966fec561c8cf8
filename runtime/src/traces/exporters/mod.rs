//! Where batches go: one file per exporter, each with its `build` and the error
//! its feature being off gives, and [`EXPORTERS`], the list `OTEL_TRACES_EXPORTER`
//! picks from. The OTLP exporters count the spans a collector rejects; the others
//! are `opentelemetry_sdk` [`SpanExporter`](opentelemetry_sdk::trace::SpanExporter)s
//! (`exporter.rs`), like one a test injects.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use crate::config::{Settings, TracesExporter};
use crate::error::InitError;

mod console;
mod exporter;
mod otlp;
mod zipkin;

pub(crate) use exporter::{Exporter, ExporterFactory, Scoped, factory, fan_out};

/// An exporter's entry: builds it for the resolved settings, inside the exporter's
/// runtime (tonic spawns its connection task on the runtime current while it is
/// built); its feature off, the error naming the feature.
type Build = fn(&Settings, &Resource) -> Result<Arc<dyn Exporter>, InitError>;

/// Every exporter, one line each: its name in `OTEL_TRACES_EXPORTER`, its `build`.
const EXPORTERS: &[(TracesExporter, Build)] = &[
    (TracesExporter::Otlp, otlp::build),
    (TracesExporter::Console, console::build),
    (TracesExporter::Zipkin, zipkin::build),
];

/// Builds the exporter `kind` names.
pub(crate) fn build(
    kind: TracesExporter,
    settings: &Settings,
    resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    match EXPORTERS.iter().find(|(name, _)| *name == kind) {
        Some((_, build)) => build(settings, resource),
        // Only `none` has no exporter, and resolution removes it: it means an
        // empty list.
        None => Err(InitError::invalid(
            "`OTEL_TRACES_EXPORTER`",
            "none",
            "`none` stands alone",
        )),
    }
}
