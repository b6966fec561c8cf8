//! Latency-triggered sampling: the p99 duration of local roots, per span name, over
//! a sliding window; while it is above the threshold (and for the cooldown after),
//! traces rooted at that name are sampled at the configured rate.
//!
//! Durations go into log-linear buckets (four per power of two, so a p99 is exact to
//! within 25 %), in a ring of time slots that together span the window. Each name's
//! window is shared; threads find it through a cache of their own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::AdaptiveSettings;

use super::ratio::{nanos, ratio_bound};

/// Latency-triggered sampling settings, compiled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdaptivePolicy {
    pub(crate) threshold_ns: u64,
    pub(crate) window_ns: u64,
    pub(crate) rate: f64,
    pub(crate) bound: u64,
    pub(crate) cooldown_ns: u64,
}

impl AdaptivePolicy {
    pub(crate) fn new(a: &AdaptiveSettings) -> Self {
        Self {
            threshold_ns: nanos(a.latency_threshold),
            window_ns: nanos(a.window).max(1),
            rate: a.sample_rate,
            bound: ratio_bound(a.sample_rate),
            cooldown_ns: nanos(a.cooldown),
        }
    }
}

const SLOTS: u64 = 8;
const BUCKETS: usize = 256;

/// The windows of one pipeline.
#[derive(Debug)]
pub(crate) struct Adaptive {
    id: u64,
    names: Mutex<HashMap<&'static str, Arc<Window>>>,
    /// The latest `triggered_until` of any name: past it, nothing is triggered and
    /// the hot path skips the lookup.
    any_until: AtomicU64,
}

impl Default for Adaptive {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            names: Mutex::new(HashMap::new()),
            any_until: AtomicU64::new(0),
        }
    }
}

#[derive(Debug)]
struct Window {
    slots: Vec<Slot>,
    triggered_until: AtomicU64,
    p99_ns: AtomicU64,
    samples: AtomicU64,
    next_eval: AtomicU64,
}

#[derive(Debug)]
struct Slot {
    epoch: AtomicU64,
    counts: Vec<AtomicU32>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            slots: (0..SLOTS)
                .map(|_| Slot {
                    epoch: AtomicU64::new(u64::MAX),
                    counts: (0..BUCKETS).map(|_| AtomicU32::new(0)).collect(),
                })
                .collect(),
            triggered_until: AtomicU64::new(0),
            p99_ns: AtomicU64::new(0),
            samples: AtomicU64::new(0),
            next_eval: AtomicU64::new(0),
        }
    }
}

/// One name's state, for the status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameState {
    pub(crate) name: &'static str,
    pub(crate) triggered: bool,
    pub(crate) p99_ns: u64,
    pub(crate) samples: u64,
    pub(crate) triggered_until: Option<u64>,
}

thread_local! {
    static WINDOWS: RefCell<HashMap<(u64, usize), Arc<Window>>> = RefCell::new(HashMap::new());
}

/// Bucket of a duration in nanoseconds: exact below 4, then four per power of two.
fn bucket(ns: u64) -> usize {
    if ns < 4 {
        return usize::try_from(ns).unwrap_or(0);
    }
    let exp = 63 - u64::from(ns.leading_zeros()); // >= 2
    let sub = (ns >> (exp - 2)) & 3;
    usize::try_from((exp - 1) * 4 + sub).unwrap_or(BUCKETS - 1)
}

/// The largest duration in bucket `i`.
fn bucket_top(i: usize) -> u64 {
    let i = i as u64;
    if i < 4 {
        return i;
    }
    let exp = i / 4 + 1;
    let sub = i % 4;
    ((4 + sub + 1) << (exp - 2)).saturating_sub(1)
}

impl Adaptive {
    fn window(&self, name: &'static str, create: bool) -> Option<Arc<Window>> {
        let key = (self.id, name.as_ptr() as usize);
        let cached = WINDOWS
            .try_with(|w| w.borrow().get(&key).cloned())
            .ok()
            .flatten();
        if cached.is_some() {
            return cached;
        }
        let window = {
            let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
            if create {
                Some(Arc::clone(names.entry(name).or_default()))
            } else {
                names.get(name).cloned()
            }
        }?;
        let _ = WINDOWS.try_with(|w| {
            w.borrow_mut().insert(key, Arc::clone(&window));
        });
        Some(window)
    }

    /// Records a local root's duration and, at most twice per slot, re-evaluates its
    /// name's p99.
    pub(crate) fn record(&self, name: &'static str, ns: u64, now: u64, policy: &AdaptivePolicy) {
        let Some(w) = self.window(name, true) else {
            return;
        };
        let slot_len = (policy.window_ns / SLOTS).max(1);
        let epoch = now / slot_len;
        let slot = &w.slots[usize::try_from(epoch % SLOTS).unwrap_or(0)];
        let seen = slot.epoch.load(Ordering::Acquire);
        if seen != epoch
            && slot
                .epoch
                .compare_exchange(seen, epoch, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            for c in &slot.counts {
                c.store(0, Ordering::Relaxed);
            }
        }
        slot.counts[bucket(ns).min(BUCKETS - 1)].fetch_add(1, Ordering::Relaxed);
        if now >= w.next_eval.load(Ordering::Relaxed) {
            w.next_eval.store(now + slot_len / 2, Ordering::Relaxed);
            self.evaluate(&w, now, policy);
        }
    }

    fn evaluate(&self, w: &Window, now: u64, policy: &AdaptivePolicy) {
        let slot_len = (policy.window_ns / SLOTS).max(1);
        let current = now / slot_len;
        let mut counts = [0u64; BUCKETS];
        let mut total = 0u64;
        for slot in &w.slots {
            let epoch = slot.epoch.load(Ordering::Acquire);
            if epoch == u64::MAX || epoch > current || current - epoch >= SLOTS {
                continue;
            }
            for (sum, c) in counts.iter_mut().zip(&slot.counts) {
                let n = u64::from(c.load(Ordering::Relaxed));
                *sum += n;
                total += n;
            }
        }
        w.samples.store(total, Ordering::Relaxed);
        if total == 0 {
            w.p99_ns.store(0, Ordering::Relaxed);
            return;
        }
        // The smallest bucket holding the 99th percentile.
        let rank = total - total / 100;
        let mut seen = 0;
        let mut p99 = 0;
        for (i, n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                p99 = bucket_top(i);
                break;
            }
        }
        w.p99_ns.store(p99, Ordering::Relaxed);
        if p99 > policy.threshold_ns {
            let until = now.saturating_add(policy.cooldown_ns);
            w.triggered_until.fetch_max(until, Ordering::Relaxed);
            self.any_until.fetch_max(until, Ordering::Relaxed);
        }
    }

    /// Whether traces rooted at `name` are sampled at the adaptive rate now.
    #[inline]
    pub(crate) fn triggered(&self, name: &'static str, now: u64) -> bool {
        if now >= self.any_until.load(Ordering::Relaxed) {
            return false;
        }
        self.window(name, false)
            .is_some_and(|w| now < w.triggered_until.load(Ordering::Relaxed))
    }

    /// Every name's state now (re-evaluated).
    pub(crate) fn states(&self, now: u64, policy: Option<&AdaptivePolicy>) -> Vec<NameState> {
        let names: Vec<_> = self
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(n, w)| (*n, Arc::clone(w)))
            .collect();
        let mut out: Vec<NameState> = names
            .into_iter()
            .map(|(name, w)| {
                if let Some(policy) = policy {
                    self.evaluate(&w, now, policy);
                }
                let until = w.triggered_until.load(Ordering::Relaxed);
                NameState {
                    name,
                    triggered: policy.is_some() && now < until,
                    p99_ns: w.p99_ns.load(Ordering::Relaxed),
                    samples: w.samples.load(Ordering::Relaxed),
                    triggered_until: (now < until).then_some(until),
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(b.name));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn policy() -> AdaptivePolicy {
        AdaptivePolicy {
            threshold_ns: 100 * MS,
            window_ns: 10_000 * MS,
            rate: 1.0,
            bound: u64::MAX,
            cooldown_ns: 30_000 * MS,
        }
    }

    #[test]
    fn buckets_bound_their_values() {
        for ns in [
            0,
            1,
            3,
            4,
            5,
            7,
            8,
            100,
            1_000_000,
            123_456_789,
            u64::MAX / 2,
        ] {
            let b = bucket(ns);
            assert!(bucket_top(b) >= ns, "{ns}");
            assert!(
                bucket_top(b) <= ns + ns / 4 + 1,
                "{ns} -> {}",
                bucket_top(b)
            );
        }
    }

    #[test]
    fn slow_p99_triggers_then_cools_down() {
        let a = Adaptive::default();
        let p = policy();
        let mut now = 1_000_000 * MS;
        // Fast calls: not triggered.
        for _ in 0..1000 {
            a.record("checkout", 10 * MS, now, &p);
            now += MS;
        }
        assert!(!a.triggered("checkout", now));
        // 5 % slow calls (2.5 % of the window) push the p99 over 100 ms.
        for i in 0..1000 {
            let d = if i % 20 == 0 { 400 * MS } else { 10 * MS };
            a.record("checkout", d, now, &p);
            now += MS;
        }
        let state = &a.states(now, Some(&p))[0];
        assert!(state.p99_ns > 100 * MS, "{state:?}");
        assert!(a.triggered("checkout", now));
        assert!(!a.triggered("other", now));
        // The window slides past the slow calls: still triggered within the cooldown…
        now += 20_000 * MS;
        for _ in 0..100 {
            a.record("checkout", 10 * MS, now, &p);
        }
        assert!(a.triggered("checkout", now));
        // …and not after it.
        now += 11_000 * MS;
        a.record("checkout", 10 * MS, now, &p);
        assert!(!a.triggered("checkout", now));
        assert!(!a.states(now, Some(&p))[0].triggered);
    }
}
