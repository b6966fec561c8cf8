//! The two clocks: cheap timestamps for the hot paths (spans, events, metric
//! durations), and [`RuleClock`], the wall clock that sampling rules and latency
//! windows read (replaceable in tests, so they need not sleep).
//!
//! The hot paths read the CPU's time-stamp counter, calibrated by `quanta` (its
//! monotonic clock where there is no usable TSC).
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
//! - [`offer_start`], [`offer_end`]: a call with a metric reads the counter twice,
//!   not four times. Its timer reads it just before the span is made and again just
//!   before the span closes, and offers each reading to the span on this thread:
//!   [`span_start`] and [`take_end`] take it instead of reading the counter again.
//!   The span's duration is then exactly the metric's value.

use std::cell::Cell;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

/// The calibrated counter and its scale.
pub(crate) struct Ticks {
    clock: quanta::Clock,
    seconds_per_tick: f64,
    nanos_per_tick: f64,
    /// Ticks in one second: how old a thread's anchor may grow.
    per_second: u64,
    /// Ticks in one millisecond (at least 1): how often an exemplar is offered.
    per_milli: u64,
}

impl Ticks {
    /// Counter ticks in a millisecond (at least 1).
    #[inline]
    pub(crate) fn per_milli(&self) -> u64 {
        self.per_milli
    }
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
            nanos_per_tick,
            per_second: per_second.max(1),
            per_milli: (per_second / 1000).max(1),
        }
    })
}

impl Ticks {
    /// The counter now. Never 0: the TSC counts from reset, the fallback from boot.
    #[inline]
    pub(crate) fn raw(&self) -> u64 {
        self.clock.raw()
    }

    /// Seconds in `elapsed` ticks, read as signed (a wrapped difference is 0).
    #[inline]
    pub(crate) fn seconds_of(&self, elapsed: u64) -> f64 {
        // Signed, so the conversion is one instruction; a call is far shorter than
        // 2^63 ticks.
        #[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)]
        let ticks = (elapsed as i64).max(0) as f64;
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
    time_at(now_nanos())
}

/// The wall-clock time of the counter reading `raw`, taken on this thread.
#[inline]
fn wall_nanos(raw: u64) -> u64 {
    let ticks = ticks();
    // The common case: a reading after this thread's anchor, within its second.
    if let Ok((at, nanos)) = ANCHOR.try_with(Cell::get)
        && at != 0
        && raw >= at
        && raw - at < ticks.per_second
    {
        // Below 2^53 ticks, so exact as a float; the product is below 10^10 ns.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let elapsed = ((raw - at) as f64 * ticks.nanos_per_tick) as u64;
        return nanos + elapsed;
    }
    reanchored_nanos(ticks, raw)
}

/// [`wall_nanos`] off its common case: a first or stale anchor, or a reading
/// offered from before the anchor.
#[cold]
#[inline(never)]
fn reanchored_nanos(ticks: &Ticks, raw: u64) -> u64 {
    ANCHOR
        .try_with(|anchor| {
            let (mut at, mut nanos) = anchor.get();
            // No anchor yet, or one a second old (an offered reading may also be
            // a little older than the anchor): anchor at a fresh reading.
            if at == 0 || raw.abs_diff(at) >= ticks.per_second {
                (at, nanos) = (ticks.raw(), system_nanos());
                anchor.set((at, nanos));
            }
            if raw >= at {
                nanos + ticks.clock.delta_as_nanos(at, raw)
            } else {
                nanos.saturating_sub(ticks.clock.delta_as_nanos(raw, at))
            }
        })
        // The thread is ending: no anchor left.
        .unwrap_or_else(|_| system_nanos())
}

thread_local! {
    /// A metric timer's first reading, offered to the span being made. 0: none.
    static START: Cell<u64> = const { Cell::new(0) };
    /// A metric timer's last reading and its span's id, offered to that span's
    /// close. `(_, 0)`: none.
    static END: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Offers `raw`, just read, as the start of the span about to be made on this
/// thread; [`withdraw_start`] once it is made.
#[inline]
pub(crate) fn offer_start(raw: u64) {
    let _ = START.try_with(|s| s.set(raw));
}

/// Ends [`offer_start`]'s offer: a span that was not made (disabled) leaves
/// nothing for the next one.
#[inline]
pub(crate) fn withdraw_start() {
    let _ = START.try_with(|s| s.set(0));
}

/// Offers `raw`, just read, as the end of span `id`, about to close on this
/// thread. The next span to close here takes the offer, whether it uses it or not,
/// so an offer never outlives the close it was made for.
#[inline]
pub(crate) fn offer_end(id: u64, raw: u64) {
    let _ = END.try_with(|e| e.set((id, raw)));
}

/// A span's start in nanoseconds since the Unix epoch: the offered reading, or the
/// counter now. Spans keep plain nanoseconds (what OTLP sends): no `SystemTime`
/// arithmetic on the application thread.
#[inline]
pub(crate) fn span_start() -> u64 {
    nanos_of(START.try_with(|s| s.replace(0)).unwrap_or(0))
}

/// The wall-clock nanoseconds of the counter reading `raw` taken on this thread,
/// or of the counter now when `raw` is 0.
#[inline]
fn nanos_of(raw: u64) -> u64 {
    wall_nanos(if raw == 0 { ticks().raw() } else { raw })
}

/// The wall-clock time of the counter reading `raw`, taken on this thread, in Unix
/// nanoseconds.
#[inline]
pub(crate) fn nanos_at(raw: u64) -> u64 {
    nanos_of(raw)
}

/// Wall-clock time now, in Unix nanoseconds.
#[inline]
pub(crate) fn now_nanos() -> u64 {
    nanos_of(0)
}

/// Unix nanoseconds as a `SystemTime`.
pub(crate) fn time_at(nanos: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos)
}

/// Takes the end offered for span `id`, closing now: an [`End`] to read later.
#[inline]
pub(crate) fn take_end(id: u64) -> End {
    match END.try_with(|e| e.replace((0, 0))) {
        Ok((offered_for, raw)) if offered_for == id => End(raw),
        _ => End(0),
    }
}

/// A span's end: a reading offered for it, or none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct End(u64);

impl End {
    /// The offered reading's wall-clock time, or now, in Unix nanoseconds.
    #[inline]
    pub(crate) fn nanos(self) -> u64 {
        nanos_of(self.0)
    }
}

fn system_nanos() -> u64 {
    unix_nanos(SystemTime::now())
}

/// The wall clock of sampling decisions that depend on the time: when on-demand
/// rules expire and latency-triggered names cool down, in Unix nanoseconds. The
/// system clock, or one a test sets through the builder's hidden `clock`; never the
/// counter behind span timestamps.
#[derive(Clone)]
pub(crate) struct RuleClock(Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>);

impl std::fmt::Debug for RuleClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RuleClock(manual)"
        } else {
            "RuleClock(system)"
        })
    }
}

/// The system clock.
impl Default for RuleClock {
    fn default() -> Self {
        Self::system()
    }
}

impl RuleClock {
    /// `SystemTime::now()`.
    pub(crate) fn system() -> Self {
        Self(None)
    }

    /// The time `f` says.
    pub(crate) fn manual(f: Arc<dyn Fn() -> SystemTime + Send + Sync>) -> Self {
        Self(Some(f))
    }

    pub(crate) fn now(&self) -> SystemTime {
        match &self.0 {
            None => SystemTime::now(),
            Some(f) => f(),
        }
    }

    /// Nanoseconds since the Unix epoch.
    #[inline]
    pub(crate) fn nanos(&self) -> u64 {
        unix_nanos(self.now())
    }
}

fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`now`] in nanoseconds since the Unix epoch.
    fn now_nanos() -> u64 {
        wall_nanos(ticks().raw())
    }

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
    fn offered_readings_become_the_span_times() {
        let t = ticks();
        let start = t.raw();
        offer_start(start);
        // Made later than the reading: it starts at the reading all the same.
        std::thread::sleep(Duration::from_millis(5));
        let at = time_at(span_start());
        // Taken once: the next span reads the counter.
        assert!(time_at(span_start()) >= at);
        assert_eq!(START.with(Cell::get), 0);
        std::thread::sleep(Duration::from_millis(5));
        let end = t.raw();
        offer_end(7, end);
        // Another span's close takes the offer without using it.
        let other = time_at(take_end(8).nanos());
        assert_eq!(END.with(Cell::get), (0, 0));
        offer_end(7, end);
        let stop = time_at(take_end(7).nanos());
        assert!(other > stop, "{other:?} <= {stop:?}");
        // Both ends are the offered readings: 10 ms apart, not the 5 ms between
        // the calls that took them.
        let between = stop.duration_since(at).unwrap();
        let measured = Duration::from_secs_f64(t.seconds_of(end.wrapping_sub(start)));
        assert!(measured >= Duration::from_millis(10), "{measured:?}");
        let gap = between.abs_diff(measured);
        assert!(
            gap < Duration::from_micros(5),
            "{between:?} vs {measured:?}"
        );
        offer_start(start);
        withdraw_start();
        assert!(time_at(span_start()) > stop);
    }

    #[test]
    fn durations_are_measured() {
        let t = ticks();
        let start = t.raw();
        std::thread::sleep(Duration::from_millis(20));
        let took = t.seconds_of(t.raw().wrapping_sub(start));
        assert!((0.019..5.0).contains(&took), "{took}");
        assert!(
            t.seconds_of(start.wrapping_sub(t.raw())) == 0.0,
            "out of order reads give 0"
        );
    }
}
