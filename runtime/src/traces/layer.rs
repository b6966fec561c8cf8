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
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, TraceFlags, TraceId};
use tracing::{Subscriber, span};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::limits::Limits;
use super::queue::Queue;
use super::record::{Batch, Code, Ended, Ids, Live, RemoteState, SpanRecord, Text, Timing, Val};
use super::sampler::{Decision, Parent, RootInfo, Sampler};
use super::stats::LocalCounters;
use super::visit::{EventVisitor, NewSpanVisitor, SpanVisitor};
use crate::config::TailSettings;
use crate::store::{Hooks, SpanStore};

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
    pub(crate) sampler: Arc<Sampler>,
    pub(crate) queue: Arc<Queue>,
    pub(crate) export: bool,
    pub(crate) extras: Extras,
    /// The span limits every recorded span applies.
    pub(crate) limits: Limits,
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
            let mut p = p.borrow_mut();
            // Nothing pending is the common case: no copy of an empty context.
            if p.is_none() { None } else { p.take() }
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
    /// The span's data; `also` visits its fields in the same pass.
    #[allow(clippy::unnecessary_box_returns)] // a thread's spare: see `Live::boxed`
    fn new_data(
        &self,
        attrs: &span::Attributes<'_>,
        start: u64,
        also: Option<&mut dyn tracing::field::Visit>,
    ) -> Box<Live> {
        let meta = attrs.metadata();
        let mut data = Live::boxed(meta.name(), start, self.limits);
        // One test per span: when every field fits and values have no length
        // limit, the fields are recorded without a test per field.
        let unlimited = self.limits.unlimited_length()
            && meta.fields().len() <= self.limits.attributes as usize;
        match (also, unlimited) {
            (Some(also), true) => {
                attrs.record(&mut Both(NewSpanVisitor::<false>(&mut data), also));
            }
            (Some(also), false) => {
                attrs.record(&mut Both(NewSpanVisitor::<true>(&mut data), also));
            }
            (None, true) => attrs.record(&mut NewSpanVisitor::<false>(&mut data)),
            (None, false) => attrs.record(&mut NewSpanVisitor::<true>(&mut data)),
        }
        if self.extras.code {
            if let Some(file) = meta.file() {
                data.set_str("code.file.path", file);
            }
            if let Some(line) = meta.line() {
                data.set("code.line.number", Val::I64(i64::from(line)));
            }
        }
        if self.extras.thread {
            data.set("thread.id", Val::I64(thread_id()));
            if let Some(name) = std::thread::current().name() {
                data.set_str("thread.name", name);
            }
        }
        if self.extras.timing {
            data.extra().timing = Some(Timing {
                busy_ns: 0,
                idle_ns: 0,
                last: Instant::now(),
                entered: 0,
            });
        }
        data
    }
}

/// Where the pipeline finds other spans' records while it works on one: a parent
/// when a span starts, a local root when a child ends. The registry's extensions
/// (beside console or file output) or semtrace's own span store (`crate::store`).
pub(crate) trait Records {
    /// Runs `f` on the record of span `id`, if the span is open and has one.
    fn with_record<R>(&self, id: &span::Id, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R>;
}

impl<S> Records for Context<'_, S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn with_record<R>(&self, id: &span::Id, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
        let span = self.span(id)?;
        let mut ext = span.extensions_mut();
        ext.get_mut::<SpanRecord>().map(f)
    }
}

/// What a new span takes from its local parent.
#[derive(Debug, Clone)]
pub(crate) struct ParentView {
    ids: Ids,
    sampled: bool,
    provisional: bool,
    /// The trace's local root: the parent's root, or the parent itself.
    root: span::Id,
}

impl ParentView {
    pub(crate) fn of(parent_id: &span::Id, record: &SpanRecord) -> Self {
        Self {
            ids: record.ids,
            sampled: record.sampled,
            provisional: record.provisional,
            root: record.root.clone().unwrap_or_else(|| parent_id.clone()),
        }
    }
}

impl Records for SpanStore<PipelineLayer> {
    fn with_record<R>(&self, id: &span::Id, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
        SpanStore::with_record(self, id, f)
    }
}

/// The pipeline in semtrace's own span store: its records inline in the store's
/// slots.
impl Hooks for PipelineLayer {
    type Record = SpanRecord;
    type Parent = ParentView;
    type Link = SpanContext;

    fn parent(id: &span::Id, record: &SpanRecord) -> ParentView {
        ParentView::of(id, record)
    }

    fn open(&self, attrs: &span::Attributes<'_>, parent: Option<ParentView>) -> SpanRecord {
        PipelineLayer::open(self, attrs, parent)
    }

    fn record(record: &mut SpanRecord, values: &span::Record<'_>) {
        PipelineLayer::record(record, values);
    }

    fn link(record: &SpanRecord) -> SpanContext {
        record.span_context()
    }

    fn follows(record: &mut SpanRecord, context: SpanContext) {
        PipelineLayer::follows(record, context);
    }

    fn event(record: &mut SpanRecord, event: &tracing::Event<'_>) {
        PipelineLayer::event(record, event);
    }

    fn ids(record: &SpanRecord) -> Option<crate::store::SpanIds> {
        Some(record.ids())
    }

    fn times_entries(&self) -> bool {
        self.extras.timing
    }

    fn entered(record: &mut SpanRecord) {
        PipelineLayer::entered(record);
    }

    fn exited(record: &mut SpanRecord) {
        PipelineLayer::exited(record);
    }

    fn close(
        &self,
        record: SpanRecord,
        name: &'static str,
        offered_end: crate::clock::End,
        store: &SpanStore<Self>,
    ) {
        PipelineLayer::close(self, record, name, offered_end, store);
    }
}

impl<S> Layer<S> for PipelineLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span.parent().and_then(|p| {
            let ext = p.extensions();
            ext.get::<SpanRecord>().map(|r| ParentView::of(&p.id(), r))
        });
        let record = self.open(attrs, parent);
        span.extensions_mut().insert(record);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        ctx.with_record(id, |record| Self::record(record, values));
    }

    fn on_follows_from(&self, id: &span::Id, follows: &span::Id, ctx: Context<'_, S>) {
        if let Some(context) = ctx.with_record(follows, |r| r.span_context()) {
            ctx.with_record(id, |record| Self::follows(record, context));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.event_span(event)
            && let Some(record) = span.extensions_mut().get_mut::<SpanRecord>()
        {
            Self::event(record, event);
        }
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        if self.extras.timing {
            ctx.with_record(id, Self::entered);
        }
    }

    fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
        if self.extras.timing {
            ctx.with_record(id, Self::exited);
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        // Taken first, whatever happens next: an offer never outlives this close.
        let offered_end = crate::clock::take_end(id.into_u64());
        let Some(span) = ctx.span(&id) else { return };
        let Some(record) = span.extensions_mut().remove::<SpanRecord>() else {
            return;
        };
        let name = span.metadata().name();
        drop(span);
        self.close(record, name, offered_end, &ctx);
    }
}

impl PipelineLayer {
    /// A new span's record: its ids (from a remote parent waiting on this thread,
    /// its local parent, or new ones), the sampler's decision, and its fields when
    /// it is recorded.
    pub(crate) fn open(
        &self,
        attrs: &span::Attributes<'_>,
        parent: Option<ParentView>,
    ) -> SpanRecord {
        self.open_with(attrs, parent, None)
    }

    /// [`open`](Self::open); `also` visits the span's fields too, in the same pass
    /// when the span records them (console and file lines keep them).
    pub(crate) fn open_with(
        &self,
        attrs: &span::Attributes<'_>,
        parent: Option<ParentView>,
        also: Option<&mut dyn tracing::field::Visit>,
    ) -> SpanRecord {
        let mut remote = None;
        let (trace, parent, parent_remote, decided, root, parent_provisional) =
            if let Some(cx) = take_pending() {
                let out = (
                    cx.ids.trace,
                    cx.ids.span,
                    true,
                    Parent::Remote {
                        sampled: cx.sampled,
                    },
                    None,
                    false,
                );
                remote = Some(Box::new(cx.state));
                out
            } else if let Some(p) = parent {
                (
                    p.ids.trace,
                    p.ids.span,
                    false,
                    Parent::Local { sampled: p.sampled },
                    Some(p.root),
                    p.provisional,
                )
            } else {
                (super::ids::trace_id(), 0, false, Parent::None, None, false)
            };
        let sampler = &self.sampler;
        let (mut decision, started_ns) = sampler.with_policy(|policy| {
            let decision = match decided {
                Parent::Local { sampled } => {
                    sampler.decide_child(policy, sampled, parent_provisional)
                }
                _ => sampler.decide_root(
                    policy,
                    trace,
                    decided,
                    &RootInfo {
                        name: attrs.metadata().name(),
                        attrs: Some(attrs),
                        baggage: remote.as_deref().map(|r| &r.baggage),
                    },
                ),
            };
            let started = if root.is_none() && policy.adaptive.is_some() {
                sampler.clock.nanos()
            } else {
                0
            };
            (decision, started)
        });
        if decision == Decision::Provisional && !self.export {
            sampler.release_tail(1);
            decision = Decision::Dropped;
        }
        let keep = decision == Decision::Sampled;
        let provisional = decision == Decision::Provisional;
        let mut also = also;
        let mut data = ((keep || provisional) && self.export)
            .then(|| self.new_data(attrs, crate::clock::span_start(), also.take()));
        if let Some(also) = also {
            attrs.record(also);
        }
        if let (Some(data), Some(remote)) = (&mut data, &remote)
            && !remote.trace_state.header().is_empty()
        {
            data.extra().trace_state = Some(remote.trace_state.clone());
        }
        let recorded = data.is_some();
        self.queue.with_local(|local| {
            LocalCounters::add(&local.counters.started, 1);
            if !recorded {
                let counter = if decision == Decision::TailFull {
                    &local.counters.tail_buffer_full
                } else {
                    &local.counters.sampled_out
                };
                LocalCounters::add(counter, 1);
            }
        });
        SpanRecord {
            ids: Ids {
                trace,
                span: super::ids::span_id(),
            },
            parent,
            parent_remote,
            sampled: keep,
            provisional,
            started_ns,
            root,
            data,
            remote,
        }
    }

    /// Fields recorded after the start (`record!`, `Span::record`).
    pub(crate) fn record(record: &mut SpanRecord, values: &span::Record<'_>) {
        if let Some(data) = record.data.as_mut() {
            values.record(&mut SpanVisitor(data));
        }
    }

    /// A link (`follows_from`) to the span with `context`.
    pub(crate) fn follows(record: &mut SpanRecord, context: SpanContext) {
        if let Some(data) = record.data.as_mut() {
            data.push_link(Link::with_context(context));
        }
    }

    /// A log event inside a recorded span becomes one of its events, within the
    /// span limits: beyond the event count limit it is counted and not read (an
    /// error still sets the span's status, which is no attribute).
    pub(crate) fn event(record: &mut SpanRecord, event: &tracing::Event<'_>) {
        let Some(data) = record.data.as_mut() else {
            return;
        };
        let error = *event.metadata().level() == tracing::Level::ERROR;
        let room = data.has_event_room();
        let sets_status = error && data.code == Code::Unset;
        if !room && !sets_status {
            return data.drop_event();
        }
        let limits = data.limits;
        // An error's `exception.message` comes first and takes one place.
        let keep = if !room {
            0 // read for its message only
        } else if error {
            limits.event_attributes.saturating_sub(1)
        } else {
            limits.event_attributes
        };
        let mut visitor = EventVisitor::new(keep, limits);
        event.record(&mut visitor);
        let message = visitor.message.take().unwrap_or_default();
        if sets_status {
            // Errors follow the exception conventions, and fail the span unless it
            // already has a status.
            data.code = Code::Error;
            let text: Text = data.text_of(&message);
            data.description = Some(text);
        }
        if !room {
            return data.drop_event();
        }
        let event = if error {
            if limits.event_attributes == 0 {
                visitor.dropped = visitor.dropped.saturating_add(1);
            } else {
                let message = visitor.limited(&message);
                visitor
                    .attributes
                    .insert(0, KeyValue::new("exception.message", message));
            }
            Event::new(
                "exception",
                crate::clock::now(),
                visitor.attributes,
                visitor.dropped,
            )
        } else {
            let name = if message.is_empty() {
                event.metadata().name().into()
            } else {
                std::borrow::Cow::Owned(message)
            };
            Event::new(
                name,
                crate::clock::now(),
                visitor.attributes,
                visitor.dropped,
            )
        };
        if visitor.dropped != 0 || visitor.truncated != 0 {
            let dropped = &mut data.extra().dropped;
            dropped.event_attributes.add(visitor.dropped);
            dropped.truncated.add(visitor.truncated);
        }
        data.push_event(event);
    }

    /// Busy/idle timing (opt-in): the span is entered.
    pub(crate) fn entered(record: &mut SpanRecord) {
        if let Some(t) = timing(Some(record)) {
            let now = Instant::now();
            if t.entered == 0 {
                t.idle_ns += nanos(now - t.last);
                t.last = now;
            }
            t.entered += 1;
        }
    }

    /// Busy/idle timing (opt-in): the span is exited.
    pub(crate) fn exited(record: &mut SpanRecord) {
        if let Some(t) = timing(Some(record)) {
            t.entered = t.entered.saturating_sub(1);
            if t.entered == 0 {
                let now = Instant::now();
                t.busy_ns += nanos(now - t.last);
                t.last = now;
            }
        }
    }

    /// The span ended: a local root hands its trace to the queue, a child joins
    /// its root's trace (found through `records`).
    pub(crate) fn close(
        &self,
        record: SpanRecord,
        name: &'static str,
        offered_end: crate::clock::End,
        records: &impl Records,
    ) {
        let queue = &self.queue;
        if record.root.is_none() && record.started_ns != 0 {
            self.record_latency(name, record.started_ns);
        }
        let Some(mut live) = record.data else { return };
        // Never before the start: see `clock` on re-anchoring.
        let end = offered_end.nanos().max(live.start);
        let mut children = None;
        let (mut held, mut shed) = (0, false);
        if let Some(extra) = live.extra.as_deref_mut() {
            if let Some(t) = extra.timing.take() {
                let idle = t.idle_ns
                    + if t.entered == 0 {
                        nanos(t.last.elapsed())
                    } else {
                        0
                    };
                let busy = t.busy_ns;
                live.set("busy_ns", Val::I64(i64::try_from(busy).unwrap_or(i64::MAX)));
                live.set("idle_ns", Val::I64(i64::try_from(idle).unwrap_or(i64::MAX)));
            }
            if let Some(extra) = live.extra.as_deref_mut() {
                children = extra.children.take();
                held = std::mem::take(&mut extra.held);
                shed = extra.shed;
                if extra.dropped.any() {
                    let dropped = extra.dropped;
                    queue.with_local(|local| local.counters.count_limited(&dropped));
                }
            }
        }
        let ended = Ended {
            ids: record.ids,
            parent: record.parent,
            parent_remote: record.parent_remote,
            end,
            live,
        };
        let Some(root_id) = record.root else {
            // A local root: its trace goes to the queue whole.
            if shed {
                queue.with_local(|local| queue.shed_open(local, 0, 1));
                ended.discard();
                return;
            }
            if record.provisional {
                let n = 1 + children.as_ref().map_or(0, Batch::len);
                self.sampler.release_tail(n);
                let keep = record.sampled
                    || self.sampler.with_policy(|p| {
                        p.tail
                            .as_ref()
                            .is_some_and(|tail| tail_keeps(tail, &ended, children.as_ref()))
                    });
                if !keep {
                    queue.with_local(|local| {
                        LocalCounters::add(&local.counters.sampled_out, n as u64);
                    });
                    ended.discard();
                    return;
                }
            }
            match children {
                Some(mut trace) => {
                    trace.push(ended);
                    queue.with_local(|local| queue.submit(local, trace, held));
                }
                None => {
                    queue.with_local(|local| queue.submit_one(local, ended));
                }
            }
            return;
        };
        self.join_root(records, &root_id, ended, record.provisional);
    }

    /// A child span ended: it joins its local root's trace, which hands over a part
    /// when it grows past a batch.
    fn join_root(
        &self,
        records: &impl Records,
        root_id: &span::Id,
        ended: Ended,
        provisional: bool,
    ) {
        let queue = &self.queue;
        let mut ended = Some(ended);
        // Decided under the root's lock; the queue is told after it is released.
        let joined = records.with_record(root_id, |root| {
            let root_data = root.data.as_mut()?;
            let mut ended = ended.take()?;
            if let Some(state) = root_data.extra.as_ref().and_then(|e| e.trace_state.clone()) {
                ended.live.extra().trace_state = Some(state);
            }
            let extra = root_data.extra();
            if extra.shed {
                ended.discard();
                return Some(Joined::Shed { held: 0, more: 1 });
            }
            // A trace held for its decision (tail sampling) is bounded by the tail
            // buffer; a sampled one takes room in the queue for each span it holds.
            if !provisional && !queue.with_local(|local| queue.hold(local)) {
                // No room: shed the whole trace now, its held spans and this one.
                let held = std::mem::take(&mut extra.held);
                let waiting = extra.children.take().map_or(0, |c| c.len());
                extra.shed = true;
                ended.discard();
                return Some(Joined::Shed {
                    held,
                    more: waiting.saturating_sub(held) + 1,
                });
            }
            if !provisional {
                extra.held += 1;
            }
            let trace = extra
                .children
                .get_or_insert_with(|| Batch::with_capacity(4));
            trace.push(ended);
            // A held trace is decided whole when its root ends.
            if !provisional && trace.len() >= queue.batch_size() {
                let part = std::mem::take(trace);
                let held = std::mem::take(&mut extra.held);
                return Some(Joined::Part { part, held });
            }
            Some(Joined::Waiting)
        });
        match joined.flatten() {
            Some(Joined::Waiting) => {}
            Some(Joined::Shed { held, more }) => {
                queue.with_local(|local| queue.shed_open(local, held, more));
            }
            Some(Joined::Part { part, held }) => {
                queue.with_local(|local| queue.submit(local, part, held));
            }
            // Its root already ended, or records nothing.
            None if provisional => {
                // Its root already decided (or was never held): nothing to keep it for.
                self.sampler.release_tail(1);
                queue.with_local(|local| LocalCounters::add(&local.counters.sampled_out, 1));
            }
            None => {
                if let Some(ended) = ended {
                    queue.with_local(|local| queue.submit_one(local, ended));
                }
            }
        }
    }
}

/// What a child that ended did to its local root's trace.
enum Joined {
    /// It waits in the root.
    Waiting,
    /// The trace is shed: `held` spans give their room back, `held + more` count.
    Shed { held: usize, more: usize },
    /// The trace grew past a batch: this part goes to the queue now.
    Part { part: Batch, held: usize },
}
impl PipelineLayer {
    /// Feeds a local root's duration to latency-triggered sampling.
    fn record_latency(&self, name: &'static str, started_ns: u64) {
        let sampler = &self.sampler;
        sampler.with_policy(|policy| {
            if let Some(adaptive) = &policy.adaptive {
                let now = sampler.clock.nanos();
                sampler
                    .adaptive
                    .record(name, now.saturating_sub(started_ns), now, adaptive);
            }
        });
    }
}

/// Whether a held trace is kept: an error anywhere in its local part, or a root
/// slower than the bound.
fn tail_keeps(tail: &TailSettings, root: &Ended, children: Option<&Batch>) -> bool {
    if tail.keep_errors
        && (root.live.code == Code::Error
            || children.is_some_and(|c| c.spans.iter().any(|s| s.code == Code::Error)))
    {
        return true;
    }
    tail.keep_slower_than.is_some_and(|bound| {
        u128::from(root.end.saturating_sub(root.live.start)) >= bound.as_nanos()
    })
}

fn timing(record: Option<&mut SpanRecord>) -> Option<&mut Timing> {
    record?.data.as_mut()?.extra.as_deref_mut()?.timing.as_mut()
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl SpanRecord {
    /// The ids a log record of an event inside the span carries.
    #[inline]
    pub(crate) fn ids(&self) -> crate::store::SpanIds {
        crate::store::SpanIds {
            trace: self.ids.trace,
            span: self.ids.span,
            sampled: self.sampled,
        }
    }

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

/// Two visitors fed by one pass over a span's fields (the pipeline's, and the one
/// console and file lines keep).
pub(crate) struct Both<'b, A, B: ?Sized>(pub(crate) A, pub(crate) &'b mut B);

macro_rules! both {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method(&mut self, field: &tracing::field::Field, value: $ty) {
            self.0.$method(field, value);
            self.1.$method(field, value);
        }
    )*};
}

impl<A, B> tracing::field::Visit for Both<'_, A, B>
where
    A: tracing::field::Visit,
    B: tracing::field::Visit + ?Sized,
{
    both! {
        record_i64(i64);
        record_u64(u64);
        record_f64(f64);
        record_bool(bool);
        record_i128(i128);
        record_u128(u128);
        record_str(&str);
        record_error(&(dyn std::error::Error + 'static));
        record_debug(&dyn std::fmt::Debug);
    }
}
