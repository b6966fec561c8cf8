//! Per-thread buffers of measurements: the call's thread writes its measurement (which
//! bound instrument, how many clock ticks) into a ring of its own as one word, and the recorder's drain
//! thread, or the next collection, records them into the SDK's instruments.
//!
//! Why: the SDK's bound record takes an uncontended mutex and searches the bucket
//! boundaries, about as much as everything else a call's metric costs together. A
//! ring write is a store and a release; the scaling to seconds and the SDK's record
//! happen off the call's thread. Nothing is lost or approximated: every value reaches the same bound
//! instrument, only later. When a ring is full (its drain thread starved of CPU), the
//! call records into the SDK itself, as it would without buffers.
//!
//! Each ring has one writer (its thread) and one reader at a time (whoever holds the
//! recorder's drain lock), so plain atomic loads and stores order it; no unsafe code.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Entries per ring: 64 KiB per thread that records metrics.
const CAPACITY: usize = 8192;
/// The writer wakes the drain thread every this many entries, leaving it the rest of
/// the ring's room to get scheduled in.
const WAKE_EVERY: usize = 4096;

/// Keeps the writer's and the reader's positions on cache lines of their own, so
/// neither's writes make the other miss on every entry.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Line<T>(T);

/// One thread's measurements not yet recorded.
#[derive(Debug)]
pub(crate) struct Ring {
    entries: Box<[AtomicU64]>,
    /// Entries written so far, and the reader's position as the writer last saw it;
    /// written by the writer only.
    writer: Line<(AtomicUsize, AtomicUsize)>,
    /// Entries read so far; written by the reader only.
    head: Line<AtomicUsize>,
}

/// What a push found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Buffered.
    Yes,
    /// Buffered, and another `WAKE_EVERY` entries are in: wake the reader.
    Wake,
    /// The ring is full: record it yourself.
    Full,
}

impl Default for Ring {
    fn default() -> Self {
        Self {
            entries: (0..CAPACITY).map(|_| AtomicU64::new(0)).collect(),
            writer: Line::default(),
            head: Line::default(),
        }
    }
}

impl Ring {
    /// Appends a measurement. Only the ring's own thread calls this.
    #[inline]
    pub(crate) fn push(&self, entry: u64) -> Pushed {
        let (tail, seen) = &self.writer.0;
        let at = tail.load(Ordering::Relaxed);
        if at.wrapping_sub(seen.load(Ordering::Relaxed)) >= CAPACITY {
            // Full as last seen: look again where the reader is. Acquire: it has
            // finished reading the entries it gave back.
            let head = self.head.0.load(Ordering::Acquire);
            seen.store(head, Ordering::Relaxed);
            if at.wrapping_sub(head) >= CAPACITY {
                return Pushed::Full;
            }
        }
        self.entries[at % CAPACITY].store(entry, Ordering::Relaxed);
        // Release: the entry is written before the reader can see it.
        tail.store(at.wrapping_add(1), Ordering::Release);
        if at.wrapping_add(1) % WAKE_EVERY == 0 {
            Pushed::Wake
        } else {
            Pushed::Yes
        }
    }

    /// Hands every buffered measurement to `record`; returns how many. Callers hold
    /// the recorder's drain lock, so there is one reader at a time.
    pub(crate) fn drain(&self, mut record: impl FnMut(u64)) -> usize {
        let head = self.head.0.load(Ordering::Relaxed);
        let tail = self.writer.0.0.load(Ordering::Acquire);
        let mut at = head;
        while at != tail {
            record(self.entries[at % CAPACITY].load(Ordering::Relaxed));
            at = at.wrapping_add(1);
        }
        // Release: the entries are read before the writer may reuse them.
        self.head.0.store(tail, Ordering::Release);
        tail.wrapping_sub(head)
    }
}

thread_local! {
    /// This thread's ring for each recorder it recorded into lately (usually one).
    static LOCAL: RefCell<Vec<(u64, Arc<Ring>)>> = const { RefCell::new(Vec::new()) };
}

/// Rings a thread keeps for recorders it used; a thread switching among more (tests
/// with many subscribers) registers a fresh ring when it comes back.
const KEPT: usize = 4;

/// Runs `f` with this thread's ring for recorder `id`, calling `register` to make and
/// register one on first use. `None` while the thread is ending.
#[inline]
pub(crate) fn with_ring<R>(
    id: u64,
    register: impl FnOnce() -> Arc<Ring>,
    f: impl FnOnce(&Ring) -> R,
) -> Option<R> {
    LOCAL
        .try_with(|local| {
            if let Some((_, ring)) = local.borrow().iter().find(|(i, _)| *i == id) {
                return f(ring);
            }
            let ring = register();
            let out = f(&ring);
            let mut local = local.borrow_mut();
            if local.len() == KEPT {
                local.pop();
            }
            local.insert(0, (id, ring));
            out
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_hands_over_what_was_pushed_in_order_and_refuses_when_full() {
        let ring = Ring::default();
        let mut pushed = Vec::new();
        // Wrap around the ring a few times, draining in uneven portions.
        let mut seen = Vec::new();
        for round in 0..5_u64 {
            for k in 0..(CAPACITY as u64 - round) {
                let entry = round * 10_000 + k;
                assert_ne!(ring.push(entry), Pushed::Full);
                pushed.push(entry);
            }
            ring.drain(|entry| seen.push(entry));
        }
        assert_eq!(seen, pushed);

        let mut wakes = 0;
        for k in 0..CAPACITY as u64 {
            match ring.push(k) {
                Pushed::Yes => {}
                Pushed::Wake => wakes += 1,
                Pushed::Full => panic!("room for {k}"),
            }
        }
        assert_eq!(
            wakes,
            CAPACITY / WAKE_EVERY,
            "woken every WAKE_EVERY entries"
        );
        assert_eq!(ring.push(7), Pushed::Full);
        assert_eq!(ring.drain(|_| {}), CAPACITY);
        assert_eq!(ring.push(7), Pushed::Yes);
    }

    #[test]
    fn a_reader_on_another_thread_sees_every_value_once() {
        let ring = Arc::new(Ring::default());
        let writer = {
            let ring = Arc::clone(&ring);
            std::thread::spawn(move || {
                let mut full = 0_u64;
                for k in 0..200_000_u64 {
                    while ring.push(k) == Pushed::Full {
                        full += 1;
                        std::thread::yield_now();
                    }
                }
                full
            })
        };
        let mut next = 0_u64;
        while next < 200_000 {
            ring.drain(|k| {
                assert_eq!(k, next, "in order, none lost or repeated");
                next += 1;
            });
        }
        writer.join().unwrap();
    }
}
