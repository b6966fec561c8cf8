//! The timer generated code starts before an annotated function's body and finishes
//! with its outcome.
//!
//! The hot path: two reads of the TSC clock (`quanta`), which the span's own
//! timestamps reuse (see `clock`), the recorder of the span's subscriber (or the
//! current dispatcher's), an indexed slot (no map, no lock), the bound attribute set
//! of the outcome, and one word into the thread's ring (see `recorder`).

use std::borrow::Cow;
use std::sync::atomic::Ordering;

use super::outcome::MetricOutcome;
use super::recorder::{Dynamic, RECORDERS};
use super::site::MetricSite;
use super::value::MetricValue;

/// Times one call of an annotated function; generated code finishes it with the
/// outcome. Dropped unfinished while panicking, it records `error.type = "panic"`; a
/// future dropped before it completed records nothing.
#[derive(Debug)]
pub struct MetricTimer {
    site: &'static MetricSite,
    /// Raw clock ticks (the TSC where it is reliable), scaled only at the end;
    /// [`NOT_TIMED`] once finished. Two words and no flag: generated code moves the
    /// timer between a few stack slots, and a byte written then read back as part of
    /// a word stalls store forwarding (it made the disabled path 5× slower).
    start: u64,
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
        Self { site, start }
    }

    /// A timer that times nothing (finishing it records nothing): the call's
    /// duration is recorded elsewhere (an HTTP server layer's span it joined).
    #[inline]
    #[must_use]
    pub const fn off(site: &'static MetricSite) -> Self {
        Self {
            site,
            start: NOT_TIMED,
        }
    }

    /// Whether the call is timed (some recorder exists): generated code finds a
    /// client's server in its URL only when something records it.
    #[inline]
    pub fn timing(&self) -> bool {
        self.start != NOT_TIMED
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
    pub fn finish(self, span: &tracing::Span, outcome: &MetricOutcome) {
        self.finish_with(span, outcome, &[]);
    }

    /// [`finish`](Self::finish) with attributes known only per call.
    #[inline]
    pub fn finish_with(
        mut self,
        span: &tracing::Span,
        outcome: &MetricOutcome,
        dynamic: &[(&'static str, MetricValue)],
    ) {
        self.record(Some(span), outcome, dynamic);
        self.start = NOT_TIMED;
    }

    #[inline]
    fn record(&self, span: Option<&tracing::Span>, outcome: &MetricOutcome, dynamic: Dynamic<'_>) {
        if self.start == NOT_TIMED {
            return;
        }
        let ticks = crate::clock::ticks();
        let end = ticks.raw();
        if let Some(id) = span.and_then(tracing::Span::id) {
            // The span closes next, at this reading.
            crate::clock::offer_end(id.into_u64(), end);
        }
        let elapsed = end.wrapping_sub(self.start);
        let record = |dispatch: &tracing::Dispatch, id: Option<&tracing::span::Id>| {
            if let Some(sites) = crate::outer::sites_of(dispatch) {
                // The span's ids, read only when the exemplar filter asks for them.
                let ids = id.map(|id| move || crate::outer::span_ids(dispatch, id));
                sites.record(self.site, (elapsed, end), outcome, dynamic, ids);
            }
        };
        // An enabled span holds its subscriber: no lookup of the current one.
        if span
            .and_then(|span| span.with_subscriber(|(id, dispatch)| record(dispatch, Some(id))))
            .is_none()
        {
            tracing::dispatcher::get_default(|dispatch| record(dispatch, None));
        }
    }
}

impl Drop for MetricTimer {
    /// Inline: a call that was not timed, or was finished, costs one compare here.
    #[inline]
    fn drop(&mut self) {
        if self.start != NOT_TIMED {
            self.unfinished();
        }
    }
}

impl MetricTimer {
    /// Dropped while timed and not finished: the body panicked (or the future was
    /// dropped, which records nothing).
    #[cold]
    #[inline(never)]
    fn unfinished(&self) {
        if std::thread::panicking() {
            self.record(None, &MetricOutcome::of(Some(Cow::Borrowed("panic"))), &[]);
        }
    }
}
