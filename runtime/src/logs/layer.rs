//! The capture as a `tracing` layer, for subscribers built on tracing-subscriber's
//! registry (beside the user's layers, or in [`build_layer`](crate::TelemetryBuilder::build_layer)):
//! the ids come from the pipeline's record in the span's extensions. On semtrace's
//! own span store the store hands events to the capture directly.

use std::sync::Arc;

use tracing::Event;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::capture::Capture;
use crate::store::EventSink as _;
use crate::traces::record::SpanRecord;

/// Sends events to the log pipeline; its filter is put on it by the caller.
#[derive(Debug, Clone)]
pub(crate) struct LogsLayer(pub(crate) Arc<Capture>);

impl<S> Layer<S> for LogsLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The nearest span of the event's scope that the span pipeline records.
        let ids = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<SpanRecord>().map(SpanRecord::ids))
        });
        self.0.event(event, ids);
    }
}
