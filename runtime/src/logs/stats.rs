//! Counting every log record: [`LogStats`], from the log queue's counters.

use std::sync::atomic::Ordering;

use crate::traces::stats::{SharedCounters, Totals};

/// What happened to the log records the pipeline saw, as counts since `init`.
///
/// Once the guard has shut down, `emitted == exported + dropped`, and `dropped` is the
/// sum of [`dropped_by`](Self::dropped_by); while the program runs the difference is
/// the records on their way to the collector. All zero when logs are not exported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LogStats {
    /// Events (and `log` records) the logs filter let through.
    pub emitted: u64,
    /// Records the collector accepted.
    pub exported: u64,
    /// Records lost, for one of the reasons in [`dropped_by`](Self::dropped_by).
    pub dropped: u64,
    /// Why records were dropped.
    pub dropped_by: LogDropReasons,
    /// Attributes beyond the attribute count limit, over all records (each record
    /// says its own in OTLP's `dropped_attributes_count`).
    pub dropped_attributes: u64,
    /// Messages and string values cut to the value length limit.
    pub truncated_values: u64,
}

/// Why log records were dropped; the fields add up to [`LogStats::dropped`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LogDropReasons {
    /// The log queue was full (`OTEL_BLRP_MAX_QUEUE_SIZE`).
    pub queue_full: u64,
    /// The exporter failed after its retries, and the records could not be held for
    /// another attempt.
    pub export_failed: u64,
    /// Still queued when the shutdown timeout ran out, or emitted after shutdown.
    pub shutdown: u64,
    /// Received by the collector and rejected by it (an OTLP partial success).
    pub rejected: u64,
}

impl LogStats {
    /// Records whose fate is not known yet: queued for export.
    pub fn in_flight(&self) -> u64 {
        self.emitted.saturating_sub(self.exported + self.dropped)
    }

    pub(crate) fn of(totals: Totals, shared: &SharedCounters) -> Self {
        let by = LogDropReasons {
            queue_full: totals.queue_full,
            export_failed: shared.export_failed.load(Ordering::Relaxed),
            shutdown: shared.shutdown.load(Ordering::Relaxed),
            rejected: shared.rejected.load(Ordering::Relaxed),
        };
        Self {
            emitted: totals.finished,
            exported: shared.exported.load(Ordering::Relaxed),
            dropped: by.queue_full + by.export_failed + by.shutdown + by.rejected,
            dropped_by: by,
            dropped_attributes: totals.limited[0],
            truncated_values: totals.limited[5],
        }
    }
}
