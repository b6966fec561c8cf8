//! `trace_id` and `span_id` on every log line written inside a span.
//!
//! With OTLP export on, the ids come from the OpenTelemetry span context, so a log
//! line can be looked up in the trace backend. Without it, [`LocalIdsLayer`] gives each
//! span ids of the same shape, inherited by child spans, so lines of one request still
//! share a `trace_id`.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tracing::dispatcher::WeakDispatch;

use tracing::{Event, Subscriber, span};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

/// Ids of one span, as lowercase hex like W3C `traceparent`.
#[derive(Debug, Clone, Copy)]
struct Ids {
    trace: u128,
    span: u64,
}

/// Assigns [`Ids`] to spans when no OpenTelemetry layer does.
pub(crate) struct LocalIdsLayer;

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

impl<S> Layer<S> for LocalIdsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let trace = span
            .parent()
            .and_then(|p| p.extensions().get::<Ids>().map(|ids| ids.trace))
            .unwrap_or_else(|| (u128::from(random_u64()) << 64) | u128::from(random_u64()));
        span.extensions_mut().insert(Ids {
            trace,
            span: random_u64(),
        });
    }
}

/// The dispatcher the layers were registered with. Formatters run inside a dispatch,
/// where `tracing::dispatcher::get_default` deliberately answers a no-op dispatcher,
/// so the OpenTelemetry context must be looked up through this one.
#[derive(Clone, Default)]
pub(crate) struct DispatchCell(Arc<OnceLock<WeakDispatch>>);

impl<S: Subscriber> Layer<S> for DispatchCell {
    fn on_register_dispatch(&self, dispatch: &tracing::Dispatch) {
        let _ = self.0.set(dispatch.downgrade());
    }
}

#[cfg_attr(not(feature = "otel"), allow(unused_variables))]
fn ids_of<S>(span: &SpanRef<'_, S>, dispatch: &DispatchCell) -> Option<Ids>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    #[cfg(feature = "otel")]
    {
        use opentelemetry::trace::TraceContextExt as _;
        let cx = dispatch
            .0
            .get()
            .and_then(WeakDispatch::upgrade)
            .and_then(|dispatch| tracing_opentelemetry::get_otel_context(&span.id(), &dispatch));
        if let Some(cx) = cx {
            let sc = cx.span().span_context().clone();
            if sc.is_valid() {
                return Some(Ids {
                    trace: u128::from_be_bytes(sc.trace_id().to_bytes()),
                    span: u64::from_be_bytes(sc.span_id().to_bytes()),
                });
            }
        }
    }
    span.extensions().get::<Ids>().copied()
}

/// Wraps a formatter and adds the ids of the event's span: ` trace_id=… span_id=…` at
/// the end of text lines, `"trace_id":"…","span_id":"…"` first in JSON objects.
pub(crate) struct WithIds<F> {
    pub(crate) inner: F,
    pub(crate) json: bool,
    pub(crate) dispatch: DispatchCell,
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
        let ids = ctx
            .event_scope()
            .and_then(|mut scope| scope.next())
            .and_then(|span| ids_of(&span, &self.dispatch));
        let Some(ids) = ids else {
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
