//! The calls the benchmarks compare: one function with three fields, annotated by
//! semtrace and by `#[tracing::instrument]`, and an exporter that discards.

use std::hint::black_box;

use crate::failure::Failure;

/// The function's own work.
///
/// # Errors
/// When `id` is 0.
#[inline(never)]
pub fn bare(id: u64, priority: i64) -> Result<u64, Failure> {
    if id == 0 {
        Err(Failure)
    } else {
        Ok(id + priority.unsigned_abs())
    }
}

/// `bare` as a `#[traced_task]` span, without the call's metric (so spans are
/// compared with spans).
///
/// # Errors
/// As [`bare`].
#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = priority, metrics = false)]
pub fn semtrace_call(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

/// [`semtrace_call`] with the call's metric (`task.duration`), as
/// `#[traced_task]` records it by default.
///
/// # Errors
/// As [`bare`].
#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = priority)]
#[inline(never)]
pub fn semtrace_call_with_metric(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

/// An HTTP handler under `#[traced_http]` with its metric: before its span, it
/// looks for `semtrace::http::ServerLayer`'s span to add to (none here).
///
/// # Errors
/// As [`bare`].
#[semtrace::traced_http(method = "GET", route = "/items/{id}")]
#[inline(never)]
pub fn semtrace_http_server(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

/// The same span through `#[tracing::instrument]`.
///
/// # Errors
/// As [`bare`].
#[tracing::instrument(
    skip_all,
    fields(task.id = %id, task.r#type = "compute", task.priority = priority),
    err
)]
pub fn instrument_call(id: u64, priority: i64) -> Result<u64, Failure> {
    bare(id, priority)
}

/// An OpenTelemetry SDK exporter that drops what it is given.
#[derive(Debug)]
pub struct DiscardExporter;

impl opentelemetry_sdk::trace::SpanExporter for DiscardExporter {
    async fn export(
        &self,
        batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}
