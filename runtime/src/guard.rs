//! The value that keeps telemetry running and flushes it at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::control::Control;
use crate::logs::LogStats;
use crate::logs::record::LogBatch;
use crate::shutdown::{Shutdown, ShutdownError, ShutdownFailure};
use crate::traces::queue::Queue;
use crate::traces::stats::SpanStats;

/// Keeps the outputs alive; dropping it (or calling [`shutdown`](Self::shutdown))
/// exports every span ended before, then stops the outputs.
///
/// Shutdown is bounded by the shutdown timeout (default 5 s, see
/// [`TelemetryBuilder::shutdown_timeout`](crate::TelemetryBuilder::shutdown_timeout)),
/// also when the collector is unreachable. It blocks the calling thread for at most
/// that long, so dropping the guard at the end of `#[tokio::main]` is fine.
#[must_use = "telemetry stops when the guard is dropped: bind it with `let _guard = …`"]
pub struct Guard {
    timeout: Duration,
    control: Control,
    pub(crate) admin_address: Option<std::net::SocketAddr>,
    pub(crate) metrics_address: Option<std::net::SocketAddr>,
    metrics: Option<opentelemetry_sdk::metrics::SdkMeterProvider>,
    queue: Arc<Queue>,
    /// The log queue, when log records are exported.
    logs: Option<Arc<Queue<LogBatch>>>,
    parts: Vec<Box<dyn Shutdown>>,
    done: bool,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("timeout", &self.timeout)
            .field("parts", &self.parts.len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Guard {
    pub(crate) fn new(timeout: Duration, queue: Arc<Queue>, control: Control) -> Self {
        Self {
            timeout,
            control,
            admin_address: None,
            metrics_address: None,
            metrics: None,
            queue,
            logs: None,
            parts: Vec::new(),
            done: false,
        }
    }

    /// The log queue, when log records are exported: flushed and counted here, and
    /// read by the control (for `semtrace.logs.*`).
    pub(crate) fn attach_logs(&mut self, queue: Option<Arc<Queue<LogBatch>>>) {
        if let Some(queue) = &queue {
            self.control.set_log_queue(Arc::clone(queue));
        }
        self.logs = queue;
    }

    pub(crate) fn push(&mut self, part: Box<dyn Shutdown>) {
        self.parts.push(part);
    }

    /// The meter provider [`flush`](Self::flush) flushes; stopping it is a part's job.
    pub(crate) fn set_meter_provider(
        &mut self,
        provider: opentelemetry_sdk::metrics::SdkMeterProvider,
    ) {
        self.metrics = Some(provider);
    }

    /// The handle for changing sampling and levels while the program runs, and for
    /// its [`Status`](crate::control::Status); see [`control`](crate::control).
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// The address the admin listener (`[admin] listen`) serves on, if it runs —
    /// with port `0` in the config, the port the system chose.
    pub fn admin_address(&self) -> Option<std::net::SocketAddr> {
        self.admin_address
    }

    /// The address the Prometheus `/metrics` endpoint listens on, when it has a
    /// listener of its own (`[metrics.prometheus] listen`, or `127.0.0.1:9464` when
    /// there is no admin listener to serve it).
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.metrics_address
    }

    /// The bound on [`shutdown`](Self::shutdown).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// What happened to the spans so far. Cheap enough to poll (it sums a few
    /// counters per thread that made spans).
    pub fn stats(&self) -> SpanStats {
        self.queue.stats(self.done)
    }

    /// Exports every trace that has ended (whose local root span closed) and waits
    /// until each is exported or dropped, at most `timeout`. Returns false when that
    /// took longer. Telemetry keeps running.
    /// Metrics are exported too, when an exporter pushes them.
    pub fn flush(&self, timeout: Duration) -> bool {
        if self.done {
            return true;
        }
        let spans = self.queue.flush(timeout);
        let logs = self.logs.as_ref().is_none_or(|q| q.flush(timeout));
        let metrics = self
            .metrics
            .as_ref()
            .is_none_or(|m| m.force_flush().is_ok());
        spans && logs && metrics
    }

    /// The log record counts so far (all zero when log records are not exported);
    /// after [`shutdown`](Self::shutdown) or the drop, `emitted == exported + dropped`.
    pub fn log_stats(&self) -> LogStats {
        self.logs
            .as_ref()
            .map(|q| LogStats::of(q.totals(), &q.shared))
            .unwrap_or_default()
    }

    /// Exports what is queued, stops every output, and returns the final account:
    /// `started == sampled_out + exported + dropped`.
    ///
    /// # Errors
    /// When spans were lost (export failed, queue full, or still queued when the
    /// timeout ran out) or an output did not stop cleanly. The account is in
    /// [`ShutdownError::stats`] then.
    pub fn shutdown(mut self) -> Result<SpanStats, ShutdownError> {
        let failures = self.stop();
        let stats = self.queue.stats(true);
        ShutdownError::new(failures, stats).map_or(Ok(stats), Err)
    }

    fn stop(&mut self) -> Vec<ShutdownFailure> {
        if std::mem::replace(&mut self.done, true) {
            return Vec::new();
        }
        let deadline = Instant::now() + self.timeout;
        let mut failures = Vec::new();
        for part in &mut self.parts {
            failures.extend(part.shutdown(deadline));
        }
        self.parts.clear();
        let stats = self.queue.stats(true);
        // Spans the tail buffer could not hold were sampling's choice under a
        // bound, not a failure: they are in the account, not in the error.
        let lost = stats.dropped_by.queue_full
            + stats.dropped_by.export_failed
            + stats.dropped_by.rejected
            + stats.dropped_by.shutdown;
        if lost > 0 {
            failures.push(ShutdownFailure::Dropped {
                spans: lost,
                reasons: stats.dropped_by,
            });
        }
        let logs = self.log_stats();
        if logs.dropped > 0 {
            failures.push(ShutdownFailure::LogsDropped {
                records: logs.dropped,
                reasons: logs.dropped_by,
            });
        }
        failures
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Errors have nowhere to go when the program ends; `shutdown` reports them.
        let _ = self.stop();
    }
}
