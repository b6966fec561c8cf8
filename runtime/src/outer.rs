//! The outermost layer of semtrace's subscriber ([`OuterLayer`]). It holds the metrics recorder where
//! a downcast finds it in two type comparisons (instead of walking every layer and
//! filter), and, on semtrace's span store, its outputs' level filters as the
//! subscriber's own.
//!
//! One layer for both: every `Layered` level costs each span's close a downcast
//! through the levels below it (tracing-subscriber looks for its registry there).
//!
//! In the layer [`build_layer`](crate::TelemetryBuilder::build_layer) returns it sits
//! inside the pipeline's per-layer filter (so the user's stack sees one filtered
//! layer), where it also hands the dispatcher, once there is one, to the control.

use std::sync::Arc;

use tracing::level_filters::LevelFilter as Level;
use tracing::subscriber::Interest;
use tracing::{Metadata, span};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, Filter};

use crate::control::levels::LevelFilter;
use crate::metrics::exemplars::SpanIds;
use crate::metrics::recorder::Sites;

/// The call sites' recorder of the dispatcher `dispatch`, if it is semtrace's.
#[inline]
pub(crate) fn sites_of(dispatch: &tracing::Dispatch) -> Option<&Sites> {
    dispatch.downcast_ref::<OuterLayer>()?.sites.as_deref()
}

/// The ids of span `id` in `dispatch`, and whether it is sampled, when semtrace's
/// pipeline records it: what a metric's exemplar carries.
#[inline]
pub(crate) fn span_ids(dispatch: &tracing::Dispatch, id: &span::Id) -> Option<SpanIds> {
    let (trace_id, span_id, sampled) = crate::traces::ids_of(dispatch, id)?;
    Some(SpanIds {
        trace_id,
        span_id,
        sampled,
    })
}

#[derive(Debug, Clone)]
pub(crate) struct OuterLayer {
    pub(crate) sites: Option<Arc<Sites>>,
    /// On semtrace's span store, the filters of its outputs (the pipeline's, the
    /// console's, the file's): what any of them wants passes, and the store asks
    /// each for its own. Per-layer filtering costs every span three registry
    /// lookups (on enter, exit and close, to read which filters enabled it).
    /// Empty on the registry, where each layer filters its own.
    pub(crate) gate: Vec<LevelFilter>,
    /// The level hint without a gate: `OFF` lets the layers below decide when every
    /// one of them has a hint of its own; `None` (no hint, any level) when one of
    /// them has none — a layer of the user's without a filter — since `OFF` would
    /// then be taken for the subscriber's (nothing enabled).
    pub(crate) hint: Option<Level>,
    /// The control to tell which dispatcher it belongs to when the layer is
    /// registered in one (`build_layer`, where no dispatcher exists at build time).
    pub(crate) control: Option<crate::control::Control>,
}

impl OuterLayer {
    /// The outer layer of `build()`'s subscriber: the recorder and, on the span
    /// store, its outputs' filters.
    pub(crate) fn new(sites: Option<Arc<Sites>>, gate: Vec<LevelFilter>) -> Self {
        Self {
            sites,
            gate,
            hint: Some(Level::OFF),
            control: None,
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for OuterLayer {
    fn on_register_dispatch(&self, dispatch: &tracing::Dispatch) {
        if let Some(control) = &self.control {
            control.set_dispatch(dispatch);
        }
    }

    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.gate.is_empty() {
            return Interest::always();
        }
        // Every filter sees every callsite: an `EnvFilter` learns here which spans
        // its span directives follow.
        let mut interest = Interest::never();
        for g in &self.gate {
            let this = <LevelFilter as Filter<S>>::callsite_enabled(g, meta);
            if this.is_always() {
                interest = this;
            } else if this.is_sometimes() && interest.is_never() {
                interest = Interest::sometimes();
            }
        }
        interest
    }

    #[inline]
    fn enabled(&self, meta: &Metadata<'_>, cx: Context<'_, S>) -> bool {
        self.gate.is_empty()
            || self
                .gate
                .iter()
                .any(|g| <LevelFilter as Filter<S>>::enabled(g, meta, &cx))
    }

    /// Without a gate, neutral: the layers below decide. Without a hint of its own
    /// the subscriber's would be lost (`None` beside per-layer filters means "any
    /// level"), and every disabled callsite would take the slow path; but beside a
    /// layer without a hint, `OFF` would win (see [`hint`](Self::hint)).
    fn max_level_hint(&self) -> Option<Level> {
        if self.gate.is_empty() {
            return self.hint;
        }
        let mut hint = Level::OFF;
        for g in &self.gate {
            hint = hint.max(<LevelFilter as Filter<S>>::max_level_hint(g)?);
        }
        Some(hint)
    }

    #[inline]
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        for g in &self.gate {
            <LevelFilter as Filter<S>>::on_new_span(g, attrs, id, cx.clone());
        }
    }

    #[inline]
    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        for g in &self.gate {
            <LevelFilter as Filter<S>>::on_record(g, id, values, cx.clone());
        }
    }

    #[inline]
    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        for g in &self.gate {
            <LevelFilter as Filter<S>>::on_enter(g, id, cx.clone());
        }
    }

    #[inline]
    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        for g in &self.gate {
            <LevelFilter as Filter<S>>::on_exit(g, id, cx.clone());
        }
    }

    #[inline]
    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        for g in &self.gate {
            <LevelFilter as Filter<S>>::on_close(g, id.clone(), cx.clone());
        }
    }
}
