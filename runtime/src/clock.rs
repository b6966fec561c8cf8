//! Cheap timestamps for the hot paths: the CPU's time-stamp counter, calibrated by
//! `quanta` (its monotonic clock where there is no usable TSC).
//!
//! - [`ticks`] and [`Ticks::seconds`]: a call's duration for its metric, read twice
//!   and scaled once.
//! - [`now`]: wall-clock time for span and event timestamps. Each thread anchors the
//!   counter to `SystemTime` and extrapolates from there; it re-reads the system
//!   clock once a second, so clock adjustments (NTP) reach spans within a second and
//!   the counter's drift never accumulates (a re-anchoring may move a thread's
//!   timestamps back by that drift, microseconds; span ends are clamped to their
//!   starts). Reading `SystemTime` on every span start
//!   and end cost two `clock_gettime` calls (~30 ns each on a VM) per span.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// The calibrated counter and its scale.
pub(crate) struct Ticks {
    clock: quanta::Clock,
    seconds_per_tick: f64,
    /// Ticks in one second: how old a thread's anchor may grow.
    per_second: u64,
}

/// The process's counter.
#[inline]
pub(crate) fn ticks() -> &'static Ticks {
    static TICKS: OnceLock<Ticks> = OnceLock::new();
    // Ticks to nanoseconds over a long span, so the factor keeps the calibration's
    // precision.
    const SPAN: u64 = 1 << 40;
    TICKS.get_or_init(|| {
        let clock = quanta::Clock::new();
        #[allow(clippy::cast_precision_loss)] // both below 2^53
        let nanos_per_tick = clock.delta_as_nanos(0, SPAN) as f64 / SPAN as f64;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // > 0, small
        let per_second = (1e9 / nanos_per_tick) as u64;
        Ticks {
            clock,
            seconds_per_tick: nanos_per_tick / 1e9,
            per_second: per_second.max(1),
        }
    })
}

impl Ticks {
    /// The counter now. Never 0: the TSC counts from reset, the fallback from boot.
    #[inline]
    pub(crate) fn raw(&self) -> u64 {
        self.clock.raw()
    }

    /// Seconds from `start` to `end` (0 when a read on another core came out of order).
    #[inline]
    pub(crate) fn seconds(&self, start: u64, end: u64) -> f64 {
        // Signed, so the conversion is one instruction; a call is far shorter than
        // 2^63 ticks.
        #[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)]
        let ticks = (end.wrapping_sub(start) as i64).max(0) as f64;
        ticks * self.seconds_per_tick
    }
}

thread_local! {
    /// This thread's anchor: a counter reading and the wall-clock nanoseconds since
    /// the Unix epoch at that reading. `(0, _)` until the first timestamp.
    static ANCHOR: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Wall-clock time now, to the nanosecond, from the counter.
#[inline]
pub(crate) fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(now_nanos())
}

/// [`now`] in nanoseconds since the Unix epoch.
#[inline]
pub(crate) fn now_nanos() -> u64 {
    let ticks = ticks();
    let raw = ticks.raw();
    ANCHOR
        .try_with(|anchor| {
            let (at, nanos) = anchor.get();
            let elapsed = raw.wrapping_sub(at);
            if at != 0 && elapsed < ticks.per_second {
                nanos + ticks.clock.delta_as_nanos(at, raw)
            } else {
                let nanos = system_nanos();
                anchor.set((raw, nanos));
                nanos
            }
        })
        // The thread is ending: no anchor left.
        .unwrap_or_else(|_| system_nanos())
}

fn system_nanos() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_the_system_clock() {
        for _ in 0..3 {
            let before = system_nanos();
            let ours = now_nanos();
            let after = system_nanos();
            // Extrapolated from an anchor at most a second old: within a
            // millisecond of the system clock (drift is parts per million).
            assert!(ours + 1_000_000 >= before, "{ours} < {before}");
            assert!(ours <= after + 1_000_000, "{ours} > {after}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn timestamps_advance_on_a_thread() {
        // Between re-anchorings they only advance; a re-anchoring may correct the
        // counter's drift backwards by microseconds (span ends are clamped to their
        // starts), never more.
        let mut last = now_nanos();
        for _ in 0..10_000 {
            let t = now_nanos();
            assert!(t + 1_000_000 >= last, "{t} < {last}");
            last = last.max(t);
        }
    }

    #[test]
    fn durations_are_measured() {
        let t = ticks();
        let start = t.raw();
        std::thread::sleep(Duration::from_millis(20));
        let took = t.seconds(start, t.raw());
        assert!((0.019..5.0).contains(&took), "{took}");
        assert!(
            t.seconds(t.raw(), start) == 0.0,
            "out of order reads give 0"
        );
    }
}
