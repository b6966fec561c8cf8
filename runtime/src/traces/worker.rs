//! The exporter side: one background thread running a small Tokio runtime. It turns
//! batches into OTLP span data, exports them (several at once when the collector is
//! slow to answer), collects stragglers from idle threads, holds failed batches while
//! the collector is down, and reports shed spans. Generic over what it exports
//! ([`Batched`], [`Export`]): the log pipeline runs the same loop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};

pub(crate) use super::export::Export;
use super::queue::{Batched, Pending, Queue};
use super::record::Batch;
use crate::shutdown::{Shutdown, ShutdownFailure};

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    /// How often idle threads' partial batches are collected.
    pub(crate) scheduled_delay: Duration,
    /// Exports in flight at once.
    pub(crate) max_in_flight: usize,
    /// How long a failing batch is held and tried again before it is dropped.
    pub(crate) hold_failed: Duration,
}

/// Wakes the worker at least this often (stragglers, warnings, backoff).
const TICK: Duration = Duration::from_millis(250);
const BACKOFF_MIN: Duration = Duration::from_millis(200);
// Short: a failed attempt costs little, and every second of waiting after the
// collector returns is a second of shed traces.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Owns the exporter thread; [`shutdown`](Self::shutdown) drains and stops it.
pub(crate) struct Worker<B: Batched = Batch> {
    queue: Arc<Queue<B>>,
    exporter: Arc<dyn Export<B>>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: watch::Sender<Option<Instant>>,
    done: Option<std::sync::mpsc::Receiver<()>>,
}

impl<B: Batched> std::fmt::Debug for Worker<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl<B: Batched> Worker<B> {
    /// Starts the worker on `runtime` (already used to build the exporter).
    pub(crate) fn start(
        runtime: tokio::runtime::Runtime,
        queue: Arc<Queue<B>>,
        exporter: Arc<dyn Export<B>>,
        pacing: Pacing,
    ) -> Self {
        let (stop, stop_rx) = watch::channel(None);
        let (done_tx, done) = std::sync::mpsc::channel();
        let task = Loop {
            queue: Arc::clone(&queue),
            exporter: Arc::clone(&exporter),
            pacing,
        };
        runtime.spawn(async move {
            task.run(stop_rx).await;
            let _ = done_tx.send(());
        });
        Self {
            queue,
            exporter,
            runtime: Some(runtime),
            stop,
            done: Some(done),
        }
    }
}

impl<B: Batched> Shutdown for Worker<B> {
    /// Stops admitting spans, exports what is queued until `deadline`, and counts
    /// what is left as dropped at shutdown.
    fn shutdown(&mut self, deadline: Instant) -> Vec<ShutdownFailure> {
        let mut failures = Vec::new();
        let Some(done) = self.done.take() else {
            return failures;
        };
        self.queue.close();
        self.queue.collect();
        let _ = self.stop.send(Some(deadline));
        // A little past the deadline: the loop counts what it abandons, then ends.
        let wait = deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(200);
        if done.recv_timeout(wait).is_err() {
            failures.push(ShutdownFailure::Timeout(wait));
        }
        let shared = &self.queue.shared;
        // Failed calls are worth reporting when they lost spans; a batch delivered
        // on a later attempt lost nothing.
        let failed = shared.failed_exports.load(Ordering::Relaxed);
        if failed > 0 && shared.export_failed.load(Ordering::Relaxed) > 0 {
            let last_error = shared
                .last_error
                .lock()
                .ok()
                .and_then(|l| l.clone())
                .unwrap_or_default();
            failures.push(ShutdownFailure::Export {
                failed: usize::try_from(failed).unwrap_or(usize::MAX),
                last_error,
            });
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if let Err(e) = self
            .exporter
            .shutdown(remaining.max(Duration::from_millis(10)))
        {
            use opentelemetry_sdk::error::OTelSdkError;
            if !matches!(e, OTelSdkError::AlreadyShutdown) {
                failures.push(ShutdownFailure::Provider(e.to_string()));
            }
        }
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, so it is allowed inside an async context too.
            runtime.shutdown_background();
        }
        failures
    }
}

impl<B: Batched> Drop for Worker<B> {
    fn drop(&mut self) {
        if self.done.is_some() {
            let _ = self.shutdown(Instant::now() + Duration::from_secs(1));
        }
    }
}

struct Loop<B: Batched> {
    queue: Arc<Queue<B>>,
    exporter: Arc<dyn Export<B>>,
    pacing: Pacing,
}

/// What an export task reports back.
struct Done<B> {
    len: usize,
    /// `Ok` with the spans the collector rejected.
    result: Result<u64, String>,
    /// The batch, for another attempt if this one failed (the exporter got a
    /// converted copy, so keeping it costs nothing extra).
    batch: Pending<B>,
}

/// Exports under way, with each one's span count: an export that panics (a bug in
/// an exporter) still has its spans counted as failed.
struct InFlight<B> {
    set: JoinSet<Done<B>>,
    lens: std::collections::HashMap<tokio::task::Id, usize>,
}

impl<B> Default for InFlight<B> {
    fn default() -> Self {
        Self {
            set: JoinSet::new(),
            lens: std::collections::HashMap::new(),
        }
    }
}

impl<B: Batched> InFlight<B> {
    fn len(&self) -> usize {
        self.set.len()
    }

    /// The next export to finish: its outcome, or the spans of one that panicked.
    async fn next(&mut self) -> Option<Result<Done<B>, usize>> {
        let joined = self.set.join_next_with_id().await?;
        Some(match joined {
            Ok((id, done)) => {
                self.lens.remove(&id);
                Ok(done)
            }
            Err(e) => Err(self.lost(&e)),
        })
    }

    fn lost(&mut self, e: &JoinError) -> usize {
        self.lens.remove(&e.id()).unwrap_or(0)
    }
}

impl<B: Batched> Loop<B> {
    async fn run(self, mut stop: watch::Receiver<Option<Instant>>) {
        let mut in_flight = InFlight::default();
        let mut last_collect = Instant::now();
        // Set while the collector fails: exports go one at a time, with backoff; each
        // batch is kept until it is delivered or has failed for `hold_failed`.
        let mut failing: Option<Backoff> = None;
        let deadline = loop {
            let now = Instant::now();
            let limit = if failing.is_some() {
                1
            } else {
                self.pacing.max_in_flight
            };
            let may_send = failing.as_ref().is_none_or(|b| now >= b.next);
            while may_send && in_flight.len() < limit {
                let Some(batch) = self.queue.pop() else { break };
                self.spawn(&mut in_flight, batch);
            }
            let wake = failing.as_ref().map_or(TICK, |b| {
                b.next
                    .saturating_duration_since(now)
                    .clamp(Duration::from_millis(1), TICK)
            });
            tokio::select! {
                () = self.queue.ready.notified() => {}
                Some(done) = in_flight.next() => match done {
                    Ok(done) => self.settle(done, &mut failing, false),
                    Err(lost) => self.panicked(lost),
                },
                () = tokio::time::sleep(wake) => {
                    let now = Instant::now();
                    if now.duration_since(last_collect) >= self.pacing.scheduled_delay {
                        self.queue.collect();
                        last_collect = now;
                    }
                    self.queue.warn_if_shedding(now);
                }
                changed = stop.changed() => {
                    let deadline = if changed.is_ok() { *stop.borrow() } else { None };
                    break deadline.unwrap_or_else(Instant::now);
                }
            }
        };
        self.drain(in_flight, deadline).await;
    }

    fn spawn(&self, in_flight: &mut InFlight<B>, pending: Pending<B>) {
        let len = pending.batch.len();
        let exporter = Arc::clone(&self.exporter);
        // Converted inside the task, so several batches convert and encode in
        // parallel on the runtime's threads.
        let task = in_flight.set.spawn(async move {
            let result = exporter
                .export(&pending.batch)
                .await
                .map_err(|e| e.to_string());
            Done {
                len,
                result,
                batch: pending,
            }
        });
        in_flight.lens.insert(task.id(), len);
    }

    /// Counts the spans of an export that panicked as failed.
    fn panicked(&self, lost: usize) {
        let shared = &self.queue.shared;
        shared.failed_exports.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = shared.last_error.lock() {
            *last = Some("the exporter panicked".to_owned());
        }
        shared
            .export_failed
            .fetch_add(lost as u64, Ordering::Relaxed);
        self.queue.release(lost);
    }

    /// Counts an export's outcome; a failed batch goes back to the front of the queue
    /// unless it has failed for `hold_failed` (or `final_attempt`).
    fn settle(&self, done: Done<B>, failing: &mut Option<Backoff>, final_attempt: bool) {
        let shared = &self.queue.shared;
        match done.result {
            Ok(rejected) => {
                // Only what the collector accepted is exported; the rest it refused
                // for good (a partial success is never retried).
                let len = done.len as u64;
                let rejected = rejected.min(len);
                shared.exported.fetch_add(len - rejected, Ordering::Relaxed);
                if rejected > 0 {
                    shared.rejected.fetch_add(rejected, Ordering::Relaxed);
                }
                self.queue.release(done.len);
                self.queue.recycle(done.batch.batch);
                *failing = None;
            }
            Err(e) => {
                shared.failed_exports.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut last) = shared.last_error.lock() {
                    *last = Some(e);
                }
                let now = Instant::now();
                let backoff = failing.get_or_insert_with(|| Backoff::new(now));
                backoff.fail(now);
                let mut batch = done.batch;
                let since = *batch.failing_since.get_or_insert(now);
                if !final_attempt && now.duration_since(since) < self.pacing.hold_failed {
                    self.queue.push_front(batch);
                } else {
                    shared
                        .export_failed
                        .fetch_add(done.len as u64, Ordering::Relaxed);
                    self.queue.release(done.len);
                    self.queue.recycle(batch.batch);
                }
            }
        }
    }

    /// Exports what is left until `deadline`, then counts the rest as dropped.
    async fn drain(&self, mut in_flight: InFlight<B>, deadline: Instant) {
        let sending = async {
            let mut failing: Option<Backoff> = None;
            loop {
                while in_flight.len() < self.pacing.max_in_flight {
                    let Some(batch) = self.queue.pop() else { break };
                    self.spawn(&mut in_flight, batch);
                }
                match in_flight.next().await {
                    // At shutdown a failure is final: no holding.
                    Some(Ok(done)) => self.settle(done, &mut failing, true),
                    Some(Err(lost)) => self.panicked(lost),
                    None => break,
                }
            }
        };
        let in_time = tokio::time::timeout_at(deadline.into(), sending)
            .await
            .is_ok();
        if !in_time {
            in_flight.set.abort_all();
        }
        // Whatever is still here was neither exported nor failed: lost at shutdown.
        // Every such span still holds its room in the queue, so the room counts them;
        // except spans that ended in a trace whose local root is still open: they
        // hold room too, but the account has them as unfinished, with their root.
        while self.queue.pop().is_some() {}
        self.queue.collect();
        let abandoned = self.queue.fill().saturating_sub(self.queue.held());
        if abandoned > 0 {
            self.queue
                .shared
                .shutdown
                .fetch_add(abandoned as u64, Ordering::Relaxed);
            self.queue.release(abandoned);
        }
        self.queue
            .warn_if_shedding(Instant::now() + super::queue::WARN_INTERVAL * 2);
    }
}

/// Exponential backoff with jitter between attempts while the collector fails.
struct Backoff {
    delay: Duration,
    next: Instant,
}

impl Backoff {
    fn new(now: Instant) -> Self {
        Self {
            delay: BACKOFF_MIN,
            next: now,
        }
    }

    fn fail(&mut self, now: Instant) {
        let half = u64::try_from(self.delay.as_millis() / 2).unwrap_or(u64::MAX / 2);
        let jitter_ms = super::ids::span_id() % (half + 1);
        self.next = now + self.delay + Duration::from_millis(jitter_ms);
        self.delay = (self.delay * 2).min(BACKOFF_MAX);
    }
}
