//! Trace and span ids: random, non-zero, from a per-thread generator (no lock, no
//! system call after the first id of a thread).

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    // `RandomState` is seeded from the OS once per process and varied per instance.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(std::process::id().into());
    hasher.finish() | 1
}

/// wyrand: a fast, well-distributed 64-bit generator. Ids need to be unique and
/// unpredictable enough to not collide across processes, not cryptographic.
fn next() -> u64 {
    STATE.with(|state| {
        let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
        state.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        #[allow(clippy::cast_possible_truncation)] // folding the halves is the point
        let folded = (t >> 64) as u64 ^ t as u64;
        folded
    })
}

/// A new span id (never zero).
pub(crate) fn span_id() -> u64 {
    loop {
        let id = next();
        if id != 0 {
            return id;
        }
    }
}

/// A new trace id (never zero).
pub(crate) fn trace_id() -> u128 {
    loop {
        let id = (u128::from(next()) << 64) | u128::from(next());
        if id != 0 {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_non_zero() {
        let spans: HashSet<u64> = (0..10_000).map(|_| super::span_id()).collect();
        assert_eq!(spans.len(), 10_000);
        assert!(!spans.contains(&0));
        let traces: HashSet<u128> = (0..10_000).map(|_| super::trace_id()).collect();
        assert_eq!(traces.len(), 10_000);
    }

    #[test]
    fn threads_draw_different_ids() {
        let here = super::span_id();
        let there = std::thread::spawn(super::span_id).join().unwrap();
        assert_ne!(here, there);
    }
}
