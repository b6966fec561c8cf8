//! A per-call attribute value of a call's metric ([`MetricValue`]).
//!
//! Text is interned, so a metric's bound attribute sets can hold it as
//! `&'static str` and a call finds its bound set without allocating: up to
//! [`INTERNED`] distinct texts per process, each thread remembering its
//! [`RECENT`] latest. Past that, a value is recorded as owned text (its metric then
//! records without a bound set). Per-call attributes of a metric should have few
//! values, as the conventions ask.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// Distinct texts interned per process.
const INTERNED: usize = 4096;
/// Texts a thread remembers, most recent first.
const RECENT: usize = 8;
/// A per-call attribute value for a call's metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MetricValue {
    /// Not known (the call is not timed, or the value was `None`).
    #[default]
    None,
    /// A string.
    Str(Cow<'static, str>),
    /// An int.
    Int(i64),
}

impl MetricValue {
    /// Text, when the call is timed.
    #[inline]
    pub fn text(text: Option<&str>, timed: bool) -> Self {
        match text {
            Some(text) if timed => Self::Str(intern(text)),
            _ => Self::None,
        }
    }

    /// An int, when the call is timed.
    #[inline]
    pub fn int(value: Option<i64>, timed: bool) -> Self {
        match value {
            Some(v) if timed => Self::Int(v),
            _ => Self::None,
        }
    }
}

thread_local! {
    static RECENT_TEXTS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Every interned text.
static ALL: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// `text` as `&'static str` (a thread's recent texts first, then the process's), or
/// owned once the process has interned [`INTERNED`].
pub(crate) fn intern(text: &str) -> Cow<'static, str> {
    let recent = RECENT_TEXTS
        .try_with(|r| {
            let mut r = r.borrow_mut();
            let i = r.iter().position(|t| *t == text)?;
            let found = r[i];
            // Most recent first, so a thread using a few values finds them at once.
            r[..=i].rotate_right(1);
            Some(found)
        })
        .ok()
        .flatten();
    if let Some(found) = recent {
        return Cow::Borrowed(found);
    }
    let interned = {
        let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
        let all = all.get_or_insert_with(HashSet::new);
        match all.get(text) {
            Some(found) => Some(*found),
            None if all.len() < INTERNED => {
                let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
                all.insert(leaked);
                Some(leaked)
            }
            None => None,
        }
    };
    let Some(interned) = interned else {
        return Cow::Owned(text.to_owned());
    };
    let _ = RECENT_TEXTS.try_with(|r| {
        let mut r = r.borrow_mut();
        if r.len() == RECENT {
            r.pop();
        }
        r.insert(0, interned);
    });
    Cow::Borrowed(interned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_interned_once() {
        let a = intern("interned-once.example");
        let b = std::thread::spawn(|| intern("interned-once.example"))
            .join()
            .unwrap();
        match (a, b) {
            (Cow::Borrowed(a), Cow::Borrowed(b)) => assert!(std::ptr::eq(a, b)),
            other => panic!("{other:?}"),
        }
    }
}
