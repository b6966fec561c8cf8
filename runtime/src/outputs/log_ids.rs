//! `trace_id` and `span_id` on every log line written inside a span.
//!
//! The ids are those of the span pipeline, which gives every span ids whether or not
//! anything is exported: a log line can be looked up in the trace backend, and both
//! sides of a propagated call log the same `trace_id`.

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::traces::record::{Ids, SpanRecord};

/// The ids of the innermost span of the event's scope that the pipeline records
/// (spans below the pipeline's level have none, so their parent's are used).
fn ids<S>(ctx: &FmtContext<'_, S, impl for<'a> FormatFields<'a> + 'static>) -> Option<Ids>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    ctx.event_scope()?
        .find_map(|span| span.extensions().get::<SpanRecord>().map(|r| r.ids))
}

/// Wraps a formatter and adds the ids of the event's span: ` trace_id=… span_id=…` at
/// the end of text lines, `"trace_id":"…","span_id":"…"` first in JSON objects.
pub(crate) struct WithIds<F> {
    pub(crate) inner: F,
    pub(crate) json: bool,
}

impl<S, N, F> FormatEvent<S, N> for WithIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let Some(ids) = ids(ctx) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        // The inner `Format` carries its own ANSI setting, so buffering keeps colours.
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let (trace, span) = (format!("{:032x}", ids.trace), format!("{:016x}", ids.span));
        if self.json && line.starts_with('{') {
            let rest = &line[1..];
            let sep = if rest.trim_start().starts_with('}') {
                ""
            } else {
                ","
            };
            write!(
                writer,
                "{{\"trace_id\":\"{trace}\",\"span_id\":\"{span}\"{sep}{rest}"
            )
        } else {
            let body = line.trim_end_matches('\n');
            let newlines = &line[body.len()..];
            write!(writer, "{body} trace_id={trace} span_id={span}{newlines}")
        }
    }
}
