//! What an exporter is to the worker: [`Exporter`], and the ways to get one (an
//! `opentelemetry_sdk` [`SpanExporter`] wrapped, several in one, an injected one).

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry::trace::{SpanContext, SpanId, Status, TraceFlags, TraceId};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks};

use crate::traces::record::{Batch, Code, Finished};

pub(crate) use crate::traces::export::ExportFuture;

/// An exporter the worker can call from several tasks at once.
pub(crate) trait Exporter: Send + Sync + 'static {
    fn export(&self, batch: Vec<SpanData>) -> ExportFuture;

    /// Exports `batch` (spans of `scope`); through the SDK's span data unless the
    /// exporter has a shorter way.
    fn export_batch(&self, batch: &Batch, scope: &InstrumentationScope) -> ExportFuture {
        self.export(to_sdk(batch, scope))
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult;
}

/// A batch as the SDK's span data, built on the exporter thread.
pub(crate) fn to_sdk(batch: &Batch, scope: &InstrumentationScope) -> Vec<SpanData> {
    batch
        .spans
        .iter()
        .map(|span| one(batch, span, scope))
        .collect()
}

fn one(batch: &Batch, span: &Finished, scope: &InstrumentationScope) -> SpanData {
    let extra = span.extra.as_deref();
    let trace_state = extra
        .and_then(|e| e.trace_state.clone())
        .unwrap_or_default();
    let status = match span.code {
        Code::Unset => Status::Unset,
        Code::Ok => Status::Ok,
        Code::Error => Status::error(
            span.description
                .map(|t| t.of(batch.text_of(span)).to_owned())
                .unwrap_or_default(),
        ),
    };
    let mut events = SpanEvents::default();
    let mut links = SpanLinks::default();
    let mut dropped_attributes_count = 0;
    if let Some(extra) = extra {
        events.events.clone_from(&extra.events);
        links.links.clone_from(&extra.links);
        events.dropped_count = extra.dropped.events.0;
        links.dropped_count = extra.dropped.links.0;
        dropped_attributes_count = extra.dropped.attributes.0;
    }
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(span.ids.trace),
            SpanId::from(span.ids.span),
            TraceFlags::SAMPLED,
            false,
            trace_state,
        ),
        parent_span_id: SpanId::from(span.parent),
        parent_span_is_remote: span.parent_remote,
        span_kind: span.kind.clone(),
        name: batch.name(span),
        start_time: crate::clock::time_at(span.start),
        end_time: crate::clock::time_at(span.end),
        attributes: batch.key_values(span),
        dropped_attributes_count,
        events,
        links,
        status,
        instrumentation_scope: scope.clone(),
    }
}

/// An SDK exporter: its `Ok` means every span was accepted.
struct Sdk<E>(Arc<E>);

impl<E: SpanExporter + 'static> Exporter for Sdk<E> {
    fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
        let exporter = Arc::clone(&self.0);
        Box::pin(async move { exporter.export(batch).await.map(|()| 0) })
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

/// Wraps an SDK exporter, telling it the resource first.
pub(crate) fn from_sdk<E: SpanExporter + 'static>(
    mut exporter: E,
    resource: &Resource,
) -> Arc<dyn Exporter> {
    exporter.set_resource(resource);
    Arc::new(Sdk(Arc::new(exporter)))
}

/// An exporter with the scope its spans carry: what the worker exports through.
pub(crate) struct Scoped {
    pub(crate) exporter: Arc<dyn Exporter>,
    pub(crate) scope: InstrumentationScope,
}

impl crate::traces::export::Export<Batch> for Scoped {
    fn export(&self, batch: &Batch) -> ExportFuture {
        self.exporter.export_batch(batch, &self.scope)
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        self.exporter.shutdown(timeout)
    }
}

/// Builds an exporter once the resource is known (an injected one, for tests).
pub(crate) type ExporterFactory = Box<dyn FnOnce(&Resource) -> Arc<dyn Exporter> + Send>;

pub(crate) fn factory<E: SpanExporter + 'static>(exporter: E) -> ExporterFactory {
    Box::new(move |resource| from_sdk(exporter, resource))
}

/// Sends each batch to several exporters in turn; fails when one of them does (a
/// retry then sends again to all of them).
struct Fanout(Vec<Arc<dyn Exporter>>);

impl Exporter for Fanout {
    fn export(&self, batch: Vec<SpanData>) -> ExportFuture {
        crate::traces::export::all_of(self.0.iter().map(|e| e.export(batch.clone())).collect())
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        crate::traces::export::shut_all(self.0.iter().map(|e| &**e), |e| e.shutdown(timeout))
    }
}

/// One exporter for a list of them.
pub(crate) fn fan_out(mut exporters: Vec<Arc<dyn Exporter>>) -> Option<Arc<dyn Exporter>> {
    match exporters.len() {
        0 => None,
        1 => exporters.pop(),
        _ => Some(Arc::new(Fanout(exporters))),
    }
}
