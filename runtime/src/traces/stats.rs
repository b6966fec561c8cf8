//! Counting every span: [`SpanStats`].

use std::sync::atomic::{AtomicU64, Ordering};

use super::limits::Dropped;

/// What happened to the spans the pipeline saw, as counts since `init`.
///
/// Every span is counted once when it starts and once more for its fate, so once the
/// guard has shut down (see [`Guard::shutdown`](crate::Guard::shutdown)):
///
/// `started == sampled_out + exported + dropped`
///
/// and `dropped` is the sum of [`dropped_by`](Self::dropped_by). While the program runs,
/// the difference is the spans still open or on their way to the collector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SpanStats {
    /// Spans started (enabled by the export filter).
    pub started: u64,
    /// Spans the sampler did not keep (or kept for log ids only, when no exporter is
    /// configured). They cost no attribute recording and are never exported.
    pub sampled_out: u64,
    /// Spans the collector accepted.
    pub exported: u64,
    /// Spans lost, for one of the reasons in [`dropped_by`](Self::dropped_by).
    pub dropped: u64,
    /// Why spans were dropped.
    pub dropped_by: DropReasons,
    /// What the span limits cut from recorded spans (the spans themselves are
    /// exported, with OTLP's dropped counts).
    pub limited: LimitCounts,
}

/// What the span limits (`[traces.limits]`, `OTEL_SPAN_*_LIMIT`) cut from recorded
/// spans, counted when each span ends; also the metric
/// `semtrace.span.limits.dropped` by `semtrace.limit.cut`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LimitCounts {
    /// Span attributes beyond the attribute count limit.
    pub attributes: u64,
    /// Events beyond the event count limit.
    pub events: u64,
    /// Links beyond the link count limit.
    pub links: u64,
    /// Event attributes beyond the per-event limit.
    pub event_attributes: u64,
    /// Link attributes beyond the per-link limit.
    pub link_attributes: u64,
    /// String values (or strings of an array) cut to the value length limit.
    pub truncated_values: u64,
}

/// Why spans were dropped; the fields add up to [`SpanStats::dropped`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DropReasons {
    /// The export queue was full: whole traces were shed to keep memory bounded
    /// (`max_queue_size`).
    pub queue_full: u64,
    /// The exporter failed (collector down or refusing) after its retries, and the
    /// spans could not be held for another attempt.
    pub export_failed: u64,
    /// Still queued when the shutdown timeout ran out.
    pub shutdown: u64,
    /// Not sampled by the head decision and not held for the tail decision
    /// (`[sampling.tail]`) because `max_buffered_spans` spans were already held: had
    /// their trace failed or been slow, it could not be kept whole.
    pub tail_buffer_full: u64,
    /// Received by the collector and rejected by it: an OTLP partial success
    /// (`rejected_spans`), counted but not retried, as the protocol says.
    pub rejected: u64,
    /// Started but never ended before shutdown (e.g. a span of a `-> !` loop on
    /// another thread), or ended in a trace whose local root never did (a trace is
    /// exported whole or not at all). Only set in the final account.
    pub unfinished: u64,
}

impl SpanStats {
    /// Spans whose fate is not known yet: open, or queued for export.
    pub fn in_flight(&self) -> u64 {
        self.started
            .saturating_sub(self.sampled_out + self.exported + self.dropped)
    }
}

/// Counters that only their owning thread writes (relaxed, uncontended); read by
/// summing over threads.
#[derive(Debug, Default)]
pub(crate) struct LocalCounters {
    pub(crate) started: AtomicU64,
    pub(crate) sampled_out: AtomicU64,
    /// Recorded spans that ended (handed to the queue or shed there).
    pub(crate) finished: AtomicU64,
    pub(crate) queue_full: AtomicU64,
    pub(crate) tail_buffer_full: AtomicU64,
    /// Spans this thread held for open local roots, minus those this thread handed
    /// over or shed (wrapping: a trace may end on another thread; the sum over
    /// threads is the number held).
    pub(crate) held: AtomicU64,
    /// What the span limits cut, in [`LimitCounts`]' order.
    pub(crate) limited: [AtomicU64; 6],
}

impl LocalCounters {
    /// Adds `n` (wrapping: a thread may also take back what another thread counted,
    /// and only the sum over threads has a meaning).
    #[inline]
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        // Only this thread writes: a load and a store, no read-modify-write.
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// Takes back `n`, see [`add`](Self::add).
    #[inline]
    pub(crate) fn sub(counter: &AtomicU64, n: u64) {
        Self::add(counter, n.wrapping_neg());
    }

    /// Counts what the limits cut from a span that ended.
    #[cold]
    pub(crate) fn count_limited(&self, dropped: &Dropped) {
        let counts = [
            dropped.attributes,
            dropped.events,
            dropped.links,
            dropped.event_attributes,
            dropped.link_attributes,
            dropped.truncated,
        ];
        for (counter, n) in self.limited.iter().zip(counts) {
            Self::add(counter, u64::from(n.0));
        }
    }

    pub(crate) fn fold_into(&self, totals: &mut Totals) {
        totals.add(Totals {
            started: self.started.load(Ordering::Relaxed),
            sampled_out: self.sampled_out.load(Ordering::Relaxed),
            finished: self.finished.load(Ordering::Relaxed),
            queue_full: self.queue_full.load(Ordering::Relaxed),
            tail_buffer_full: self.tail_buffer_full.load(Ordering::Relaxed),
            held: self.held.load(Ordering::Relaxed),
            limited: self.limited.each_ref().map(|c| c.load(Ordering::Relaxed)),
        });
    }
}

/// Counters the exporter side writes.
#[derive(Debug, Default)]
pub(crate) struct SharedCounters {
    pub(crate) exported: AtomicU64,
    pub(crate) export_failed: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) shutdown: AtomicU64,
    /// Export calls that failed, and the last error.
    pub(crate) failed_exports: AtomicU64,
    pub(crate) last_error: std::sync::Mutex<Option<String>>,
}

/// Sums of every thread's [`LocalCounters`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Totals {
    pub(crate) started: u64,
    pub(crate) sampled_out: u64,
    pub(crate) finished: u64,
    pub(crate) queue_full: u64,
    pub(crate) tail_buffer_full: u64,
    pub(crate) held: u64,
    pub(crate) limited: [u64; 6],
}

impl Totals {
    pub(crate) fn add(&mut self, other: Self) {
        self.held = self.held.wrapping_add(other.held);
        self.started = self.started.wrapping_add(other.started);
        self.sampled_out = self.sampled_out.wrapping_add(other.sampled_out);
        self.finished = self.finished.wrapping_add(other.finished);
        self.queue_full = self.queue_full.wrapping_add(other.queue_full);
        self.tail_buffer_full = self.tail_buffer_full.wrapping_add(other.tail_buffer_full);
        for (total, n) in self.limited.iter_mut().zip(other.limited) {
            *total = total.wrapping_add(n);
        }
    }

    pub(crate) fn stats(self, shared: &SharedCounters, last: bool) -> SpanStats {
        let by = DropReasons {
            queue_full: self.queue_full,
            export_failed: shared.export_failed.load(Ordering::Relaxed),
            shutdown: shared.shutdown.load(Ordering::Relaxed),
            tail_buffer_full: self.tail_buffer_full,
            rejected: shared.rejected.load(Ordering::Relaxed),
            unfinished: if last {
                self.started
                    .saturating_sub(self.sampled_out + self.finished + self.tail_buffer_full)
            } else {
                0
            },
        };
        let [
            attributes,
            events,
            links,
            event_attributes,
            link_attributes,
            truncated_values,
        ] = self.limited;
        SpanStats {
            limited: LimitCounts {
                attributes,
                events,
                links,
                event_attributes,
                link_attributes,
                truncated_values,
            },
            started: self.started,
            sampled_out: self.sampled_out,
            exported: shared.exported.load(Ordering::Relaxed),
            dropped: by.queue_full
                + by.export_failed
                + by.shutdown
                + by.tail_buffer_full
                + by.rejected
                + by.unfinished,
            dropped_by: by,
        }
    }
}
