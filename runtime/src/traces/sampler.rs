//! The head sampler: decides at a span's start whether its trace is recorded.

use crate::config::Sampler;

/// A parent's decision, when the span has a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parent {
    None,
    Local { sampled: bool },
    Remote { sampled: bool },
}

/// The configured sampler, in the form the hot path checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadSampler {
    parent_based: bool,
    /// Roots whose trace id's 63 low bits fall below this are kept.
    bound: u64,
}

impl HeadSampler {
    pub(crate) fn new(sampler: Sampler) -> Self {
        let (parent_based, ratio) = match sampler {
            Sampler::AlwaysOn => (false, 1.0),
            Sampler::AlwaysOff => (false, 0.0),
            Sampler::TraceIdRatio(r) => (false, r),
            Sampler::ParentBasedAlwaysOn => (true, 1.0),
            Sampler::ParentBasedAlwaysOff => (true, 0.0),
            Sampler::ParentBasedTraceIdRatio(r) => (true, r),
        };
        Self {
            parent_based,
            bound: ratio_bound(ratio),
        }
    }

    /// Whether the span starting now is sampled.
    #[inline]
    pub(crate) fn sample(&self, trace_id: u128, parent: Parent) -> bool {
        match parent {
            // A local child always follows its trace: a trace is kept or dropped
            // whole, whatever the sampler.
            Parent::Local { sampled } => sampled,
            Parent::Remote { sampled } if self.parent_based => sampled,
            Parent::Remote { .. } | Parent::None => by_ratio(trace_id, self.bound),
        }
    }
}

/// As the OpenTelemetry SDKs do it: the trace id's low 64 bits, shifted right by
/// one, below `ratio × 2^63`. The same trace id gets the same decision everywhere.
fn ratio_bound(ratio: f64) -> u64 {
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
fn by_ratio(trace_id: u128, bound: u64) -> bool {
    #[allow(clippy::cast_possible_truncation)] // the low half is wanted
    let low = trace_id as u64;
    bound == u64::MAX || (low >> 1) < bound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_keep_their_share() {
        let sampler = HeadSampler::new(Sampler::TraceIdRatio(0.25));
        let kept = (0..40_000)
            .filter(|_| sampler.sample(crate::traces::ids::trace_id(), Parent::None))
            .count();
        assert!((9_000..11_000).contains(&kept), "{kept}");
        let never = HeadSampler::new(Sampler::AlwaysOff);
        assert!(!never.sample(u128::MAX, Parent::None));
        let always = HeadSampler::new(Sampler::AlwaysOn);
        assert!(always.sample(0, Parent::Remote { sampled: false }));
    }

    #[test]
    fn parents_decide_for_children() {
        let off = HeadSampler::new(Sampler::ParentBasedAlwaysOff);
        assert!(off.sample(1, Parent::Remote { sampled: true }));
        assert!(!off.sample(1, Parent::None));
        let on = HeadSampler::new(Sampler::ParentBasedAlwaysOn);
        assert!(!on.sample(1, Parent::Remote { sampled: false }));
        assert!(!on.sample(1, Parent::Local { sampled: false }));
    }
}
