//! The recorder: each call site's instrument in one meter, with bound attribute sets,
//! and the threads' buffers of measurements not yet recorded into them (see
//! `buffer`). The recorder's drain thread, or the next collection, scales the
//! buffered ticks and makes the SDK's bound record (no attribute hashing) off the
//! call's thread. Nothing allocates unless the call failed with an error type known
//! only at run time, or a call site sees more outcomes than it has bound slots
//! (those, and calls on sites past the first 4096, record into the SDK directly).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{BoundHistogram, BoundUpDownCounter, Histogram, Meter, UpDownCounter};
use semtrace_semconv::keys;

use crate::config::ExemplarFilter;

use super::buffer::{Pushed, Ring};
use super::exemplars::{Reservoir, Series, SpanIds};
use super::outcome::{Key, MetricOutcome};
use super::site::{MetricSite, TimeUnit};
use super::value::MetricValue;

/// What tells one bound attribute set from another: the outcome's part, and the
/// per-call attributes with a value.
type BoundKey = (Key, Box<[(&'static str, DynKey)]>);

/// Per-call attributes (see `__private::dynamic`): their keys and values.
pub(crate) type Dynamic<'a> = &'a [(&'static str, MetricValue)];

/// A per-call attribute as a bound set's key holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DynKey {
    Str(&'static str),
    Int(i64),
}

/// Whether a per-call value is text past the interned ones: it has no
/// `&'static str` to key a bound set with, so the call records without one.
fn unbindable(dynamic: Dynamic<'_>) -> bool {
    dynamic
        .iter()
        .any(|(_, v)| matches!(v, MetricValue::Str(Cow::Owned(_))))
}

/// The per-call attributes with a value, as a bound set's key holds them (none of
/// them [`unbindable`]).
fn dyn_keys(dynamic: Dynamic<'_>) -> Box<[(&'static str, DynKey)]> {
    dynamic
        .iter()
        .filter_map(|(k, v)| match v {
            MetricValue::Str(Cow::Borrowed(s)) => Some((*k, DynKey::Str(s))),
            MetricValue::Int(i) => Some((*k, DynKey::Int(*i))),
            MetricValue::None | MetricValue::Str(Cow::Owned(_)) => None,
        })
        .collect()
}

/// Whether `dynamic`'s values are the bound set's `keys`.
#[inline]
fn same_dyn(keys: &[(&'static str, DynKey)], dynamic: Dynamic<'_>) -> bool {
    let mut keys = keys.iter();
    for (k, v) in dynamic {
        let value = match v {
            MetricValue::None => continue,
            MetricValue::Str(Cow::Borrowed(s)) => DynKey::Str(s),
            MetricValue::Str(Cow::Owned(_)) => return false,
            MetricValue::Int(i) => DynKey::Int(*i),
        };
        if keys.next() != Some(&(*k, value)) {
            return false;
        }
    }
    keys.next().is_none()
}

/// A bound attribute set of `http.server.active_requests`: method and scheme.
type ActiveSet = ((&'static str, &'static str), BoundUpDownCounter<i64>);

/// Bound attribute sets per call site: the outcomes a handler commonly sees (a few
/// status codes, an error type or two).
const BOUND: usize = 8;
/// Call sites with a slot of their own in each recorder; more share a locked map.
const SLOTS: usize = 4096;

/// A call site's instrument in one recorder.
struct SiteState {
    histogram: Histogram<f64>,
    time_unit: TimeUnit,
    base: Vec<KeyValue>,
    /// The upper boundaries of the buckets, in the site's unit, when the histogram
    /// is a duration's (the ones exemplars are kept for).
    bounds: Option<Box<[f64]>>,
    /// The outcome with nothing to add (the call succeeded, no status code): the
    /// common case, found without comparing keys.
    plain: OnceLock<(BoundHistogram<f64>, Reservoir)>,
    bound: [OnceLock<(BoundKey, BoundHistogram<f64>, Reservoir)>; BOUND],
}

impl SiteState {
    fn new(meter: &Meter, site: &MetricSite) -> Self {
        let mut builder = meter
            .f64_histogram(site.name)
            .with_unit(site.unit)
            .with_description(site.description);
        let mut bounds = None;
        if matches!(site.unit, "s" | "ms") {
            let scale = if site.unit == "ms" { 1000.0 } else { 1.0 };
            let scaled: Vec<f64> = super::site::DURATION_BOUNDARIES
                .iter()
                .map(|b| b * scale)
                .collect();
            bounds = Some(scaled.clone().into_boxed_slice());
            builder = builder.with_boundaries(scaled);
        }
        Self {
            histogram: builder.build(),
            time_unit: site.time_unit,
            bounds,
            base: site
                .attributes
                .iter()
                .map(|(k, v)| v.key_value(k))
                .collect(),
            plain: OnceLock::new(),
            bound: Default::default(),
        }
    }

    /// The bound instrument for `outcome` (0: the plain one, 1.. the others),
    /// binding it on first use; `None` when it has no slot (recorded unbound).
    #[inline]
    fn slot(&self, outcome: &MetricOutcome, dynamic: Dynamic<'_>) -> Option<u64> {
        if outcome.is_plain() && dynamic.iter().all(|(_, v)| *v == MetricValue::None) {
            self.plain.get_or_init(|| {
                (
                    self.histogram.bind(&self.base),
                    Reservoir::new(self.base.clone()),
                )
            });
            return Some(0);
        }
        let key = outcome.key()?;
        if unbindable(dynamic) {
            return None;
        }
        for (i, slot) in (1..).zip(&self.bound) {
            let ((k, dyn_k), _, _) = slot.get_or_init(|| {
                let attrs = self.attrs(outcome, dynamic);
                (
                    (key, dyn_keys(dynamic)),
                    self.histogram.bind(&attrs),
                    Reservoir::new(attrs),
                )
            });
            if *k == key && same_dyn(dyn_k, dynamic) {
                return Some(i);
            }
        }
        None
    }

    /// A call's duration of `elapsed` clock ticks in the site's unit.
    #[inline]
    fn value(&self, elapsed: u64) -> f64 {
        let seconds = crate::clock::ticks().seconds_of(elapsed);
        match self.time_unit {
            TimeUnit::Seconds => seconds,
            TimeUnit::Millis => seconds * 1e3,
        }
    }

    /// Records `elapsed` ticks into bound instrument `slot`, bound by
    /// [`slot`](Self::slot).
    #[inline]
    fn record_bound(&self, slot: u64, elapsed: u64) {
        let value = self.value(elapsed);
        if let Some((bound, _)) = self.bound_at(slot) {
            bound.record(value);
        }
    }

    /// Bound instrument `slot` and its exemplars, once bound.
    #[inline]
    fn bound_at(&self, slot: u64) -> Option<(&BoundHistogram<f64>, &Reservoir)> {
        match slot {
            0 => self.plain.get().map(|(bound, r)| (bound, r)),
            i => usize::try_from(i - 1)
                .ok()
                .and_then(|i| self.bound.get(i))
                .and_then(OnceLock::get)
                .map(|(_, bound, r)| (bound, r)),
        }
    }

    /// Offers a call of `elapsed` ticks that ended at clock reading `end` to bound
    /// set `slot`'s exemplars, when they take an offer now (at most one a
    /// millisecond): only then are its span's `ids` asked for.
    #[inline]
    fn offer(&self, slot: u64, elapsed: u64, end: u64, ids: impl FnOnce() -> Option<SpanIds>) {
        let Some(bounds) = &self.bounds else { return };
        let Some((_, reservoir)) = self.bound_at(slot) else {
            return;
        };
        if !reservoir.takes_offer(end, crate::clock::ticks().per_milli()) {
            return;
        }
        if let Some(ids) = ids() {
            reservoir.offer(
                bounds,
                self.value(elapsed),
                crate::clock::nanos_at(end),
                ids,
            );
        }
    }

    /// The exemplars of each bound set that has any.
    fn exemplars(&self, site: &MetricSite, out: &mut Vec<Series>) {
        let plain = self.plain.get().map(|(_, r)| r);
        let bound = self.bound.iter().filter_map(|b| b.get().map(|(_, _, r)| r));
        for reservoir in plain.into_iter().chain(bound) {
            let exemplars = reservoir.exemplars();
            if !exemplars.is_empty() {
                out.push(Series {
                    name: site.name,
                    unit: site.unit,
                    attributes: reservoir.attributes().to_vec(),
                    exemplars,
                });
            }
        }
    }

    fn record_unbound(&self, elapsed: u64, outcome: &MetricOutcome, dynamic: Dynamic<'_>) {
        self.histogram
            .record(self.value(elapsed), &self.attrs(outcome, dynamic));
    }

    fn attrs(&self, outcome: &MetricOutcome, dynamic: Dynamic<'_>) -> Vec<KeyValue> {
        let mut attrs = Vec::with_capacity(self.base.len() + 3 + dynamic.len());
        attrs.extend(self.base.iter().cloned());
        outcome.push(&mut attrs);
        for (key, value) in dynamic {
            match value {
                MetricValue::None => {}
                MetricValue::Str(Cow::Borrowed(s)) => attrs.push(KeyValue::new(*key, *s)),
                MetricValue::Str(Cow::Owned(s)) => attrs.push(KeyValue::new(*key, s.clone())),
                MetricValue::Int(i) => attrs.push(KeyValue::new(*key, *i)),
            }
        }
        attrs
    }
}

/// The boundaries the GenAI conventions advise for `gen_ai.client.token.usage`.
const TOKEN_BOUNDARIES: [f64; 14] = [
    1.0,
    4.0,
    16.0,
    64.0,
    256.0,
    1024.0,
    4096.0,
    16384.0,
    65536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
    67_108_864.0,
];

/// The call sites' instruments of one meter, and the threads' buffers of
/// measurements not yet recorded into them (see `buffer`).
pub(crate) struct Sites {
    /// Tells this recorder's buffers from other recorders' on a thread.
    id: u64,
    meter: Meter,
    /// Which calls are offered to the exemplars.
    filter: ExemplarFilter,
    /// The site of each slot in use, for reading exemplars (names and units).
    slots: Box<[OnceLock<(&'static MetricSite, SiteState)>]>,
    more: Mutex<std::collections::HashMap<usize, (&'static MetricSite, Arc<SiteState>)>>,
    /// Every thread's ring; locked by whoever drains (one reader at a time).
    rings: Mutex<Vec<Arc<Ring>>>,
    /// The thread that drains the rings between collections.
    drainer: OnceLock<std::thread::Thread>,
    /// Set when the meter provider shut down: the drain thread ends.
    stopped: std::sync::atomic::AtomicBool,
    /// `gen_ai.client.token.usage`, made when a GenAI call first reports tokens.
    tokens: OnceLock<Histogram<u64>>,
    /// `http.server.active_requests`, made when the HTTP server layer first counts,
    /// with its commonly seen attribute sets bound.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    active: OnceLock<UpDownCounter<i64>>,
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    active_bound: [OnceLock<ActiveSet>; BOUND],
    /// `http.server.request.body.size` and `http.server.response.body.size`, made
    /// when a server layer that records body sizes first sees a body.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    body_sizes: OnceLock<[Histogram<u64>; 2]>,
}

impl std::fmt::Debug for Sites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sites").finish_non_exhaustive()
    }
}

/// The recorder's exemplars for the exporters, which are built before it: a handle
/// set once the recorder exists, holding it weakly.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExemplarSource(Arc<OnceLock<std::sync::Weak<Sites>>>);

impl ExemplarSource {
    pub(crate) fn set(&self, sites: &Arc<Sites>) {
        let _ = self.0.set(Arc::downgrade(sites));
    }

    /// The exemplars kept so far; none once the recorder is gone.
    #[cfg_attr(
        not(any(feature = "prometheus", feature = "otlp-grpc", feature = "otlp-http")),
        allow(dead_code)
    )]
    pub(crate) fn series(&self) -> Vec<Series> {
        self.0
            .get()
            .and_then(std::sync::Weak::upgrade)
            .map_or_else(Vec::new, |sites| sites.exemplars())
    }
}

/// Recorders alive in this process. While there are none (metrics off), a timer
/// reads no clock.
pub(crate) static RECORDERS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Sites {
    fn drop(&mut self) {
        RECORDERS.fetch_sub(1, Ordering::Relaxed);
        // Its drain thread ends when it wakes and finds the recorder gone.
        if let Some(drainer) = self.drainer.get() {
            drainer.unpark();
        }
    }
}

/// A measurement in a ring is one word: the site's slot, the bound instrument's
/// (0 for the plain one, then the others), and the call's clock ticks.
const BOUND_BITS: u32 = 4;
const TICK_BITS: u32 = 48;
const _: () = assert!(BOUND < (1 << BOUND_BITS));
const _: () = assert!(SLOTS <= 1 << (64 - TICK_BITS - BOUND_BITS));

/// The drain thread's longest sleep; busy writers wake it sooner, and every
/// collection drains first anyway.
const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Sites {
    /// A recorder for `meter`'s instruments, with its drain thread. Collections
    /// drain too: the callback of `semtrace.spans.dropped` does it first (see
    /// `Metrics::observe_pipeline`).
    pub(crate) fn new(meter: Meter, filter: ExemplarFilter) -> Arc<Self> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        RECORDERS.fetch_add(1, Ordering::Relaxed);
        let sites = Arc::new(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            meter,
            filter,
            slots: (0..SLOTS).map(|_| OnceLock::new()).collect(),
            more: Mutex::default(),
            rings: Mutex::default(),
            drainer: OnceLock::new(),
            stopped: std::sync::atomic::AtomicBool::new(false),
            tokens: OnceLock::new(),
            active: OnceLock::new(),
            active_bound: Default::default(),
            body_sizes: OnceLock::new(),
        });
        let weak = Arc::downgrade(&sites);
        let spawned = std::thread::Builder::new()
            .name("semtrace-metrics-drain".to_owned())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(DRAIN_EVERY);
                    let Some(sites) = weak.upgrade() else { return };
                    if sites.stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    sites.drain();
                }
            });
        if let Ok(handle) = spawned {
            let _ = sites.drainer.set(handle.thread().clone());
        }
        // Without a drain thread, collections still drain; full rings record directly.
        sites
    }

    /// Records a call of `elapsed` ticks that ended at clock reading `end`;
    /// `ids`, for a call with a span, tells the span's ids when its exemplars take
    /// an offer (called at most once, and only when some filter could keep it).
    #[inline]
    pub(crate) fn record(
        &self,
        site: &'static MetricSite,
        (elapsed, end): (u64, u64),
        outcome: &MetricOutcome,
        dynamic: Dynamic<'_>,
        ids: Option<impl FnOnce() -> Option<SpanIds>>,
    ) {
        if let Some(tokens) = outcome.tokens {
            self.record_tokens(site, tokens, dynamic);
        }
        let i = site.index();
        if let Some(slot) = self.slots.get(i) {
            let (_, state) = slot.get_or_init(|| (site, SiteState::new(&self.meter, site)));
            match state.slot(outcome, dynamic) {
                Some(bound) => {
                    self.exemplar(state, bound, elapsed, end, ids);
                    self.buffer(state, i, bound, elapsed);
                }
                None => state.record_unbound(elapsed, outcome, dynamic),
            }
        } else {
            let state = Arc::clone(
                &self
                    .more
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(i)
                    .or_insert_with(|| (site, Arc::new(SiteState::new(&self.meter, site))))
                    .1,
            );
            match state.slot(outcome, dynamic) {
                Some(bound) => {
                    self.exemplar(&state, bound, elapsed, end, ids);
                    state.record_bound(bound, elapsed);
                }
                None => state.record_unbound(elapsed, outcome, dynamic),
            }
        }
    }

    /// Offers the call to its bound set's exemplars when the filter keeps it: a
    /// sampled span's under `trace_based`, any span's under `always_on`.
    #[inline]
    fn exemplar(
        &self,
        state: &SiteState,
        bound: u64,
        elapsed: u64,
        end: u64,
        ids: Option<impl FnOnce() -> Option<SpanIds>>,
    ) {
        // A call without a span has no exemplar to give, and takes no offer.
        let Some(ids) = ids else { return };
        if self.filter == ExemplarFilter::AlwaysOff || state.bounds.is_none() {
            return;
        }
        let always = self.filter == ExemplarFilter::AlwaysOn;
        state.offer(bound, elapsed, end, || {
            ids().filter(|ids| ids.sampled || always)
        });
    }

    /// The exemplars kept so far, per bound attribute set of every call site.
    pub(crate) fn exemplars(&self) -> Vec<Series> {
        let mut out = Vec::new();
        for (site, state) in self.slots.iter().filter_map(OnceLock::get) {
            state.exemplars(site, &mut out);
        }
        let more: Vec<_> = self
            .more
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|(site, state)| (*site, Arc::clone(state)))
            .collect();
        for (site, state) in more {
            state.exemplars(site, &mut out);
        }
        out
    }

    /// A GenAI call's token counts into `gen_ai.client.token.usage`, one point per
    /// `gen_ai.token.type`, with the call site's attributes (not its outcome's: the
    /// metric has no `error.type`). Unbound: a model call's cost dwarfs the lookup.
    #[cold]
    fn record_tokens(
        &self,
        site: &MetricSite,
        (input, output): (Option<u64>, Option<u64>),
        dynamic: Dynamic<'_>,
    ) {
        let histogram = self.tokens.get_or_init(|| {
            self.meter
                .u64_histogram(keys::GEN_AI_CLIENT_TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used.")
                .with_boundaries(TOKEN_BOUNDARIES.to_vec())
                .build()
        });
        let mut attrs: Vec<KeyValue> = site
            .attributes
            .iter()
            .map(|(k, v)| v.key_value(k))
            .collect();
        for (key, value) in dynamic {
            match value {
                MetricValue::None => {}
                MetricValue::Str(s) => attrs.push(KeyValue::new(*key, s.to_string())),
                MetricValue::Int(i) => attrs.push(KeyValue::new(*key, *i)),
            }
        }
        for (kind, count) in [("input", input), ("output", output)] {
            if let Some(count) = count {
                attrs.push(KeyValue::new(keys::GEN_AI_TOKEN_TYPE, kind));
                histogram.record(count, &attrs);
                attrs.pop();
            }
        }
    }

    /// Adds `delta` to `http.server.active_requests` for `method` and `scheme`: through
    /// a bound attribute set for the first few pairs seen, then unbound.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn active_requests(&self, method: &'static str, scheme: &'static str, delta: i64) {
        let attrs = |(method, scheme): (&'static str, &'static str)| {
            [
                KeyValue::new("http.request.method", method),
                KeyValue::new("url.scheme", scheme),
            ]
        };
        let key = (method, scheme);
        for slot in &self.active_bound {
            let (bound_key, bound) =
                slot.get_or_init(|| (key, self.active_counter().bind(&attrs(key))));
            if *bound_key == key {
                bound.add(delta);
                return;
            }
        }
        self.active_counter().add(delta, &attrs(key));
    }

    /// Records an HTTP server's request (`response` false) or response body size.
    /// Unbound: only a server layer that opts in records them.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn body_size(&self, response: bool, bytes: u64, attrs: &[KeyValue]) {
        let [request_sizes, response_sizes] = self.body_sizes.get_or_init(|| {
            [
                (
                    "http.server.request.body.size",
                    "Size of HTTP server request bodies.",
                ),
                (
                    "http.server.response.body.size",
                    "Size of HTTP server response bodies.",
                ),
            ]
            .map(|(name, description)| {
                self.meter
                    .u64_histogram(name)
                    .with_unit("By")
                    .with_description(description)
                    .build()
            })
        });
        let histogram = if response {
            response_sizes
        } else {
            request_sizes
        };
        histogram.record(bytes, attrs);
    }

    fn active_counter(&self) -> &UpDownCounter<i64> {
        self.active.get_or_init(|| {
            self.meter
                .i64_up_down_counter("http.server.active_requests")
                .with_unit("{request}")
                .with_description("Number of active HTTP server requests.")
                .build()
        })
    }

    /// Buffers a measurement of bound instrument `bound` of site slot `site`.
    #[inline]
    fn buffer(&self, state: &SiteState, site: usize, bound: u64, elapsed: u64) {
        if elapsed >= 1 << TICK_BITS {
            // Days long, or a reading out of order: no room in a word.
            return state.record_bound(bound, elapsed);
        }
        let entry = ((((site as u64) << BOUND_BITS) | bound) << TICK_BITS) | elapsed;
        let pushed = super::buffer::with_ring(
            self.id,
            || {
                let ring = Arc::new(Ring::default());
                self.rings
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Arc::clone(&ring));
                ring
            },
            |ring| ring.push(entry),
        );
        match pushed {
            Some(Pushed::Yes) => {}
            Some(Pushed::Wake) => {
                if let Some(drainer) = self.drainer.get() {
                    drainer.unpark();
                }
            }
            Some(Pushed::Full) | None => state.record_bound(bound, elapsed),
        }
    }

    /// Ends the drain thread, once the meter provider has shut down (its last
    /// collection drained the rings).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        if let Some(drainer) = self.drainer.get() {
            drainer.unpark();
        }
    }

    /// Records every buffered measurement into its instrument, and forgets the rings
    /// of threads that ended.
    ///
    /// Returns how many measurements it recorded.
    pub(crate) fn drain(&self) -> usize {
        let mut rings = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut record = |entry: u64| {
            let key = entry >> TICK_BITS;
            let site = usize::try_from(key >> BOUND_BITS).unwrap_or(usize::MAX);
            if let Some((_, state)) = self.slots.get(site).and_then(OnceLock::get) {
                state.record_bound(
                    key & ((1 << BOUND_BITS) - 1),
                    entry & ((1 << TICK_BITS) - 1),
                );
            }
        };
        let mut drained = 0;
        for ring in rings.iter() {
            drained += ring.drain(&mut record);
        }
        // A ring only this list holds belongs to a thread that ended (or moved on to
        // other recorders): it gets no more entries, so after a last drain it goes.
        rings.retain(|ring| {
            if Arc::strong_count(ring) > 1 {
                return true;
            }
            // Its writer's last entries happened before it let go of the ring.
            std::sync::atomic::fence(Ordering::Acquire);
            drained += ring.drain(&mut record);
            false
        });
        drained
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::site::StaticValue;

    static SITE: MetricSite = MetricSite::new(
        "task.duration",
        "s",
        TimeUnit::Seconds,
        "test",
        &[("task.type", StaticValue::Str("t"))],
    );

    #[test]
    fn per_call_values_choose_their_bound_set_and_owned_text_gets_none() {
        use opentelemetry::metrics::MeterProvider as _;
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        let state = SiteState::new(&provider.meter("test"), &SITE);
        let plain = MetricOutcome::default();
        let str_value = |s: &'static str| [("db.namespace", MetricValue::Str(Cow::Borrowed(s)))];
        let owned = [("db.namespace", MetricValue::Str(Cow::Owned("past".into())))];
        let none = [("db.namespace", MetricValue::None)];

        assert_eq!(state.slot(&plain, &[]), Some(0));
        assert_eq!(
            state.slot(&plain, &none),
            Some(0),
            "no value: the plain set"
        );
        // Text past the interned values has no static key: no bound set, before or
        // after other sets took their slots.
        assert_eq!(state.slot(&plain, &owned), None);
        assert_eq!(state.slot(&plain, &str_value("eu")), Some(1));
        assert_eq!(state.slot(&plain, &str_value("us")), Some(2));
        assert_eq!(state.slot(&plain, &str_value("eu")), Some(1));
        assert_eq!(state.slot(&plain, &owned), None);
        let port = [("server.port", MetricValue::Int(5432))];
        assert_eq!(state.slot(&plain, &port), Some(3));
        let error = MetricOutcome::of(Some(Cow::Borrowed("timeout")));
        assert_eq!(state.slot(&error, &str_value("eu")), Some(4));
        assert_eq!(state.slot(&error, &[]), Some(5));
    }
}
