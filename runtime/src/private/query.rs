//! Database queries known only at run time: sanitized and summarized here, once the
//! span is known to be recorded.

use std::borrow::Cow;
use std::fmt::Display;

use semtrace_semconv::keys;
use semtrace_semconv::sql::{Dialect, sanitize_and_summarize};
use tracing::Span;

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
/// name when `name` is set. Every run-time query goes through here, so the work is
/// done only for spans that are recorded.
pub fn db_query<Q: QueryText + ?Sized>(
    span: &Span,
    dialect: Dialect,
    query: &Q,
    sanitize: bool,
    name: bool,
) {
    // Sampled-out spans record nothing, so their query is neither read nor scanned.
    if span.is_disabled() || !crate::traces::is_recorded(span) {
        return;
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
    if !summary.is_empty() {
        span.record(keys::DB_QUERY_SUMMARY, summary.as_str());
        if name {
            span.record(keys::OTEL_NAME, summary.as_str());
        }
    }
}
