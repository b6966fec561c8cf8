//! Sampling decisions at a trace's start — the mode and head ratio, on-demand rules,
//! latency triggers — and whether a trace is kept provisionally for the decision at
//! its end (errors, latency).
//!
//! The policy is an immutable snapshot that the control handle replaces; each thread
//! keeps the snapshot it last saw and compares one generation counter per span (a
//! relaxed load of a line that only changes when an operator acts), so the hot path
//! takes no lock.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};

use super::adaptive::{Adaptive, AdaptivePolicy};
use super::ratio::{by_ratio, ratio_bound};
use super::record::BaggageEntries;
use crate::clock::RuleClock;
use crate::config::{SamplingMode, SamplingSettings, TailSettings};

/// A parent's decision, when the span has a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parent {
    None,
    Local { sampled: bool },
    Remote { sampled: bool },
}

/// Where a rule came from: the config file's rules are replaced when it is reloaded;
/// rules added through the control handle stay until they expire or are removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Config,
    Api,
}

/// An on-demand rule, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) id: String,
    /// Required span name (`span.name`), if any.
    pub(crate) name: Option<String>,
    /// Attribute (or baggage entry) values, as text, that must all match.
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) rate: f64,
    bound: u64,
    /// Unix nanos; `None` while the config file lists the rule.
    pub(crate) expires_at: Option<u64>,
    pub(crate) origin: Origin,
}

impl Rule {
    pub(crate) fn new(
        id: String,
        conditions: Vec<(String, String)>,
        rate: f64,
        expires_at: Option<u64>,
        origin: Origin,
    ) -> Self {
        let mut name = None;
        let mut attrs = Vec::new();
        for (key, value) in conditions {
            if key == "span.name" {
                name = Some(value);
            } else {
                attrs.push((key, value));
            }
        }
        Self {
            id,
            name,
            attrs,
            rate,
            bound: ratio_bound(rate),
            expires_at,
            origin,
        }
    }

    /// The conditions as given (`span.name` first).
    pub(crate) fn conditions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.name
            .iter()
            .map(|n| ("span.name", n.as_str()))
            .chain(self.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    pub(crate) fn live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// Everything the hot path decides with; replaced whole.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) mode: SamplingMode,
    pub(crate) ratio: f64,
    bound: u64,
    pub(crate) parent_based: bool,
    pub(crate) rules: Vec<Rule>,
    /// The latest expiry of a rule (`u64::MAX` when one has none).
    rules_until: u64,
    pub(crate) adaptive: Option<AdaptivePolicy>,
    pub(crate) tail: Option<TailSettings>,
}

impl Policy {
    pub(crate) fn new(s: &SamplingSettings) -> Self {
        let mut p = Self {
            mode: s.mode,
            ratio: s.ratio,
            bound: ratio_bound(s.ratio),
            parent_based: s.parent_based,
            rules: Vec::new(),
            rules_until: 0,
            adaptive: s.adaptive.as_ref().map(AdaptivePolicy::new),
            tail: s.tail,
        };
        p.set_ratio(s.ratio);
        p
    }

    pub(crate) fn set_ratio(&mut self, ratio: f64) {
        self.ratio = ratio;
        self.bound = ratio_bound(ratio);
    }

    pub(crate) fn set_rules(&mut self, rules: Vec<Rule>) {
        self.rules_until = rules
            .iter()
            .map(|r| r.expires_at.unwrap_or(u64::MAX))
            .max()
            .unwrap_or(0);
        self.rules = rules;
    }

    /// The head decision for a local root: mode and ratio (and the remote parent's
    /// flag when parent-based).
    #[inline]
    fn base(&self, trace_id: u128, parent: Parent) -> bool {
        match (self.mode, parent) {
            (SamplingMode::Off, _) => false,
            (_, Parent::Local { sampled }) => sampled,
            (SamplingMode::Full, _) => true,
            (SamplingMode::Ratio, Parent::Remote { sampled }) if self.parent_based => sampled,
            (SamplingMode::Ratio, _) => by_ratio(trace_id, self.bound),
        }
    }
}

/// The decision for a span starting now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Recorded and exported.
    Sampled,
    /// Recorded and held until the local root ends, then kept only for an error or
    /// its latency.
    Provisional,
    /// Not recorded.
    Dropped,
    /// Not recorded because the tail buffer is full (counted under its own reason).
    TailFull,
}

/// What a local root is matched on besides its name.
pub(crate) struct RootInfo<'a> {
    pub(crate) name: &'static str,
    pub(crate) attrs: Option<&'a tracing::span::Attributes<'a>>,
    pub(crate) baggage: Option<&'a BaggageEntries>,
}

/// The shared sampling state of one pipeline.
#[derive(Debug)]
pub(crate) struct Sampler {
    id: u64,
    generation: AtomicU64,
    policy: Mutex<Arc<Policy>>,
    pub(crate) clock: RuleClock,
    pub(crate) adaptive: Adaptive,
    /// Spans held for a tail decision right now.
    pub(crate) tail_buffered: AtomicUsize,
    /// False in mode `off`: the pipeline's filter lets nothing through.
    pub(crate) gate: Arc<AtomicBool>,
}

thread_local! {
    /// This thread's copy of each live sampler's policy: (sampler id, generation, policy).
    static POLICIES: RefCell<Vec<(u64, u64, Arc<Policy>)>> = const { RefCell::new(Vec::new()) };
}

impl Sampler {
    pub(crate) fn new(policy: Policy, clock: RuleClock) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let gate = Arc::new(AtomicBool::new(policy.mode != SamplingMode::Off));
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(1),
            policy: Mutex::new(Arc::new(policy)),
            clock,
            adaptive: Adaptive::default(),
            tail_buffered: AtomicUsize::new(0),
            gate,
        }
    }

    /// The policy now (a shared snapshot).
    pub(crate) fn snapshot(&self) -> Arc<Policy> {
        Arc::clone(&self.policy.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the policy with `f` applied to a copy of it; returns what `f` returns.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Policy) -> R) -> R {
        let mut current = self.policy.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Policy::clone(&current);
        let out = f(&mut next);
        self.gate
            .store(next.mode != SamplingMode::Off, Ordering::Relaxed);
        *current = Arc::new(next);
        self.generation.fetch_add(1, Ordering::Release);
        out
    }

    /// Runs `f` with the current policy, from this thread's copy when it is current.
    #[inline]
    pub(crate) fn with_policy<R>(&self, f: impl FnOnce(&Policy) -> R) -> R {
        let generation = self.generation.load(Ordering::Acquire);
        let mut f = Some(f);
        let hit = POLICIES.try_with(|cache| {
            let cache = cache.borrow();
            let (_, _, policy) = cache
                .iter()
                .find(|(id, g, _)| *id == self.id && *g == generation)?;
            f.take().map(|f| f(policy))
        });
        if let Ok(Some(out)) = hit {
            return out;
        }
        let policy = self.snapshot();
        let _ = POLICIES.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            cache.retain(|(id, _, p)| *id != self.id && Arc::strong_count(p) > 1);
            cache.push((self.id, generation, Arc::clone(&policy)));
        });
        (f.take().expect("not called yet"))(&policy)
    }

    /// The decision for a local root (no parent, or a remote one).
    pub(crate) fn decide_root(
        &self,
        policy: &Policy,
        trace_id: u128,
        parent: Parent,
        root: &RootInfo<'_>,
    ) -> Decision {
        if policy.mode == SamplingMode::Off {
            return Decision::Dropped;
        }
        if policy.base(trace_id, parent) {
            return Decision::Sampled;
        }
        // One clock read, only when a rule or a latency trigger may need it.
        let now =
            (!policy.rules.is_empty() || policy.adaptive.is_some()).then(|| self.clock.nanos());
        if let Some(now) = now
            && now < policy.rules_until
            && rules_sample(policy, now, trace_id, root)
        {
            return Decision::Sampled;
        }
        if let (Some(adaptive), Some(now)) = (&policy.adaptive, now)
            && self.adaptive.triggered(root.name, now)
            && by_ratio(trace_id, adaptive.bound)
        {
            return Decision::Sampled;
        }
        self.provisional(policy)
    }

    /// The decision for a local child: its trace's, and a place in the tail buffer
    /// when the trace is held for its end.
    pub(crate) fn decide_child(
        &self,
        policy: &Policy,
        sampled: bool,
        provisional: bool,
    ) -> Decision {
        if sampled {
            Decision::Sampled
        } else if provisional {
            self.provisional(policy)
        } else {
            Decision::Dropped
        }
    }

    fn provisional(&self, policy: &Policy) -> Decision {
        let Some(tail) = &policy.tail else {
            return Decision::Dropped;
        };
        if !tail.keep_errors && tail.keep_slower_than.is_none() {
            return Decision::Dropped;
        }
        let before = self.tail_buffered.fetch_add(1, Ordering::Relaxed);
        if before < tail.max_buffered_spans {
            Decision::Provisional
        } else {
            self.tail_buffered.fetch_sub(1, Ordering::Relaxed);
            Decision::TailFull
        }
    }

    /// Gives back the tail buffer's room of `n` spans.
    pub(crate) fn release_tail(&self, n: usize) {
        self.tail_buffered.fetch_sub(n, Ordering::Relaxed);
    }
}

/// Whether a rule that matches `root` samples this trace (at the highest matching
/// rate: the same trace-id test against each matching rule's bound).
fn rules_sample(policy: &Policy, now: u64, trace_id: u128, root: &RootInfo<'_>) -> bool {
    let live = || policy.rules.iter().filter(move |r| r.live(now));
    // Cheap first: a rule that would not sample this trace id needs no matching.
    if !live().any(|r| by_ratio(trace_id, r.bound)) {
        return false;
    }
    let mut values = Values::default();
    let needs_fields = live().any(|r| r.name.is_some() || !r.attrs.is_empty());
    if needs_fields && let Some(attrs) = root.attrs {
        let mut visitor = MatchVisitor {
            rules: &policy.rules,
            values: &mut values,
        };
        attrs.record(&mut visitor);
    }
    let name = values.otel_name.as_deref().unwrap_or(root.name);
    live().any(|rule| {
        by_ratio(trace_id, rule.bound)
            && rule.name.as_deref().is_none_or(|n| n == name)
            && rule.attrs.iter().all(|(key, want)| {
                values.get(key).map_or_else(
                    || baggage_value(root.baggage, key).is_some_and(|v| v == want),
                    |v| v == want,
                )
            })
    })
}

fn baggage_value<'a>(baggage: Option<&'a BaggageEntries>, key: &str) -> Option<&'a str> {
    let key = key.strip_prefix("baggage.").unwrap_or(key);
    baggage?
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, (v, _))| v.as_str())
}

/// The root's field values that some rule asks about, as text.
#[derive(Default)]
struct Values {
    otel_name: Option<String>,
    found: Vec<(&'static str, String)>,
}

impl Values {
    fn get(&self, key: &str) -> Option<&str> {
        self.found
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

struct MatchVisitor<'a> {
    rules: &'a [Rule],
    values: &'a mut Values,
}

impl MatchVisitor<'_> {
    fn wanted(&self, field: &Field) -> bool {
        self.rules
            .iter()
            .any(|r| r.attrs.iter().any(|(k, _)| k == field.name()))
    }

    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "otel.name" {
            self.values.otel_name = Some(value);
        } else if self.wanted(field) {
            self.values.found.push((field.name(), value));
        }
    }
}

impl Visit for MatchVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "otel.name" || self.wanted(field) {
            self.put(field, value.to_owned());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.wanted(field) {
            self.put(field, value.to_string());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.wanted(field) {
            self.put(field, value.to_string());
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.wanted(field) {
            self.put(field, value.to_string());
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.wanted(field) {
            self.put(field, value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "otel.name" || self.wanted(field) {
            self.put(field, format!("{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SamplingSettings;

    fn sampler(mode: SamplingMode, ratio: f64, parent_based: bool) -> Sampler {
        let settings = SamplingSettings {
            mode,
            ratio,
            parent_based,
            ..SamplingSettings::default()
        };
        Sampler::new(Policy::new(&settings), RuleClock::system())
    }

    fn root(s: &Sampler, trace: u128, parent: Parent) -> bool {
        let info = RootInfo {
            name: "op",
            attrs: None,
            baggage: None,
        };
        s.with_policy(|p| s.decide_root(p, trace, parent, &info)) == Decision::Sampled
    }

    #[test]
    fn ratios_keep_their_share() {
        let s = sampler(SamplingMode::Ratio, 0.25, false);
        let kept = (0..40_000)
            .filter(|_| root(&s, crate::traces::ids::trace_id(), Parent::None))
            .count();
        assert!((9_000..11_000).contains(&kept), "{kept}");
        let never = sampler(SamplingMode::Ratio, 0.0, false);
        assert!(!root(&never, u128::MAX, Parent::None));
        let always = sampler(SamplingMode::Full, 1.0, true);
        assert!(root(&always, 0, Parent::Remote { sampled: false }));
        let off = sampler(SamplingMode::Off, 1.0, false);
        assert!(!root(&off, 0, Parent::None));
    }

    #[test]
    fn parents_decide_for_children() {
        let off = sampler(SamplingMode::Ratio, 0.0, true);
        assert!(root(&off, 1, Parent::Remote { sampled: true }));
        assert!(!root(&off, 1, Parent::None));
        let on = sampler(SamplingMode::Ratio, 1.0, true);
        assert!(!root(&on, 1, Parent::Remote { sampled: false }));
    }

    #[test]
    fn updates_reach_threads_that_cached_the_policy() {
        let s = sampler(SamplingMode::Ratio, 0.0, false);
        assert!(!root(&s, 7, Parent::None));
        s.update(|p| p.mode = SamplingMode::Full);
        assert!(root(&s, 7, Parent::None));
        assert!(s.gate.load(Ordering::Relaxed));
        s.update(|p| p.mode = SamplingMode::Off);
        assert!(!s.gate.load(Ordering::Relaxed));
    }
}
