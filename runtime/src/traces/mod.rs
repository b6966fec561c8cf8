//! semtrace's own span pipeline: a `tracing` layer (or, when it is the only output,
//! the hooks of semtrace's own span store, `crate::store`) that turns closed spans
//! into OpenTelemetry span data directly, per-thread buffers feeding one bounded
//! queue, and a background exporter (see the crate docs for the picture).
//!
//! | piece | file |
//! |-------|------|
//! | the layer: ids, sampling, typed attributes, events, links; the span store's hooks | `layer.rs` |
//! | what is kept per span | `record.rs` |
//! | the span limits: what a span keeps at most, and what it cut | `limits.rs` |
//! | reading `tracing`'s fields into it (span fields, `otel.*`, events) | `visit.rs` |
//! | sampling at a trace's start: mode, ratio, rules, latency triggers, tail holding | `sampler.rs` |
//! | p99 windows per span name for latency-triggered sampling | `adaptive.rs` |
//! | per-thread buffers, the bounded queue, whole-trace shedding | `queue.rs` |
//! | the background exporter: batching, in-flight exports, holding while down | `worker.rs` |
//! | exporters (OTLP, Zipkin, injected) | `exporters/` |
//! | what the worker exports through (spans and log records) | `export.rs` |
//! | [`SpanStats`] | `stats.rs` |

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::InstrumentationScope;

pub(crate) mod adaptive;
pub(crate) mod export;
pub(crate) mod exporters;
pub(crate) mod ids;
pub(crate) mod layer;
pub(crate) mod limits;
pub(crate) mod queue;
pub(crate) mod ratio;
pub(crate) mod record;
pub(crate) mod sampler;
pub(crate) mod stats;
pub(crate) mod visit;
pub(crate) mod worker;

pub use stats::{DropReasons, LimitCounts, SpanStats};

use crate::config::{Settings, TracesSettings};
use crate::error::InitError;
use crate::store::SpanStore;
use exporters::ExporterFactory;
use layer::{Extras, PipelineLayer};
use queue::Queue;
use worker::{Pacing, Worker};

/// What [`build`] sets up: the layer to install and, when exporting, the worker the
/// guard shuts down.
pub(crate) struct Pipeline {
    pub(crate) layer: PipelineLayer,
    pub(crate) queue: Arc<Queue>,
    pub(crate) sampler: Arc<sampler::Sampler>,
    pub(crate) worker: Option<Worker>,
}

/// How long a batch that keeps failing is held for another attempt.
const HOLD_FAILED: Duration = Duration::from_secs(60);

/// Builds the pipeline: with the chosen exporters (or an injected one), else ids
/// only.
pub(crate) fn build(
    settings: &Settings,
    injected: Option<ExporterFactory>,
    clock: crate::clock::RuleClock,
) -> Result<Pipeline, InitError> {
    let t: &TracesSettings = &settings.traces;
    let queue = Queue::new(t.max_queue_size, t.max_export_batch_size);
    let extras = Extras {
        code: t.code_attributes,
        thread: t.thread_attributes,
        timing: t.timing_attributes,
    };
    let sampler = Arc::new(sampler::Sampler::new(
        sampler::Policy::new(&t.sampling),
        clock,
    ));
    let mut layer = PipelineLayer {
        sampler: Arc::clone(&sampler),
        queue: Arc::clone(&queue),
        export: false,
        extras,
        limits: limits::Limits::new(&t.limits),
    };
    if injected.is_none() && t.exporters.is_empty() {
        return Ok(Pipeline {
            layer,
            queue,
            sampler,
            worker: None,
        });
    }
    // One thread per export in flight (at most the cores): converting and encoding
    // a batch is the exporter's own work, and several can run at once.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(t.max_concurrent_exports.clamp(1, cores))
        .thread_name("semtrace-export")
        .enable_all()
        .build()
        .map_err(InitError::Runtime)?;
    let resource = crate::resource::build(settings);
    let exporter = {
        // tonic spawns its connection task on the runtime current while it is built.
        let _entered = runtime.enter();
        if let Some(factory) = injected {
            factory(&resource)
        } else {
            let built = t
                .exporters
                .iter()
                .map(|kind| exporters::build(*kind, settings, &resource))
                .collect::<Result<Vec<_>, _>>()?;
            exporters::fan_out(built).expect("at least one exporter, checked above")
        }
    };
    let scope = InstrumentationScope::builder("semtrace")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let worker = Worker::start(
        runtime,
        Arc::clone(&queue),
        Arc::new(exporters::Scoped { exporter, scope }),
        Pacing {
            scheduled_delay: t.scheduled_delay,
            max_in_flight: t.max_concurrent_exports,
            hold_failed: HOLD_FAILED,
        },
    );
    layer.export = true;
    Ok(Pipeline {
        layer,
        queue,
        sampler,
        worker: Some(worker),
    })
}

/// Where a dispatcher keeps the pipeline's records: semtrace's own span store (alone
/// or beside console and file output), or the registry's extensions (beside the
/// user's layers).
enum Store<'a> {
    Own(&'a SpanStore<PipelineLayer>),
    /// Beside console or file lines.
    #[cfg(any(feature = "console", feature = "file"))]
    Outputs(&'a SpanStore<crate::outputs::store::Outputs>),
    Registry(&'a tracing_subscriber::Registry),
}

impl layer::Records for Store<'_> {
    fn with_record<R>(
        &self,
        id: &tracing::span::Id,
        f: impl FnOnce(&mut record::SpanRecord) -> R,
    ) -> Option<R> {
        use tracing_subscriber::registry::LookupSpan as _;
        match self {
            Store::Own(store) => store.with_record(id, f),
            #[cfg(any(feature = "console", feature = "file"))]
            Store::Outputs(store) => layer::Records::with_record(*store, id, f),
            Store::Registry(registry) => {
                let span = registry.span(id)?;
                let mut ext = span.extensions_mut();
                ext.get_mut::<record::SpanRecord>().map(f)
            }
        }
    }
}

/// The pipeline's records and layer in semtrace's subscriber; `None` in another.
fn store(dispatch: &tracing::Dispatch) -> Option<(Store<'_>, &PipelineLayer)> {
    if let Some(store) = dispatch.downcast_ref::<SpanStore<PipelineLayer>>() {
        return Some((Store::Own(store), store.hooks()));
    }
    #[cfg(any(feature = "console", feature = "file"))]
    if let Some(store) = dispatch.downcast_ref::<SpanStore<crate::outputs::store::Outputs>>() {
        return Some((Store::Outputs(store), &store.hooks().pipeline));
    }
    let registry = dispatch.downcast_ref::<tracing_subscriber::Registry>()?;
    let layer = dispatch.downcast_ref::<PipelineLayer>()?;
    Some((Store::Registry(registry), layer))
}

/// Looks up the pipeline's record of `span` in the subscriber it was created with
/// (semtrace's), and runs `f` on it and on its layer.
pub(crate) fn with_record<R>(
    span: &tracing::Span,
    f: impl FnOnce(&mut record::SpanRecord, &PipelineLayer) -> R,
) -> Option<R> {
    use layer::Records as _;
    span.with_subscriber(|(id, dispatch)| {
        let (records, layer) = store(dispatch)?;
        records.with_record(id, |record| f(record, layer))
    })
    .flatten()
}

/// The trace and span ids of span `id` in `dispatch`, and whether it is sampled;
/// `None` when the span is not in semtrace's store.
#[inline]
pub(crate) fn ids_of(
    dispatch: &tracing::Dispatch,
    id: &tracing::span::Id,
) -> Option<(u128, u64, bool)> {
    use layer::Records as _;
    let (records, _) = store(dispatch)?;
    records.with_record(id, |r| (r.ids.trace, r.ids.span, r.sampled))
}

/// Whether semtrace records `span`'s data for export (sampled, with an exporter).
/// A span of another subscriber counts as recorded, so its fields are not lost.
pub(crate) fn is_recorded(span: &tracing::Span) -> bool {
    span.with_subscriber(|(_, dispatch)| store(dispatch).is_none())
        .unwrap_or(false)
        || with_record(span, |record, _| record.data.is_some()).unwrap_or(false)
}

/// The W3C context of `span` (its ids, sampled flag, and the trace state and
/// baggage its local root received from a remote parent).
pub(crate) fn span_context(
    span: &tracing::Span,
) -> Option<(opentelemetry::trace::SpanContext, record::BaggageEntries)> {
    use layer::Records as _;
    span.with_subscriber(|(id, dispatch)| {
        let (records, _) = store(dispatch)?;
        let (mut context, mut baggage, root) = records.with_record(id, |record| {
            let context = record.span_context();
            let baggage = record
                .remote
                .as_ref()
                .map(|r| r.baggage.clone())
                .unwrap_or_default();
            (context, baggage, record.root.clone())
        })?;
        if let Some(root_id) = &root
            && let Some(Some((trace_state, root_baggage))) = records.with_record(root_id, |r| {
                r.remote
                    .as_deref()
                    .map(|remote| (remote.trace_state.clone(), remote.baggage.clone()))
            })
        {
            context = opentelemetry::trace::SpanContext::new(
                context.trace_id(),
                context.span_id(),
                context.trace_flags(),
                false,
                trace_state,
            );
            baggage = root_baggage;
        }
        Some((context, baggage))
    })
    .flatten()
}

/// Makes a remote context the parent of an already started local root: its trace id
/// and parent change, and the sampler decides again (fields recorded before a switch
/// from sampled-out to sampled are not recovered; `parent = headers` on the macros
/// sets the parent before the span starts instead).
pub(crate) fn set_remote_parent(span: &tracing::Span, remote: layer::RemoteContext) {
    with_record(span, |record, layer| {
        if record.root.is_some() {
            return; // a local child stays in its trace
        }
        let name = span.metadata().map_or("span", |m| m.name());
        let sampler = &layer.sampler;
        let decision = sampler.with_policy(|policy| {
            sampler.decide_root(
                policy,
                remote.ids.trace,
                sampler::Parent::Remote {
                    sampled: remote.sampled,
                },
                &sampler::RootInfo {
                    name,
                    attrs: None,
                    baggage: Some(&remote.state.baggage),
                },
            )
        });
        if decision == sampler::Decision::Provisional {
            // Too late to hold a trace already started: the head decision stands.
            sampler.release_tail(1);
        }
        let keep = decision == sampler::Decision::Sampled;
        record.ids.trace = remote.ids.trace;
        record.parent = remote.ids.span;
        record.parent_remote = true;
        let trace_state = remote.state.trace_state.clone();
        record.remote = Some(Box::new(remote.state));
        let keep_state = |record: &mut record::SpanRecord| {
            if let Some(data) = record.data.as_mut()
                && !trace_state.header().is_empty()
            {
                data.extra().trace_state = Some(trace_state.clone());
            }
        };
        if keep == record.sampled || record.provisional {
            // A held trace keeps its data; the flag decides at its end.
            record.sampled = keep;
            keep_state(record);
            return;
        }
        record.sampled = keep;
        layer.queue.with_local(|local| {
            let counter = &local.counters.sampled_out;
            match (keep && layer.export, record.data.is_some()) {
                (true, false) => {
                    let meta = span.metadata().map_or("span", |m| m.name());
                    record.data = Some(record::Live::boxed(
                        meta,
                        crate::clock::now_nanos(),
                        layer.limits,
                    ));
                    stats::LocalCounters::sub(counter, 1);
                }
                (false, true) => {
                    // Spans of its trace that already ended go with it.
                    let mut dropped = 1;
                    if let Some(extra) = record.data.as_mut().and_then(|d| d.extra.as_deref_mut()) {
                        layer
                            .queue
                            .give_back(local, std::mem::take(&mut extra.held));
                        dropped += extra.children.take().map_or(0, |c| c.len()) as u64;
                    }
                    record.data = None;
                    stats::LocalCounters::add(counter, dropped);
                }
                _ => {}
            }
        });
        keep_state(record);
    });
}
