//! The span pipeline's `tracing` layer: ids for every span, typed OpenTelemetry data
//! for sampled ones, and whole local traces handed to the queue when their root ends.
//!
//! - **Start**: the parent (local, or remote through [`RemoteParent`]) gives the
//!   trace id; the head sampler decides for roots; children follow their trace. A
//!   sampled span records its fields as typed attributes with static keys; a
//!   sampled-out one records nothing but its ids.
//! - **End**: a child's data joins its local root's list; when the root ends, the
//!   trace goes to the queue in one piece (kept or shed whole). Very long traces are
//!   handed over in parts of one batch.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{Event, Link, SpanContext, SpanId, Status, TraceFlags, TraceId};
use opentelemetry::{Key, KeyValue};
use tracing::{Subscriber, span};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::queue::Queue;
use super::record::{
    EventVisitor, FinishedSpan, Ids, RemoteState, SpanData, SpanRecord, SpanVisitor, Timing,
};
use super::sampler::{HeadSampler, Parent};
use super::stats::LocalCounters;

/// Attributes outside the conventions' core, each turned on by a config key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Extras {
    /// `code.file.path`, `code.line.number`.
    pub(crate) code: bool,
    /// `thread.id`, `thread.name`.
    pub(crate) thread: bool,
    /// `busy_ns`, `idle_ns`.
    pub(crate) timing: bool,
}

/// The layer. Without an exporter (`export` false) it only gives spans ids, for log
/// lines and propagation, and counts them.
#[derive(Debug, Clone)]
pub(crate) struct PipelineLayer {
    pub(crate) sampler: HeadSampler,
    pub(crate) queue: Arc<Queue>,
    pub(crate) export: bool,
    pub(crate) extras: Extras,
}

/// A remote parent's context, as extracted from a carrier.
#[derive(Debug, Clone)]
pub(crate) struct RemoteContext {
    pub(crate) ids: Ids,
    pub(crate) sampled: bool,
    pub(crate) state: RemoteState,
}

thread_local! {
    /// The remote parent of the next span this thread starts (set by generated code
    /// for `parent = headers` around the span's creation).
    static PENDING: RefCell<Option<RemoteContext>> = const { RefCell::new(None) };
    static THREAD_ID: Cell<i64> = const { Cell::new(0) };
}

/// Makes a remote context the parent of the spans created while it lives (only the
/// first one takes it).
#[derive(Debug)]
pub(crate) struct RemoteParent {
    previous: Option<RemoteContext>,
}

impl RemoteParent {
    pub(crate) fn set(cx: Option<RemoteContext>) -> Self {
        let previous = PENDING.with(|p| std::mem::replace(&mut *p.borrow_mut(), cx));
        Self { previous }
    }
}

impl Drop for RemoteParent {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = PENDING.try_with(|p| *p.borrow_mut() = previous);
    }
}

fn take_pending() -> Option<RemoteContext> {
    PENDING
        .try_with(|p| {
            // Skip the borrow when nothing is pending: the common case.
            let mut p = p.borrow_mut();
            p.take()
        })
        .ok()
        .flatten()
}

fn thread_id() -> i64 {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    THREAD_ID.with(|id| {
        if id.get() == 0 {
            id.set(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        }
        id.get()
    })
}

impl PipelineLayer {
    fn new_data(&self, attrs: &span::Attributes<'_>, start: SystemTime) -> Box<SpanData> {
        let meta = attrs.metadata();
        let mut data = Box::new(SpanData::new(meta.name(), start));
        let mut visitor = SpanVisitor {
            data: &mut data,
            description: None,
        };
        attrs.record(&mut visitor);
        if self.extras.code {
            if let Some(file) = meta.file() {
                data.set(Key::from_static_str("code.file.path"), file.into());
            }
            if let Some(line) = meta.line() {
                data.set(
                    Key::from_static_str("code.line.number"),
                    i64::from(line).into(),
                );
            }
        }
        if self.extras.thread {
            data.set(Key::from_static_str("thread.id"), thread_id().into());
            if let Some(name) = std::thread::current().name() {
                data.set(Key::from_static_str("thread.name"), name.to_owned().into());
            }
        }
        if self.extras.timing {
            data.timing = Some(Timing {
                busy_ns: 0,
                idle_ns: 0,
                last: Instant::now(),
                entered: 0,
            });
        }
        data
    }
}

impl<S> Layer<S> for PipelineLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let pending = take_pending();
        let mut remote = None;
        let (trace, parent, parent_remote, decided, root) = if let Some(cx) = pending {
            let out = (
                cx.ids.trace,
                cx.ids.span,
                true,
                Parent::Remote {
                    sampled: cx.sampled,
                },
                None,
            );
            remote = Some(Box::new(cx.state));
            out
        } else if let Some(found) = span.parent().and_then(|p| {
            let ext = p.extensions();
            ext.get::<SpanRecord>()
                .map(|r| (r.ids, r.sampled, r.root.clone().unwrap_or_else(|| p.id())))
        }) {
            let (ids, sampled, root) = found;
            (
                ids.trace,
                ids.span,
                false,
                Parent::Local { sampled },
                Some(root),
            )
        } else {
            (super::ids::trace_id(), 0, false, Parent::None, None)
        };
        let sampled = self.sampler.sample(trace, decided);
        let data = (sampled && self.export).then(|| self.new_data(attrs, SystemTime::now()));
        let recorded = data.is_some();
        self.queue.with_local(|local| {
            LocalCounters::add(&local.counters.started, 1);
            if !recorded {
                LocalCounters::add(&local.counters.sampled_out, 1);
            }
        });
        span.extensions_mut().insert(SpanRecord {
            ids: Ids {
                trace,
                span: super::ids::span_id(),
            },
            parent,
            parent_remote,
            sampled,
            root,
            data,
            remote,
        });
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(data) = ext
            .get_mut::<SpanRecord>()
            .and_then(|r| r.data.as_deref_mut())
        {
            values.record(&mut SpanVisitor {
                data,
                description: None,
            });
        }
    }

    fn on_follows_from(&self, id: &span::Id, follows: &span::Id, ctx: Context<'_, S>) {
        let Some(other) = ctx.span(follows) else {
            return;
        };
        let Some(context) = other
            .extensions()
            .get::<SpanRecord>()
            .map(SpanRecord::span_context)
        else {
            return;
        };
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(data) = ext
            .get_mut::<SpanRecord>()
            .and_then(|r| r.data.as_deref_mut())
        {
            data.links.push(Link::with_context(context));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut ext = span.extensions_mut();
        let Some(data) = ext
            .get_mut::<SpanRecord>()
            .and_then(|r| r.data.as_deref_mut())
        else {
            return;
        };
        let mut visitor = EventVisitor::default();
        event.record(&mut visitor);
        let error = *event.metadata().level() == tracing::Level::ERROR;
        let message = visitor.message.unwrap_or_default();
        let event = if error {
            // Errors follow the exception conventions, and fail the span unless it
            // already has a status.
            if matches!(data.status, Status::Unset) {
                data.status = Status::error(message.clone());
            }
            let mut attributes = visitor.attributes;
            attributes.insert(0, KeyValue::new("exception.message", message));
            Event::new("exception", SystemTime::now(), attributes, 0)
        } else {
            let name = if message.is_empty() {
                event.metadata().name().into()
            } else {
                std::borrow::Cow::Owned(message)
            };
            Event::new(name, SystemTime::now(), visitor.attributes, 0)
        };
        data.events.push(event);
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        if !self.extras.timing {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(t) = timing(ext.get_mut::<SpanRecord>()) {
            let now = Instant::now();
            if t.entered == 0 {
                t.idle_ns += nanos(now - t.last);
                t.last = now;
            }
            t.entered += 1;
        }
    }

    fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
        if !self.extras.timing {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(t) = timing(ext.get_mut::<SpanRecord>()) {
            t.entered = t.entered.saturating_sub(1);
            if t.entered == 0 {
                let now = Instant::now();
                t.busy_ns += nanos(now - t.last);
                t.last = now;
            }
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let queue = &self.queue;
        let Some(span) = ctx.span(&id) else { return };
        let Some(record) = span.extensions_mut().remove::<SpanRecord>() else {
            return;
        };
        let Some(mut data) = record.data else { return };
        let end = SystemTime::now();
        if let Some(t) = data.timing.take() {
            let idle = t.idle_ns
                + if t.entered == 0 {
                    nanos(t.last.elapsed())
                } else {
                    0
                };
            data.set(
                Key::from_static_str("busy_ns"),
                i64::try_from(t.busy_ns).unwrap_or(i64::MAX).into(),
            );
            data.set(
                Key::from_static_str("idle_ns"),
                i64::try_from(idle).unwrap_or(i64::MAX).into(),
            );
        }
        let mut finished = FinishedSpan {
            ids: record.ids,
            parent: record.parent,
            parent_remote: record.parent_remote,
            trace_state: record
                .remote
                .as_ref()
                .map(|r| r.trace_state.clone())
                .unwrap_or_default(),
            end,
            data,
        };
        let unit = if let Some(root_id) = record.root {
            drop(span);
            // Join the local root; hand over a part when the trace grows past a batch.
            let Some(root) = ctx.span(&root_id) else {
                return submit(queue, vec![finished]);
            };
            let mut ext = root.extensions_mut();
            let Some(root_record) = ext.get_mut::<SpanRecord>() else {
                drop(ext);
                return submit(queue, vec![finished]);
            };
            if let Some(remote) = &root_record.remote {
                finished.trace_state = remote.trace_state.clone();
            }
            let Some(root_data) = root_record.data.as_deref_mut() else {
                drop(ext);
                return submit(queue, vec![finished]);
            };
            root_data.finished.push(finished);
            if root_data.finished.len() < queue.batch_size() {
                return;
            }
            std::mem::take(&mut root_data.finished)
        } else {
            let mut unit = std::mem::take(&mut finished.data.finished);
            unit.push(finished);
            unit
        };
        submit(queue, unit);
    }
}

fn submit(queue: &Queue, spans: Vec<FinishedSpan>) {
    queue.with_local(|local| queue.submit(local, spans));
}

fn timing(record: Option<&mut SpanRecord>) -> Option<&mut Timing> {
    record?.data.as_deref_mut()?.timing.as_mut()
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl SpanRecord {
    /// This span's context as W3C trace context carries it.
    pub(crate) fn span_context(&self) -> SpanContext {
        SpanContext::new(
            TraceId::from(self.ids.trace),
            SpanId::from(self.ids.span),
            if self.sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            },
            false,
            self.remote
                .as_ref()
                .map(|r| r.trace_state.clone())
                .unwrap_or_default(),
        )
    }
}
