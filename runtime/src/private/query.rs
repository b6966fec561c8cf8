//! Database queries known only at run time: sanitized and summarized here, once the
//! span is known to be recorded.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Display;

use semtrace_semconv::keys;
use semtrace_semconv::sql::{Dialect, sanitize_and_summarize};
use tracing::Span;

use crate::metrics::value::MetricValue;

/// What `query = …` accepts at run time: text, or `%value` for any `Display`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as `db.query.text`, which is a `string`",
    label = "expected a string for `db.query.text`",
    note = "use `%value` to record a value with its `Display` form"
)]
pub trait QueryText {
    /// The query's text.
    fn query_text(&self) -> Cow<'_, str>;
}

impl QueryText for str {
    fn query_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl QueryText for String {
    fn query_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl QueryText for Box<str> {
    fn query_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl QueryText for Cow<'_, str> {
    fn query_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}
impl<T: QueryText + ?Sized> QueryText for &T {
    fn query_text(&self) -> Cow<'_, str> {
        (**self).query_text()
    }
}

/// `query = %value`: formatted only when the span is recorded.
pub struct DisplayQuery<'a, T: ?Sized>(pub &'a T);

impl<T: Display + ?Sized> QueryText for DisplayQuery<'_, T> {
    fn query_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
}

/// Records a run-time query on `span`: `db.query.text` (sanitized in `dialect`
/// unless `sanitize` is false), `db.query.summary`, and the summary as the span's
/// name when `name` is set; and returns the summary for the call's metric when the
/// call is `timed`. Every run-time query goes through here, so the work is done only
/// for spans that are recorded or calls that are timed; a thread remembers the
/// summaries of its latest queries, so a timed call whose span is not recorded
/// (sampled out, or below the level) seldom scans its query.
pub fn db_query<Q: QueryText + ?Sized>(
    span: &Span,
    dialect: Dialect,
    query: &Q,
    sanitize: bool,
    name: bool,
    timed: bool,
) -> MetricValue {
    // Sampled-out spans record nothing, so their query is neither read nor scanned.
    let recorded = !span.is_disabled() && crate::traces::is_recorded(span);
    if !recorded {
        if !timed {
            return MetricValue::None;
        }
        let query = query.query_text();
        return summary_of(dialect, &query);
    }
    let query = query.query_text();
    let mut summary = String::new();
    if sanitize {
        let mut text = String::with_capacity(query.len());
        sanitize_and_summarize(dialect, &query, Some(&mut text), &mut summary);
        span.record(keys::DB_QUERY_TEXT, text.as_str());
    } else {
        sanitize_and_summarize(dialect, &query, None, &mut summary);
        span.record(keys::DB_QUERY_TEXT, &*query);
    }
    if summary.is_empty() {
        return MetricValue::None;
    }
    span.record(keys::DB_QUERY_SUMMARY, summary.as_str());
    if name {
        span.record(keys::OTEL_NAME, summary.as_str());
    }
    MetricValue::text(Some(&summary), timed)
}

/// Queries whose summary a thread remembers.
const REMEMBERED: usize = 16;

thread_local! {
    /// This thread's latest queries and their summaries, most recent first.
    static SUMMARIES: RefCell<Vec<(Dialect, Box<str>, MetricValue)>> =
        const { RefCell::new(Vec::new()) };
}

/// The metric's `db.query.summary` of `query`: remembered, or scanned.
fn summary_of(dialect: Dialect, query: &str) -> MetricValue {
    let remembered = SUMMARIES
        .try_with(|s| {
            let mut s = s.borrow_mut();
            let i = s
                .iter()
                .position(|(d, q, _)| *d == dialect && &**q == query)?;
            s[..=i].rotate_right(1);
            Some(s[0].2.clone())
        })
        .ok()
        .flatten();
    if let Some(found) = remembered {
        return found;
    }
    let mut summary = String::new();
    sanitize_and_summarize(dialect, query, None, &mut summary);
    let value = if summary.is_empty() {
        MetricValue::None
    } else {
        MetricValue::text(Some(&summary), true)
    };
    let _ = SUMMARIES.try_with(|s| {
        let mut s = s.borrow_mut();
        if s.len() == REMEMBERED {
            s.pop();
        }
        s.insert(0, (dialect, query.into(), value.clone()));
    });
    value
}
