//! Exemplars of the duration histograms: for each bound attribute set, one cell per
//! histogram bucket holding the last call offered to it (the specification's
//! `AlignedHistogramBucketExemplarReservoir`), with the call's trace and span ids,
//! value and time. A leaf: the recorder offers calls, the exporters read them.
//!
//! Why not the SDK's: `opentelemetry_sdk` 0.33 records no exemplars (its data points'
//! exemplar lists are always empty and cannot be filled from outside), so semtrace
//! keeps its own beside each bound instrument and adds them to what it exports.
//!
//! The hot path: a reservoir takes at most one offer a millisecond (the interval
//! is counted in clock ticks, so checking it is a load and a compare on the call's
//! end reading). Only the call it takes looks its span's ids up (a span store
//! lookup, the expensive part), finds its bucket and, when the filter lets it
//! through, writes the bucket's cell — a compare-exchange and five stores (a
//! sequence lock that a writer skips when another holds it, so no thread ever
//! waits). At high rates the calls taken are a sample spread over the buckets as
//! the calls are; below a thousand calls a second every call is offered. Readers retry
//! on a torn read. Cells are kept across collections (the histograms are cumulative
//! and two readers, OTLP and Prometheus, read them), so the last call of a bucket
//! stays its exemplar until a newer one replaces it.

// The reading half serves the exporters; a build with neither reads nothing.
#![cfg_attr(
    not(any(feature = "prometheus", feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering, fence};

use opentelemetry::KeyValue;

/// One exemplar as the exporters write it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Exemplar {
    /// The bucket it belongs to (0: at or below the first boundary).
    pub(crate) bucket: usize,
    /// The measurement, in the histogram's unit.
    pub(crate) value: f64,
    /// When the call ended, in Unix nanoseconds.
    pub(crate) time_unix_nano: u64,
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
}

/// The ids of a call's span, and whether it is sampled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpanIds {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) sampled: bool,
}

/// One bucket's last exemplar behind a sequence number: odd while written, 0 while
/// empty. On a cache line of its own, so two buckets' writers do not contend.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Cell {
    seq: AtomicU64,
    value: AtomicU64,
    time: AtomicU64,
    trace_hi: AtomicU64,
    trace_lo: AtomicU64,
    span: AtomicU64,
}

impl Cell {
    #[inline]
    fn write(&self, value: f64, time: u64, ids: SpanIds) {
        let seq = self.seq.load(Ordering::Relaxed);
        // Another thread is writing this bucket: its call is as good an exemplar.
        if seq & 1 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        // The odd number is visible before any of the fields change.
        fence(Ordering::Release);
        self.value.store(value.to_bits(), Ordering::Relaxed);
        self.time.store(time, Ordering::Relaxed);
        #[allow(clippy::cast_possible_truncation)] // the two halves
        {
            self.trace_hi
                .store((ids.trace_id >> 64) as u64, Ordering::Relaxed);
            self.trace_lo.store(ids.trace_id as u64, Ordering::Relaxed);
        }
        self.span.store(ids.span_id, Ordering::Relaxed);
        // Release: the fields are written before the even number is seen.
        self.seq.store(seq + 2, Ordering::Release);
    }

    fn read(&self, bucket: usize) -> Option<Exemplar> {
        // A writer holds a cell for a few stores; a reader that keeps finding it busy
        // leaves the bucket out of this collection.
        for _ in 0..64 {
            let before = self.seq.load(Ordering::Acquire);
            if before == 0 {
                return None;
            }
            if before & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let exemplar = Exemplar {
                bucket,
                value: f64::from_bits(self.value.load(Ordering::Relaxed)),
                time_unix_nano: self.time.load(Ordering::Relaxed),
                trace_id: (u128::from(self.trace_hi.load(Ordering::Relaxed)) << 64)
                    | u128::from(self.trace_lo.load(Ordering::Relaxed)),
                span_id: self.span.load(Ordering::Relaxed),
            };
            // The fields were read before the number is read again.
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == before {
                return Some(exemplar);
            }
        }
        None
    }
}

/// The exemplars of one bound attribute set: its attributes (what exporters match
/// data points by) and a cell per bucket, allocated when a call is first offered.
#[derive(Debug)]
pub(crate) struct Reservoir {
    attributes: Vec<KeyValue>,
    cells: OnceLock<Box<[Cell]>>,
    /// The clock reading from which the reservoir takes the next offer.
    next_offer: AtomicU64,
}

impl Reservoir {
    pub(crate) fn new(attributes: Vec<KeyValue>) -> Self {
        Self {
            attributes,
            cells: OnceLock::new(),
            next_offer: AtomicU64::new(0),
        }
    }

    /// Whether a call that ended at clock reading `end` is offered: the first at
    /// or after the reservoir's next offer, which is then `interval` ticks later.
    /// Two threads may both be let through; both offer.
    #[inline]
    pub(crate) fn takes_offer(&self, end: u64, interval: u64) -> bool {
        if end < self.next_offer.load(Ordering::Relaxed) {
            return false;
        }
        self.next_offer
            .store(end.saturating_add(interval), Ordering::Relaxed);
        true
    }

    /// Keeps a call of `value` (in the histogram's unit, whose upper bucket
    /// boundaries are `bounds`) that ended at `time` as its bucket's exemplar.
    pub(crate) fn offer(&self, bounds: &[f64], value: f64, time: u64, ids: SpanIds) {
        let cells = self
            .cells
            .get_or_init(|| (0..=bounds.len()).map(|_| Cell::default()).collect());
        // Bucket i holds values in (bounds[i-1], bounds[i]], as the SDK counts them.
        let bucket = bounds.partition_point(|b| *b < value);
        if let Some(cell) = cells.get(bucket) {
            cell.write(value, time, ids);
        }
    }

    pub(crate) fn attributes(&self) -> &[KeyValue] {
        &self.attributes
    }

    /// The exemplars kept so far, one per bucket at most, by bucket.
    pub(crate) fn exemplars(&self) -> Vec<Exemplar> {
        self.cells.get().map_or_else(Vec::new, |cells| {
            cells
                .iter()
                .enumerate()
                .filter_map(|(bucket, cell)| cell.read(bucket))
                .collect()
        })
    }
}

/// The exemplars of one metric stream: the histogram's name and unit, the data
/// point's attributes, and its exemplars.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) name: &'static str,
    /// Prometheus names carry it (`_seconds`).
    #[cfg_attr(not(feature = "prometheus"), allow(dead_code))]
    pub(crate) unit: &'static str,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) exemplars: Vec<Exemplar>,
}

/// A data point's attributes as both exporters can match them: sorted pairs of key
/// and value text.
pub(crate) type Fingerprint = Vec<(String, String)>;

/// The fingerprint of `pairs`.
pub(crate) fn fingerprint(pairs: impl IntoIterator<Item = (String, String)>) -> Fingerprint {
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort();
    pairs
}

/// The exemplars of every series, merged where two call sites feed one data point
/// (the newest exemplar of each bucket wins), by the key `key` makes of a series.
pub(crate) fn merged<K: Ord>(
    series: Vec<Series>,
    mut key: impl FnMut(&Series) -> Option<K>,
) -> std::collections::BTreeMap<K, Vec<Exemplar>> {
    let mut by_key = std::collections::BTreeMap::<K, Vec<Exemplar>>::new();
    for s in series {
        let Some(k) = key(&s) else { continue };
        let kept = by_key.entry(k).or_default();
        for e in s.exemplars {
            match kept.iter_mut().find(|k| k.bucket == e.bucket) {
                Some(k) if k.time_unix_nano < e.time_unix_nano => *k = e,
                Some(_) => {}
                None => kept.push(e),
            }
        }
        kept.sort_by_key(|e| e.bucket);
    }
    by_key
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: [f64; 3] = [0.1, 1.0, 10.0];

    fn ids(n: u64, sampled: bool) -> SpanIds {
        SpanIds {
            trace_id: u128::from(n) << 64 | 1,
            span_id: n,
            sampled,
        }
    }

    #[test]
    fn each_bucket_keeps_its_last_call() {
        let r = Reservoir::new(Vec::new());
        assert!(r.exemplars().is_empty());
        r.offer(&BOUNDS, 0.05, 1, ids(1, true));
        r.offer(&BOUNDS, 0.1, 2, ids(2, true)); // on the boundary: still bucket 0
        r.offer(&BOUNDS, 5.0, 3, ids(3, true));
        r.offer(&BOUNDS, 50.0, 4, ids(4, true));
        let got = r.exemplars();
        let buckets: Vec<_> = got.iter().map(|e| (e.bucket, e.span_id)).collect();
        assert_eq!(buckets, [(0, 2), (2, 3), (3, 4)]);
        assert_eq!(got[0].trace_id, u128::from(2_u64) << 64 | 1);
        assert!((got[1].value - 5.0).abs() < f64::EPSILON);
        assert_eq!(got[2].time_unix_nano, 4);
    }

    #[test]
    fn a_reservoir_takes_one_offer_per_interval() {
        let r = Reservoir::new(Vec::new());
        assert!(r.takes_offer(100, 10));
        assert!(!r.takes_offer(105, 10));
        assert!(!r.takes_offer(109, 10));
        assert!(r.takes_offer(110, 10));
        assert!(!r.takes_offer(100, 10), "an older reading");
        assert!(r.takes_offer(1_000, 10));
    }

    #[test]
    fn concurrent_writers_leave_whole_exemplars() {
        let r = std::sync::Arc::new(Reservoir::new(Vec::new()));
        let writers: Vec<_> = (1..=2_u64)
            .map(|t| {
                let r = std::sync::Arc::clone(&r);
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        r.offer(&BOUNDS, 0.5, t, ids(t, true));
                    }
                })
            })
            .collect();
        for _ in 0..2_000 {
            for e in r.exemplars() {
                // Every field of one exemplar comes from the same call.
                assert_eq!(e.span_id, e.time_unix_nano);
                assert_eq!(e.trace_id, u128::from(e.span_id) << 64 | 1);
            }
        }
        for w in writers {
            w.join().unwrap();
        }
    }

    #[test]
    fn two_sites_of_one_point_merge_by_bucket_newest_first() {
        let e = |bucket, time| Exemplar {
            bucket,
            value: 0.0,
            time_unix_nano: time,
            trace_id: 1,
            span_id: time,
        };
        let s = |exemplars| Series {
            name: "x",
            unit: "s",
            attributes: Vec::new(),
            exemplars,
        };
        let m = merged(
            vec![s(vec![e(0, 5), e(1, 1)]), s(vec![e(1, 7), e(2, 2)])],
            |_| Some(()),
        );
        let times: Vec<_> = m[&()]
            .iter()
            .map(|e| (e.bucket, e.time_unix_nano))
            .collect();
        assert_eq!(times, [(0, 5), (1, 7), (2, 2)]);
    }
}
