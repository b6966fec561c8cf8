//! One annotated function's metric: a `static` the macro writes at the call site (the
//! metric's name, unit, description and the attributes known at compile time), the
//! per-recorder state behind it (the instrument and bound attribute sets), and the
//! timer generated code starts before the body and finishes with the outcome.
//!
//! The hot path: two reads of the TSC clock (`quanta`), which the span's own
//! timestamps reuse (see `clock`), the recorder of the span's
//! subscriber (or the current dispatcher's), an indexed slot (no map, no lock), the
//! bound attribute set of the outcome, and the SDK's bound record (no attribute
//! hashing). Nothing allocates unless the call failed with
//! an error type known only at run time, or a call site sees more outcomes than it
//! has bound slots.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{BoundHistogram, Histogram, Meter};
use semtrace_semconv::keys;

/// A value known at compile time.
#[derive(Debug, Clone, Copy)]
pub enum StaticValue {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Bool(bool),
}

impl StaticValue {
    fn key_value(self, key: &'static str) -> KeyValue {
        match self {
            Self::Str(s) => KeyValue::new(key, s),
            Self::Int(i) => KeyValue::new(key, i),
            Self::Double(d) => KeyValue::new(key, d),
            Self::Bool(b) => KeyValue::new(key, b),
        }
    }
}

/// The unit a call's duration is recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// `s`
    Seconds,
    /// `ms`
    Millis,
}

/// A call site's metric. Written by the macros as a `static`.
#[derive(Debug)]
pub struct MetricSite {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) time_unit: TimeUnit,
    pub(crate) description: &'static str,
    pub(crate) attributes: &'static [(&'static str, StaticValue)],
    /// The slot of this site in every recorder, plus one; 0 until first used.
    index: AtomicUsize,
}

impl MetricSite {
    /// A site recording `name` (a histogram in `unit`) with `attributes`.
    pub const fn new(
        name: &'static str,
        unit: &'static str,
        time_unit: TimeUnit,
        description: &'static str,
        attributes: &'static [(&'static str, StaticValue)],
    ) -> Self {
        Self {
            name,
            unit,
            time_unit,
            description,
            attributes,
            index: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn index(&self) -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let i = self.index.load(Ordering::Relaxed);
        if i != 0 {
            return i - 1;
        }
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .index
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh - 1,
            Err(won) => won - 1,
        }
    }
}

/// What a call's outcome adds to its metric's attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricOutcome {
    /// `http.response.status_code`.
    pub http_status: Option<u16>,
    /// `rpc.response.status_code` (the gRPC code's name).
    pub rpc_status: Option<&'static str>,
    /// `error.type`, when the call failed.
    pub error_type: Option<Cow<'static, str>>,
}

impl MetricOutcome {
    /// A call that returned normally, with `error` when it returned `Err`.
    #[inline]
    pub fn of(error: Option<Cow<'static, str>>) -> Self {
        Self {
            error_type: error,
            ..Self::default()
        }
    }

    /// An HTTP call: a failing status (server 5xx, client 4xx and 5xx) is the
    /// `error.type`, as the HTTP conventions say; else the error the call returned.
    pub fn http(error: Option<Cow<'static, str>>, status: Option<u16>, server: bool) -> Self {
        let failed = status.is_some_and(|c| if server { c >= 500 } else { c >= 400 });
        Self {
            http_status: status,
            rpc_status: None,
            error_type: if failed {
                status.map(status_text)
            } else {
                error
            },
        }
    }

    /// A gRPC call: the code's name, and as `error.type` when it is an error per the
    /// gRPC rules of the side.
    pub fn rpc(error: Option<Cow<'static, str>>, code: Option<i32>, server: bool) -> Self {
        let Some(code) = code else {
            return Self::of(error);
        };
        let name = grpc_name(code);
        Self {
            http_status: None,
            rpc_status: name,
            error_type: if crate::__private::grpc_is_error(code, server) {
                name.map(Cow::Borrowed).or(error)
            } else {
                None
            },
        }
    }

    /// Nothing to add to the call site's attributes.
    #[inline]
    fn is_plain(&self) -> bool {
        self.http_status.is_none() && self.rpc_status.is_none() && self.error_type.is_none()
    }

    #[inline]
    fn key(&self) -> Option<Key> {
        let error = match &self.error_type {
            None => None,
            Some(Cow::Borrowed(s)) => Some(*s),
            // Known only at run time: recorded without a bound slot.
            Some(Cow::Owned(_)) => return None,
        };
        Some(Key {
            http_status: self.http_status,
            rpc_status: self.rpc_status,
            error,
        })
    }

    fn push(&self, attrs: &mut Vec<KeyValue>) {
        if let Some(code) = self.http_status {
            attrs.push(KeyValue::new(
                keys::HTTP_RESPONSE_STATUS_CODE,
                i64::from(code),
            ));
        }
        if let Some(code) = self.rpc_status {
            attrs.push(KeyValue::new(keys::RPC_RESPONSE_STATUS_CODE, code));
        }
        match &self.error_type {
            Some(Cow::Borrowed(s)) => attrs.push(KeyValue::new(keys::ERROR_TYPE, *s)),
            Some(Cow::Owned(s)) => attrs.push(KeyValue::new(keys::ERROR_TYPE, s.clone())),
            None => {}
        }
    }
}

/// A status code as `error.type` text, without allocating per call.
fn status_text(code: u16) -> Cow<'static, str> {
    static TEXT: OnceLock<Vec<&'static str>> = OnceLock::new();
    let table = TEXT.get_or_init(|| {
        (100..600)
            .map(|c: u16| &*Box::leak(c.to_string().into_boxed_str()))
            .collect()
    });
    match code
        .checked_sub(100)
        .and_then(|i| table.get(usize::from(i)))
    {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(code.to_string()),
    }
}

fn grpc_name(code: i32) -> Option<&'static str> {
    match crate::__private::grpc_code_name(code) {
        Cow::Borrowed(s) => Some(s),
        Cow::Owned(_) => None,
    }
}

/// An outcome attribute set, compared to find its bound instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    http_status: Option<u16>,
    rpc_status: Option<&'static str>,
    error: Option<&'static str>,
}

/// Bound attribute sets per call site: the outcomes a handler commonly sees (a few
/// status codes, an error type or two).
const BOUND: usize = 8;
/// Call sites with a slot of their own in each recorder; more share a locked map.
const SLOTS: usize = 4096;

/// A call site's instrument in one recorder.
struct SiteState {
    histogram: Histogram<f64>,
    base: Vec<KeyValue>,
    /// The outcome with nothing to add (the call succeeded, no status code): the
    /// common case, found without comparing keys.
    plain: OnceLock<BoundHistogram<f64>>,
    bound: [OnceLock<(Key, BoundHistogram<f64>)>; BOUND],
}

impl SiteState {
    fn new(meter: &Meter, site: &MetricSite) -> Self {
        let mut builder = meter
            .f64_histogram(site.name)
            .with_unit(site.unit)
            .with_description(site.description);
        if matches!(site.unit, "s" | "ms") {
            let scale = if site.unit == "ms" { 1000.0 } else { 1.0 };
            builder =
                builder.with_boundaries(DURATION_BOUNDARIES.iter().map(|b| b * scale).collect());
        }
        Self {
            histogram: builder.build(),
            base: site
                .attributes
                .iter()
                .map(|(k, v)| v.key_value(k))
                .collect(),
            plain: OnceLock::new(),
            bound: Default::default(),
        }
    }

    #[inline]
    fn record(&self, value: f64, outcome: &MetricOutcome) {
        if outcome.is_plain() {
            self.plain
                .get_or_init(|| self.histogram.bind(&self.base))
                .record(value);
            return;
        }
        if let Some(key) = outcome.key() {
            for slot in &self.bound {
                let (k, bound) =
                    slot.get_or_init(|| (key, self.histogram.bind(&self.attrs(outcome))));
                if *k == key {
                    bound.record(value);
                    return;
                }
            }
        }
        self.histogram.record(value, &self.attrs(outcome));
    }

    fn attrs(&self, outcome: &MetricOutcome) -> Vec<KeyValue> {
        let mut attrs = Vec::with_capacity(self.base.len() + 3);
        attrs.extend(self.base.iter().cloned());
        outcome.push(&mut attrs);
        attrs
    }
}

/// The boundaries the HTTP and database conventions advise for durations in seconds.
pub(crate) const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The call sites' instruments of one meter.
pub(crate) struct Sites {
    meter: Meter,
    slots: Box<[OnceLock<SiteState>]>,
    more: Mutex<std::collections::HashMap<usize, Arc<SiteState>>>,
}

impl std::fmt::Debug for Sites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sites").finish_non_exhaustive()
    }
}

/// Recorders alive in this process. While there are none (metrics off), a timer
/// reads no clock.
static RECORDERS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Sites {
    fn drop(&mut self) {
        RECORDERS.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Sites {
    pub(crate) fn new(meter: Meter) -> Self {
        RECORDERS.fetch_add(1, Ordering::Relaxed);
        Self {
            meter,
            slots: (0..SLOTS).map(|_| OnceLock::new()).collect(),
            more: Mutex::default(),
        }
    }

    #[inline]
    pub(crate) fn record(&self, site: &MetricSite, value: f64, outcome: &MetricOutcome) {
        let i = site.index();
        if let Some(slot) = self.slots.get(i) {
            slot.get_or_init(|| SiteState::new(&self.meter, site))
                .record(value, outcome);
        } else {
            let state = Arc::clone(
                self.more
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(i)
                    .or_insert_with(|| Arc::new(SiteState::new(&self.meter, site))),
            );
            state.record(value, outcome);
        }
    }
}

/// Times one call of an annotated function; generated code finishes it with the
/// outcome. Dropped unfinished while panicking, it records `error.type = "panic"`; a
/// future dropped before it completed records nothing.
#[derive(Debug)]
pub struct MetricTimer {
    site: &'static MetricSite,
    /// Raw clock ticks (the TSC where it is reliable), scaled only at the end.
    start: u64,
    done: bool,
}

/// The start of a call not timed. No clock reads 0 ticks: the TSC counts from
/// reset, the monotonic fallback from boot.
const NOT_TIMED: u64 = 0;

impl MetricTimer {
    /// Starts timing a call of `site`; a call that starts while no recorder exists
    /// is not timed (metrics are off: the cost is one load).
    ///
    /// Generated code starts the timer just before it makes the call's span and
    /// calls [`span_made`](Self::span_made) right after: the span starts at the
    /// timer's reading instead of reading the clock again.
    #[inline]
    pub fn start(site: &'static MetricSite) -> Self {
        let start = if RECORDERS.load(Ordering::Relaxed) == 0 {
            NOT_TIMED
        } else {
            let raw = crate::clock::ticks().raw();
            crate::clock::offer_start(raw);
            raw
        };
        Self {
            site,
            start,
            done: false,
        }
    }

    /// The call's span is made: its start is no longer offered to spans made later.
    #[inline]
    pub fn span_made(&self) {
        if self.start != NOT_TIMED {
            crate::clock::withdraw_start();
        }
    }

    /// Records the call with its outcome through the recorder of `span`'s
    /// subscriber, or of the current dispatcher when the span is disabled.
    #[inline]
    pub fn finish(mut self, span: &tracing::Span, outcome: &MetricOutcome) {
        self.done = true;
        self.record(Some(span), outcome);
    }

    #[inline]
    fn record(&self, span: Option<&tracing::Span>, outcome: &MetricOutcome) {
        if self.start == NOT_TIMED {
            return;
        }
        let ticks = crate::clock::ticks();
        let end = ticks.raw();
        if let Some(id) = span.and_then(tracing::Span::id) {
            // The span closes next, at this reading.
            crate::clock::offer_end(id.into_u64(), end);
        }
        let seconds = ticks.seconds(self.start, end);
        let value = match self.site.time_unit {
            TimeUnit::Seconds => seconds,
            TimeUnit::Millis => seconds * 1e3,
        };
        let record = |dispatch: &tracing::Dispatch| {
            if let Some(sites) = super::sites_of(dispatch) {
                sites.record(self.site, value, outcome);
            }
        };
        // An enabled span holds its subscriber: no lookup of the current one.
        if span
            .and_then(|span| span.with_subscriber(|(_, dispatch)| record(dispatch)))
            .is_none()
        {
            tracing::dispatcher::get_default(record);
        }
    }
}

impl Drop for MetricTimer {
    fn drop(&mut self) {
        if !self.done && std::thread::panicking() {
            self.record(None, &MetricOutcome::of(Some(Cow::Borrowed("panic"))));
        }
    }
}
