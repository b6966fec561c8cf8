//! What stopping telemetry can report, and the one trait every part the guard stops
//! implements. A leaf: it knows the pipelines' counts ([`SpanStats`], the log
//! records' drop reasons) and nothing else of the crate, so every part can depend
//! on it.

use std::time::{Duration, Instant};

use crate::logs::LogDropReasons;
use crate::traces::stats::{DropReasons, SpanStats};

/// Something [`Guard`](crate::Guard) stops at the end, in the order it was added: an
/// exporter's worker, a listener, the metrics' provider, the config watcher.
pub(crate) trait Shutdown: Send {
    /// Flushes and stops, by `deadline`; reports what failed.
    fn shutdown(&mut self, deadline: Instant) -> Vec<ShutdownFailure>;
}

/// What went wrong while [`Guard::shutdown`](crate::Guard::shutdown) flushed and stopped
/// the outputs. Telemetry is stopped either way; this only reports what may be lost.
#[derive(Debug, thiserror::Error)]
#[error("telemetry shutdown incomplete: {}", join(.failures))]
pub struct ShutdownError {
    failures: Vec<ShutdownFailure>,
    /// Boxed: an error of `Guard::shutdown` stays small beside its `Ok`.
    stats: Box<SpanStats>,
}

fn join(failures: &[ShutdownFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ShutdownError {
    pub(crate) fn new(failures: Vec<ShutdownFailure>, stats: SpanStats) -> Option<Self> {
        (!failures.is_empty()).then(|| Self {
            failures,
            stats: Box::new(stats),
        })
    }

    /// Each output that failed, in shutdown order.
    pub fn failures(&self) -> &[ShutdownFailure] {
        &self.failures
    }

    /// The final account of every span, as [`Guard::shutdown`](crate::Guard::shutdown)
    /// returns it on success.
    pub fn stats(&self) -> SpanStats {
        *self.stats
    }
}

/// One output that did not shut down cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownFailure {
    /// The exporter did not finish within the shutdown timeout.
    #[error("span export did not finish within {0:?}")]
    Timeout(Duration),
    /// Some export calls failed (e.g. the collector is unreachable).
    #[error("{failed} span export(s) failed, last error: {last_error}")]
    Export {
        /// How many export calls failed since start.
        failed: usize,
        /// The last exporter error.
        last_error: String,
    },
    /// The exporter reported an error while stopping.
    #[error("exporter shutdown failed: {0}")]
    Provider(String),
    /// The metrics' last export or shutdown failed.
    #[error("metrics shutdown failed: {0}")]
    Metrics(String),
    /// Spans were lost; [`ShutdownError::stats`] has the whole account.
    #[error("{spans} span(s) dropped ({} queue full, {} export failed, {} rejected by the collector, {} still queued at shutdown)", reasons.queue_full, reasons.export_failed, reasons.rejected, reasons.shutdown)]
    Dropped {
        /// Spans lost, excluding spans that never ended.
        spans: u64,
        /// Why.
        reasons: DropReasons,
    },
    /// Log records were lost; [`Guard::log_stats`](crate::Guard::log_stats) has the
    /// whole account.
    #[error("{records} log record(s) dropped ({} queue full, {} export failed, {} rejected by the collector, {} still queued at shutdown)", reasons.queue_full, reasons.export_failed, reasons.rejected, reasons.shutdown)]
    LogsDropped {
        /// Log records lost.
        records: u64,
        /// Why.
        reasons: LogDropReasons,
    },
}
