//! From ended traces to export batches, without a lock shared between application
//! threads and with memory bounded in spans.
//!
//! - Each application thread appends ended traces to its own buffer (a mutex only
//!   the exporter ever contends, when it collects stragglers) and hands a full batch
//!   to the shared queue: one hand-off per `batch_size` spans, not per span.
//! - Admission is decided per trace, against `capacity` (the `max_queue_size`, in
//!   spans): a thread reserves room in chunks, so most traces cost no shared atomic.
//!   When there is no room the whole trace is shed and counted, never a part of it.
//! - Spans that ended while their local root is still open are held by the root and
//!   take their room when they end ([`Queue::hold`]): queued plus held spans stay
//!   within `capacity`. A trace that finds no room for a held span is shed whole.
//! - Shed traces are reported on stderr at most once per [`WARN_INTERVAL`], never
//!   through `tracing` (which would feed the pipeline that is overloaded).
//!
//! The queue is generic over what it batches ([`Batched`]): spans here, log records
//! in `crate::logs` (a log record is a "trace" of one item that is never held).
//! Each use is its own monomorphized copy, so the span path pays nothing for it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::LocalKey;
use std::time::{Duration, Instant};

use super::record::{Batch, Ended};
use super::stats::{LocalCounters, SharedCounters, SpanStats, Totals};

/// How often at most a warning about shed traces is printed.
pub(crate) const WARN_INTERVAL: Duration = Duration::from_secs(10);
/// Room a thread reserves at once.
const CREDIT_CHUNK: usize = 64;
/// Exported batches kept, emptied, for threads' next batches.
const SPARE_BATCHES: usize = 4;
/// A batch whose text grew past this many bytes per span is not kept: one batch of
/// long strings must not pin its memory for the process's life.
const SPARE_TEXT_PER_SPAN: usize = 256;
/// The same for attributes.
const SPARE_ATTRS_PER_SPAN: usize = 32;

/// What a queue batches: a columnar batch of items (spans, log records).
pub(crate) trait Batched: Default + Send + Sync + std::fmt::Debug + Sized + 'static {
    /// What an item is called in warnings ("span").
    const NOUN: &'static str;
    /// Items in the batch.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// An empty batch with room for `items`.
    fn with_capacity(items: usize) -> Self;
    /// Whether the batch has no memory yet (a thread's first, or taken, batch).
    fn unallocated(&self) -> bool;
    /// Empties the batch, keeping its capacity.
    fn clear(&mut self);
    /// Moves every item of `other` in.
    fn append(&mut self, other: Self);
    /// Whether a batch of `items` items grew too large to keep as a spare.
    fn too_large_to_keep(&self, items: usize) -> bool;
    /// Each thread's buffers of the live queues of this kind (a `thread_local!`
    /// cannot be generic).
    fn locals() -> &'static LocalKey<Locals<Self>>;
}

/// A thread's buffers for each live queue of one kind (usually one).
pub(crate) type Locals<B> = RefCell<Vec<(u64, Arc<ThreadBuffer<B>>)>>;

impl Batched for Batch {
    const NOUN: &'static str = "span";

    #[inline]
    fn len(&self) -> usize {
        Batch::len(self)
    }

    fn with_capacity(items: usize) -> Self {
        Batch::with_capacity(items)
    }

    #[inline]
    fn unallocated(&self) -> bool {
        self.spans.capacity() == 0
    }

    fn clear(&mut self) {
        Batch::clear(self);
    }

    fn append(&mut self, other: Self) {
        Batch::append(self, other);
    }

    fn too_large_to_keep(&self, spans: usize) -> bool {
        self.text.capacity() > spans.saturating_mul(SPARE_TEXT_PER_SPAN)
            || self.attrs.capacity() > spans.saturating_mul(SPARE_ATTRS_PER_SPAN)
    }

    #[inline]
    fn locals() -> &'static LocalKey<Locals<Self>> {
        &LOCAL
    }
}

/// A batch on its way to the exporter.
#[derive(Debug)]
pub(crate) struct Pending<B = Batch> {
    pub(crate) batch: B,
    /// When this batch first failed to export, if it did.
    pub(crate) failing_since: Option<Instant>,
}

/// One application thread's buffer and counters.
#[derive(Debug, Default)]
pub(crate) struct ThreadBuffer<B = Batch> {
    inner: Mutex<Local<B>>,
    pub(crate) counters: LocalCounters,
}

#[derive(Debug, Default)]
struct Local<B> {
    spans: B,
    /// Room reserved in the queue and not used yet.
    credit: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves consistent data behind (pushes
    // and takes only), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The shared part: full batches, the reservation counter and the statistics.
#[derive(Debug)]
pub(crate) struct Queue<B = Batch> {
    id: u64,
    capacity: usize,
    batch_size: usize,
    /// Spans admitted and not resolved yet, plus room reserved by threads.
    reserved: AtomicUsize,
    batches: Mutex<VecDeque<Pending<B>>>,
    /// Emptied batches with their capacity, so a thread's next batch costs no
    /// allocation (and no page faults on fresh memory): allocating one per hand-off
    /// was a tenth of a span's cost on the application thread.
    spare: Mutex<Vec<B>>,
    threads: Mutex<Vec<Arc<ThreadBuffer<B>>>>,
    /// Counts of threads that ended.
    retired: Mutex<Totals>,
    pub(crate) shared: SharedCounters,
    closed: AtomicBool,
    /// Wakes the exporter when a batch is ready.
    pub(crate) ready: tokio::sync::Notify,
    warned: Mutex<Warned>,
    /// Signalled when every admitted span is resolved (for flushes).
    settled: (Mutex<()>, std::sync::Condvar),
}

#[derive(Debug, Default)]
struct Warned {
    at: Option<Instant>,
    shed: u64,
}

thread_local! {
    /// This thread's buffer for each live span queue (usually one).
    static LOCAL: Locals<Batch> = const { RefCell::new(Vec::new()) };
}

impl<B: Batched> Queue<B> {
    pub(crate) fn new(capacity: usize, batch_size: usize) -> Arc<Self> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Arc::new(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            capacity: capacity.max(1),
            batch_size: batch_size.clamp(1, capacity.max(1)),
            reserved: AtomicUsize::new(0),
            batches: Mutex::new(VecDeque::new()),
            spare: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            retired: Mutex::new(Totals::default()),
            shared: SharedCounters::default(),
            closed: AtomicBool::new(false),
            ready: tokio::sync::Notify::new(),
            warned: Mutex::new(Warned::default()),
            settled: (Mutex::new(()), std::sync::Condvar::new()),
        })
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Runs `f` with this thread's buffer, creating and registering it on first use.
    #[inline]
    pub(crate) fn with_local<R>(&self, f: impl FnOnce(&ThreadBuffer<B>) -> R) -> R {
        let mut f = Some(f);
        let found = B::locals().try_with(|local| {
            let local = local.borrow();
            let buffer = local.iter().find(|(id, _)| *id == self.id)?;
            // `f` only touches the buffer, never `LOCAL`.
            f.take().map(|f| f(&buffer.1))
        });
        if let Ok(Some(out)) = found {
            return out;
        }
        let f = f.take().expect("not called yet");
        if found.is_ok() {
            return f(&self.register());
        }
        // The thread is ending: use a buffer of its own, collected by the exporter.
        let buffer = Arc::new(ThreadBuffer::default());
        lock(&self.threads).push(Arc::clone(&buffer));
        f(&buffer)
    }

    #[cold]
    fn register(&self) -> Arc<ThreadBuffer<B>> {
        let buffer = Arc::new(ThreadBuffer::default());
        lock(&self.threads).push(Arc::clone(&buffer));
        let _ = B::locals().try_with(|local| {
            let mut local = local.borrow_mut();
            // Forget buffers of queues that were shut down.
            local.retain(|(_, b)| Arc::strong_count(b) > 1);
            local.push((self.id, Arc::clone(&buffer)));
        });
        buffer
    }

    /// Reserves room for `n` spans; false when the queue is full.
    fn reserve(&self, n: usize) -> bool {
        let mut current = self.reserved.load(Ordering::Relaxed);
        loop {
            if current + n > self.capacity {
                return false;
            }
            match self.reserved.compare_exchange_weak(
                current,
                current + n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
    }

    /// Gives back room of `n` spans (exported, dropped, or unused credit).
    pub(crate) fn release(&self, n: usize) {
        if n > 0 && self.reserved.fetch_sub(n, Ordering::AcqRel) == n {
            let _lock = lock(&self.settled.0);
            self.settled.1.notify_all();
        }
    }

    /// Sends every ended trace now and waits (at most `timeout`) until each is
    /// exported or dropped. True when everything settled in time. Spans held by
    /// roots still open are not waited for.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            // Threads may have handed over more meanwhile.
            self.collect();
            self.ready.notify_one();
            // Read before the lock: `collect` takes the threads' lock, then this one.
            let held = self.held();
            let guard = lock(&self.settled.0);
            if self.reserved.load(Ordering::Acquire) <= held {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let _ = self
                .settled
                .1
                .wait_timeout(guard, left.min(Duration::from_millis(50)))
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Hands one ended trace (or a part of a long one) to the queue: admitted whole or
    /// shed whole. `held` of its spans already have room ([`hold`](Self::hold)).
    /// Returns false when it was shed.
    pub(crate) fn submit(&self, buffer: &ThreadBuffer<B>, trace: B, held: usize) -> bool {
        let n = trace.len();
        if n == 0 {
            return true;
        }
        self.admit(buffer, n, held, |out| out.append(trace))
    }

    /// One item written straight into the thread's batch by `write` (no batch of
    /// its own): admitted, or shed (`write` is then not called). Returns whether it
    /// was admitted.
    #[inline]
    pub(crate) fn submit_with(&self, buffer: &ThreadBuffer<B>, write: impl FnOnce(&mut B)) -> bool {
        self.admit(buffer, 1, 0, write)
    }

    /// Takes room for one span that ended while its local root is open (it waits in
    /// the root and joins the queue with its trace). False when there is none.
    pub(crate) fn hold(&self, buffer: &ThreadBuffer<B>) -> bool {
        let mut local = lock(&buffer.inner);
        if local.credit == 0 {
            if self.reserve(CREDIT_CHUNK) {
                local.credit = CREDIT_CHUNK;
            } else if self.reserve(1) {
                local.credit = 1;
            } else {
                return false;
            }
        }
        local.credit -= 1;
        drop(local);
        LocalCounters::add(&buffer.counters.held, 1);
        true
    }

    /// Sheds a trace that is still open: its `held` spans give their room back, and
    /// they and `more` spans that just ended are counted as dropped (queue full).
    pub(crate) fn shed_open(&self, buffer: &ThreadBuffer<B>, held: usize, more: usize) {
        self.give_back(buffer, held);
        let n = (held + more) as u64;
        LocalCounters::add(&buffer.counters.finished, n);
        LocalCounters::add(&buffer.counters.queue_full, n);
    }

    /// Gives back the room of `held` spans that will not be queued (their trace was
    /// sampled out after all); the caller counts them.
    pub(crate) fn give_back(&self, buffer: &ThreadBuffer<B>, held: usize) {
        Self::unhold(buffer, held);
        self.release(held);
    }

    fn unhold(buffer: &ThreadBuffer<B>, held: usize) {
        if held > 0 {
            LocalCounters::sub(&buffer.counters.held, held as u64);
        }
    }

    /// Spans held by open local roots, over every thread.
    pub(crate) fn held(&self) -> usize {
        // The threads' counters are read one after another: a span handed over
        // between two reads can make the sum briefly negative.
        #[allow(clippy::cast_possible_wrap)]
        let held = self.totals().held as i64;
        usize::try_from(held).unwrap_or(0)
    }

    fn admit(
        &self,
        buffer: &ThreadBuffer<B>,
        n: usize,
        held: usize,
        append: impl FnOnce(&mut B),
    ) -> bool {
        LocalCounters::add(&buffer.counters.finished, n as u64);
        Self::unhold(buffer, held);
        if self.closed.load(Ordering::Relaxed) {
            self.release(held);
            self.shared.shutdown.fetch_add(n as u64, Ordering::Relaxed);
            return false;
        }
        // Room for the spans that do not hold any yet.
        let need = n - held;
        let full = {
            let mut local = lock(&buffer.inner);
            if local.credit < need {
                let want = need.max(CREDIT_CHUNK);
                if self.reserve(want) {
                    local.credit += want;
                } else if self.reserve(need) {
                    local.credit += need;
                } else {
                    drop(local);
                    self.release(held);
                    LocalCounters::add(&buffer.counters.queue_full, n as u64);
                    return false;
                }
            }
            local.credit -= need;
            // Hand over first when this trace would not fit: batches stay within
            // `batch_size` (a trace is never split, and a root hands its trace over in
            // parts of at most a batch).
            let full = (!local.spans.is_empty() && local.spans.len() + n > self.batch_size)
                .then(|| std::mem::replace(&mut local.spans, self.empty_batch()));
            if local.spans.unallocated() {
                local.spans = self.empty_batch();
            }
            append(&mut local.spans);
            full
        };
        if let Some(batch) = full {
            self.push(Pending {
                batch,
                failing_since: None,
            });
        }
        true
    }

    /// An empty batch for a thread: a spare one, or a new one of `batch_size`.
    fn empty_batch(&self) -> B {
        lock(&self.spare)
            .pop()
            .unwrap_or_else(|| B::with_capacity(self.batch_size))
    }

    /// Keeps an exported (or dropped) batch's memory for a thread's next batch.
    pub(crate) fn recycle(&self, mut batch: B) {
        if batch.too_large_to_keep(self.batch_size) || lock(&self.spare).len() >= SPARE_BATCHES {
            return;
        }
        // Emptied outside the lock: the spans' boxed extras are freed here.
        batch.clear();
        let mut spare = lock(&self.spare);
        if spare.len() < SPARE_BATCHES {
            spare.push(batch);
        }
    }

    fn push(&self, batch: Pending<B>) {
        lock(&self.batches).push_back(batch);
        self.ready.notify_one();
    }

    /// Puts a batch that failed back at the front, to be tried again first.
    pub(crate) fn push_front(&self, batch: Pending<B>) {
        lock(&self.batches).push_front(batch);
    }

    /// The next batch.
    pub(crate) fn pop(&self) -> Option<Pending<B>> {
        lock(&self.batches).pop_front()
    }

    /// Moves every thread's buffered spans to the queue (stragglers of threads that
    /// made fewer than a batch), returns unused room, and folds ended threads' counts.
    pub(crate) fn collect(&self) {
        let mut threads = lock(&self.threads);
        let mut retired = Totals::default();
        threads.retain(|buffer| {
            let (spans, credit) = {
                let mut local = lock(&buffer.inner);
                (
                    std::mem::take(&mut local.spans),
                    std::mem::take(&mut local.credit),
                )
            };
            self.release(credit);
            if !spans.is_empty() {
                self.push(Pending {
                    batch: spans,
                    failing_since: None,
                });
            }
            // The thread's own handle is gone once it ended.
            let keep = Arc::strong_count(buffer) > 1;
            if !keep {
                buffer.counters.fold_into(&mut retired);
            }
            keep
        });
        drop(threads);
        let mut total = lock(&self.retired);
        total.add(retired);
    }

    /// Stops admitting spans: whatever ends from now on is counted as dropped at
    /// shutdown.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn totals(&self) -> Totals {
        let mut totals = *lock(&self.retired);
        for buffer in lock(&self.threads).iter() {
            buffer.counters.fold_into(&mut totals);
        }
        totals
    }

    /// Spans admitted and not exported or dropped yet (including reserved room).
    pub(crate) fn fill(&self) -> usize {
        self.reserved.load(Ordering::Relaxed)
    }

    /// Prints shed traces on stderr, at most once per [`WARN_INTERVAL`].
    pub(crate) fn warn_if_shedding(&self, now: Instant) {
        let queue_full = self.totals().queue_full;
        let export_failed = self.shared.export_failed.load(Ordering::Relaxed);
        let rejected = self.shared.rejected.load(Ordering::Relaxed);
        let shed = queue_full + export_failed + rejected;
        let mut warned = lock(&self.warned);
        if shed == warned.shed || warned.at.is_some_and(|at| now - at < WARN_INTERVAL) {
            return;
        }
        let since = shed - warned.shed;
        warned.shed = shed;
        warned.at = Some(now);
        drop(warned);
        let noun = B::NOUN;
        eprintln!(
            "semtrace: {since} {noun}(s) dropped since the last report ({queue_full} queue full, \
             {export_failed} export failed, {rejected} rejected by the collector in total; queue {}/{} \
             {noun}s). Raise the queue size or check the collector; `Guard::stats()` and `Guard::log_stats()` have the counts.",
            self.fill(),
            self.capacity,
        );
    }
}

/// What only the span queue does.
impl Queue<Batch> {
    /// [`submit`](Self::submit) for a trace of one span (the common case), without a
    /// batch of its own.
    pub(crate) fn submit_one(&self, buffer: &ThreadBuffer, span: Ended) -> bool {
        let mut span = Some(span);
        let admitted = self.admit(buffer, 1, 0, |out| {
            if let Some(span) = span.take() {
                out.push(span);
            }
        });
        // Not admitted (queue full, or shut down): its buffers still serve the
        // thread's next span, so shedding under overload allocates nothing either.
        if let Some(span) = span {
            span.discard();
        }
        admitted
    }

    /// The statistics now; `last` adds the spans that never ended as dropped.
    pub(crate) fn stats(&self, last: bool) -> SpanStats {
        self.totals().stats(&self.shared, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::limits::Limits;
    use crate::traces::record::{Ids, Live};

    fn span(text: &str) -> Ended {
        ended(Box::new(Live::new("span", 1)), text)
    }

    /// `live`, ended, with one string attribute.
    fn ended(mut live: Box<Live>, text: &str) -> Ended {
        live.set_str("key", text);
        Ended {
            ids: Ids { trace: 1, span: 1 },
            parent: 0,
            parent_remote: false,
            end: 2,
            live,
        }
    }

    /// Fills this thread's buffer until it hands a batch over, and returns it.
    fn hand_over(queue: &Queue, text: &str) -> Batch {
        queue.with_local(|local| {
            for _ in 0..=queue.batch_size() {
                assert!(queue.submit_one(local, span(text)));
            }
        });
        let batch = queue.pop().expect("a full batch").batch;
        queue.release(batch.len());
        batch
    }

    #[test]
    fn exported_batches_are_reused_emptied_and_a_few_at_most() {
        let queue = Queue::new(1 << 16, 8);
        let batch = hand_over(&queue, "v");
        assert_eq!(batch.len(), 8);
        let (spans, text) = (batch.spans.as_ptr(), batch.text.as_ptr());
        queue.recycle(batch);
        // The thread already started its next batch; the one after is the spare
        // one, emptied.
        let _started = hand_over(&queue, "w");
        let next = hand_over(&queue, "w");
        assert_eq!(next.len(), 8);
        assert_eq!(next.spans.as_ptr(), spans, "the spare batch was not reused");
        assert_eq!(next.text.as_ptr(), text);
        assert!(next.text.iter().all(|b| *b == b'w'), "old text left behind");
        // Only a few are kept, whatever comes back.
        for _ in 0..SPARE_BATCHES + 3 {
            queue.recycle(Batch::with_capacity(8));
        }
        assert_eq!(lock(&queue.spare).len(), SPARE_BATCHES);
    }

    #[test]
    fn a_span_shed_for_a_full_queue_gives_its_buffers_back() {
        let queue = Queue::new(4, 4);
        queue.with_local(|local| {
            for _ in 0..4 {
                assert!(queue.submit_one(local, span("v")));
            }
            let live = Live::boxed("span", 1, Limits::default());
            let buffer: *const Live = &raw const *live;
            let shed = ended(live, "shed");
            assert!(!queue.submit_one(local, shed), "the queue holds 4 spans");
            assert_eq!(local.counters.queue_full.load(Ordering::Relaxed), 1);
            // The thread's next span starts in the shed span's buffers, emptied.
            let next = Live::boxed("next", 3, Limits::default());
            assert_eq!(&raw const *next, buffer, "the buffers were freed");
            assert!(next.attrs.is_empty() && next.text.is_empty());
        });
    }

    #[test]
    fn batches_of_long_text_are_not_kept() {
        let queue = Queue::new(1 << 16, 8);
        let long = "x".repeat(SPARE_TEXT_PER_SPAN * 2);
        let batch = hand_over(&queue, &long);
        queue.recycle(batch);
        assert!(lock(&queue.spare).is_empty());
    }
}
