//! semtrace's own span store: the subscriber under [`crate::outer::OuterLayer`].
//!
//! tracing-subscriber's registry keeps, per span, a slot with a map of extensions:
//! the pipeline's record went into it boxed, behind a type-keyed hash map, and came
//! out again at the close (an allocation, a hash insert and a remove per span), and
//! every hook looked the span up once more. Here the record lives inline in the
//! span's slot, and each hook does one lookup.
//!
//! It keeps the registry's semantics where a program can see them: span ids are
//! slab keys plus one (a stale id finds nothing: generations differ); a span holds
//! a reference to its parent, so a parent ends after its children; a thread's
//! current span is the innermost span it entered, not counting re-entries. Unlike
//! the registry, entering a span takes no reference of its own: `tracing`'s API
//! keeps a span's handle alive while it is entered (`Entered` borrows it,
//! `EnteredSpan` owns it), so that reference only cost two more lookups per span.
//! (A program that forgets an `Entered` guard and then drops the span leaves a
//! stale entry on its thread: later spans there start new traces, where the
//! registry would keep the span open forever as their parent.)
//! Console and file output run here too (`crate::outputs::store`), in every format;
//! the registry stays for the user's layers (`with_layer`), which need its
//! extensions.
//!
//! The store knows nothing of the pipeline: what it keeps per span and what runs at
//! each hook come from its [`Hooks`] (the pipeline's layer implements them), so
//! arrows point from the pipeline down to the store, never back. Events also go to
//! an [`EventSink`] when one is set (the log pipeline), with the ids of the nearest
//! span whose record has them.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Mutex, OnceLock, PoisonError};

use sharded_slab::{Clear, Pool};
use tracing::dispatcher::WeakDispatch;
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_core::span::Current;

/// The ids of the span an event belongs to, for its log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanIds {
    pub(crate) trace: u128,
    pub(crate) span: u64,
    /// The trace is sampled (its spans are exported).
    pub(crate) sampled: bool,
}

/// Where events go besides the span's record: the log pipeline.
pub(crate) trait EventSink: Send + Sync + 'static {
    /// Whether its filter wants the event.
    fn wants(&self, meta: &Metadata<'_>) -> bool;
    /// Takes one event, with the ids of its span (none outside every span).
    fn event(&self, event: &Event<'_>, span: Option<SpanIds>);
}

/// What the store runs at each of a span's hooks, and what it keeps per span: the
/// span pipeline's layer.
pub(crate) trait Hooks: Sized + Send + Sync + 'static {
    /// Kept inline in each open span's slot.
    type Record: Send + 'static;
    /// What a new span takes from its parent's record.
    type Parent;
    /// What a span takes from a span it follows (`follows_from`).
    type Link;

    /// What a new span takes from its parent `id`, read under the parent's lock.
    fn parent(id: &span::Id, record: &Self::Record) -> Self::Parent;
    /// A new span's record.
    fn open(&self, attrs: &span::Attributes<'_>, parent: Option<Self::Parent>) -> Self::Record;
    /// Fields recorded after the start.
    fn record(record: &mut Self::Record, values: &span::Record<'_>);
    /// What a span that follows `record`'s span takes from it.
    fn link(record: &Self::Record) -> Self::Link;
    /// The span follows another one.
    fn follows(record: &mut Self::Record, link: Self::Link);
    /// An event inside the span.
    fn event(record: &mut Self::Record, event: &Event<'_>);
    /// Any event, inside the span `span` or outside every span; by default the
    /// span's record takes it ([`event`](Self::event)). Hooks that write events
    /// out read the span's scope through `store`.
    fn on_event(&self, event: &Event<'_>, span: Option<&span::Id>, store: &SpanStore<Self>) {
        if let Some(span) = span {
            store.with_record(span, |record| Self::event(record, event));
        }
    }
    /// The ids a span's record has, for the log records of its events.
    fn ids(record: &Self::Record) -> Option<SpanIds>;
    /// Whether [`entered`](Self::entered) and [`exited`](Self::exited) run.
    fn times_entries(&self) -> bool;
    /// The span is entered.
    fn entered(record: &mut Self::Record);
    /// The span is exited.
    fn exited(record: &mut Self::Record);
    /// The span ended; `store` finds the records of the other spans still open.
    fn close(
        &self,
        record: Self::Record,
        name: &'static str,
        offered_end: crate::clock::End,
        store: &SpanStore<Self>,
    );
}

/// One open span (a pool's slot: reused in place, its parts reset on close).
struct Slot<R> {
    meta: Option<&'static Metadata<'static>>,
    /// Held open (one reference) while this span lives.
    parent: Option<span::Id>,
    /// Handles, clones, and open children.
    refs: AtomicUsize,
    /// Taken when the span closes.
    record: Mutex<Option<R>>,
}

// Not derived: a derive would ask `R: Default`.
impl<R> Default for Slot<R> {
    fn default() -> Self {
        Self {
            meta: None,
            parent: None,
            refs: AtomicUsize::new(0),
            record: Mutex::new(None),
        }
    }
}

/// The subscriber: open spans in a slab, each with its `L::Record` inline.
pub(crate) struct SpanStore<L: Hooks> {
    slots: Pool<Slot<L::Record>>,
    hooks: L,
    /// Tells this store's entries apart on a thread's stack, which all stores of a
    /// thread share (tests run several subscribers on one thread, one inside
    /// another).
    store: u64,
    /// The dispatcher this store is installed in (weak: it owns the store).
    dispatch: OnceLock<WeakDispatch>,
    /// Where events go besides the hooks, if anywhere.
    events: Option<std::sync::Arc<dyn EventSink>>,
}

impl<L: Hooks + std::fmt::Debug> std::fmt::Debug for SpanStore<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpanStore")
            .field("hooks", &self.hooks)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// An entered span on a thread's stack.
#[derive(Clone, Copy)]
struct Entered {
    store: u64,
    id: u64,
    /// Already entered below: not the current span again (as in the registry).
    duplicate: bool,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: RefCell<Vec<Entered>> = const { RefCell::new(Vec::new()) };
}

fn key(id: &span::Id) -> usize {
    usize::try_from(id.into_u64() - 1).unwrap_or(usize::MAX)
}

/// Numbers the stores, whatever their hooks (a thread's stack tells them apart).
static NEXT_STORE: AtomicU64 = AtomicU64::new(1);

impl<L: Hooks> SpanStore<L> {
    pub(crate) fn new(hooks: L) -> Self {
        Self {
            slots: Pool::new(),
            hooks,
            store: NEXT_STORE.fetch_add(1, Ordering::Relaxed),
            dispatch: OnceLock::new(),
            events: None,
        }
    }

    /// Sends events to `sink` too.
    pub(crate) fn with_events(mut self, sink: Option<std::sync::Arc<dyn EventSink>>) -> Self {
        self.events = sink;
        self
    }

    pub(crate) fn hooks(&self) -> &L {
        &self.hooks
    }

    /// Runs `f` on the record of span `id`, if the span is open and has one.
    pub(crate) fn with_record<R>(
        &self,
        id: &span::Id,
        f: impl FnOnce(&mut L::Record) -> R,
    ) -> Option<R> {
        let slot = self.slots.get(key(id))?;
        let mut record = slot.record.lock().unwrap_or_else(PoisonError::into_inner);
        record.as_mut().map(f)
    }

    /// Runs `f` on span `id` and on each of its ancestors, the root first: its id,
    /// its callsite and its record. One record is locked at a time.
    #[cfg(any(feature = "console", feature = "file"))]
    pub(crate) fn scope_from_root(
        &self,
        id: &span::Id,
        f: &mut impl FnMut(&span::Id, &'static Metadata<'static>, &L::Record),
    ) {
        let Some(slot) = self.slots.get(key(id)) else {
            return;
        };
        if let Some(parent) = &slot.parent {
            self.scope_from_root(parent, f);
        }
        let record = slot.record.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(meta), Some(record)) = (slot.meta, record.as_ref()) {
            f(id, meta, record);
        }
    }

    /// Runs `f` on the record of span `id`, then of its ancestors, until `f`
    /// returns `Some`.
    pub(crate) fn find_up<R>(
        &self,
        id: &span::Id,
        mut f: impl FnMut(&mut L::Record) -> Option<R>,
    ) -> Option<R> {
        let mut slot = self.slots.get(key(id))?;
        loop {
            let found = {
                let mut record = slot.record.lock().unwrap_or_else(PoisonError::into_inner);
                record.as_mut().and_then(&mut f)
            };
            if found.is_some() {
                return found;
            }
            let parent = slot.parent.clone()?;
            slot = self.slots.get(key(&parent))?;
        }
    }

    /// The innermost span this thread entered, of this store.
    #[cfg(any(feature = "console", feature = "file"))]
    pub(crate) fn current(&self) -> Option<span::Id> {
        self.current_id()
    }

    /// The innermost span this thread entered, of this store.
    fn current_id(&self) -> Option<span::Id> {
        STACK
            .try_with(|stack| {
                stack
                    .borrow()
                    .iter()
                    .rev()
                    .find(|e| e.store == self.store && !e.duplicate)
                    .map(|e| span::Id::from_u64(e.id))
            })
            .ok()
            .flatten()
    }

    /// The span a new span or an event belongs to: none, the current one, or the
    /// one it names.
    fn parent_of(
        &self,
        root: bool,
        contextual: bool,
        explicit: Option<&span::Id>,
    ) -> Option<span::Id> {
        if root {
            None
        } else if contextual {
            self.current_id()
        } else {
            explicit.cloned()
        }
    }

    /// Ends one reference (a child's on its parent) through the dispatcher this
    /// store is installed in, so the layers above it see the close, whichever
    /// dispatcher is the current one and however deep the chain of parents that
    /// end with it; directly when there is none (a store used on its own).
    fn release(&self, id: &span::Id) {
        match self.dispatch.get().and_then(WeakDispatch::upgrade) {
            Some(dispatch) => {
                dispatch.try_close(id.clone());
            }
            None => {
                self.try_close(id.clone());
            }
        }
    }
}

impl<R> Clear for Slot<R> {
    fn clear(&mut self) {
        self.meta = None;
        self.parent = None;
        *self
            .record
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl<L: Hooks> Subscriber for SpanStore<L> {
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &span::Attributes<'_>) -> span::Id {
        let parent = self.parent_of(attrs.is_root(), attrs.is_contextual(), attrs.parent());
        // The parent stays open while this span lives; one that already ended
        // (a stale id) is no parent.
        let mut view = None;
        let parent = parent.filter(|p| {
            let Some(slot) = self.slots.get(key(p)) else {
                return false;
            };
            slot.refs.fetch_add(1, Ordering::Relaxed);
            let record = slot.record.lock().unwrap_or_else(PoisonError::into_inner);
            view = record.as_ref().map(|r| L::parent(p, r));
            true
        });
        let record = self.hooks.open(attrs, view);
        let Some(key) = self.slots.create_with(|slot| {
            slot.meta = Some(attrs.metadata());
            slot.parent = parent;
            *slot.refs.get_mut() = 1;
            *slot
                .record
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner) = Some(record);
        }) else {
            // The slab's bound (threads × pages) is far beyond any real program;
            // tracing-subscriber's registry panics the same way.
            panic!("semtrace: no room for another open span");
        };
        span::Id::from_u64(key as u64 + 1)
    }

    fn record(&self, id: &span::Id, values: &span::Record<'_>) {
        self.with_record(id, |record| L::record(record, values));
    }

    fn record_follows_from(&self, id: &span::Id, follows: &span::Id) {
        if let Some(link) = self.with_record(follows, |r| L::link(r)) {
            self.with_record(id, |record| L::follows(record, link));
        }
    }

    fn event(&self, event: &Event<'_>) {
        let span = self.parent_of(event.is_root(), event.is_contextual(), event.parent());
        if let Some(sink) = &self.events
            && sink.wants(event.metadata())
        {
            let ids = span
                .as_ref()
                .and_then(|id| self.find_up(id, |record| L::ids(record)));
            sink.event(event, ids);
        }
        self.hooks.on_event(event, span.as_ref(), self);
    }

    fn enter(&self, id: &span::Id) {
        let raw = id.into_u64();
        let _ = STACK.try_with(|stack| {
            let mut stack = stack.borrow_mut();
            let duplicate = stack.iter().any(|e| e.store == self.store && e.id == raw);
            stack.push(Entered {
                store: self.store,
                id: raw,
                duplicate,
            });
        });
        if self.hooks.times_entries() {
            self.with_record(id, L::entered);
        }
    }

    fn exit(&self, id: &span::Id) {
        if self.hooks.times_entries() {
            self.with_record(id, L::exited);
        }
        let raw = id.into_u64();
        let _ = STACK.try_with(|stack| {
            let mut stack = stack.borrow_mut();
            // Spans end in the order they were entered, nearly always.
            if stack
                .last()
                .is_some_and(|e| e.store == self.store && e.id == raw)
            {
                stack.pop();
            } else if let Some(at) = stack
                .iter()
                .rposition(|e| e.store == self.store && e.id == raw)
            {
                stack.remove(at);
            }
        });
    }

    fn current_span(&self) -> Current {
        self.current_id()
            .and_then(|id| {
                let meta = self.slots.get(key(&id))?.meta?;
                Some(Current::new(id, meta))
            })
            .unwrap_or_else(Current::none)
    }

    fn clone_span(&self, id: &span::Id) -> span::Id {
        if let Some(slot) = self.slots.get(key(id)) {
            slot.refs.fetch_add(1, Ordering::Relaxed);
        }
        id.clone()
    }

    fn try_close(&self, id: span::Id) -> bool {
        let key = key(&id);
        let Some(slot) = self.slots.get(key) else {
            return false;
        };
        if slot.refs.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        // The end a metric's timer offered for this span, when it closes now.
        let offered_end = crate::clock::take_end(id.into_u64());
        // Every other reference's writes happened before this close.
        fence(Ordering::Acquire);
        let record = slot
            .record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let (meta, parent) = (slot.meta, slot.parent.clone());
        drop(slot);
        if let Some(record) = record {
            let name = meta.map_or("", |m| m.name());
            self.hooks.close(record, name, offered_end, self);
        }
        self.slots.clear(key);
        if let Some(parent) = parent {
            self.release(&parent);
        }
        true
    }
}
