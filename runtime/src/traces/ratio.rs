//! Sampling by ratio, as the OpenTelemetry SDKs decide it, and durations as the
//! sampler keeps them (nanoseconds). A leaf both samplers read.

use std::time::Duration;

/// As the OpenTelemetry SDKs do it: the trace id's low 64 bits, shifted right by
/// one, below `ratio × 2^63`. The same trace id gets the same decision everywhere.
pub(crate) fn ratio_bound(ratio: f64) -> u64 {
    if ratio >= 1.0 {
        return u64::MAX;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )] // ratio is in [0, 1): the product fits
    let bound = (ratio.max(0.0) * (1u64 << 63) as f64) as u64;
    bound
}

#[inline]
pub(crate) fn by_ratio(trace_id: u128, bound: u64) -> bool {
    #[allow(clippy::cast_possible_truncation)] // the low half is wanted
    let low = trace_id as u64;
    bound == u64::MAX || (low >> 1) < bound
}

/// `d` in nanoseconds, saturating.
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
