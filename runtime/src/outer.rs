//! The outermost layer of semtrace's subscriber ([`OuterLayer`]). It holds the metrics recorder where
//! a downcast finds it in two type comparisons (instead of walking every layer and
//! filter), and, when the pipeline is the only output, the pipeline's level filter
//! as the subscriber's own.
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
use crate::metrics::recorder::Sites;

/// The call sites' recorder of the dispatcher `dispatch`, if it is semtrace's.
#[inline]
pub(crate) fn sites_of(dispatch: &tracing::Dispatch) -> Option<&Sites> {
    dispatch.downcast_ref::<OuterLayer>()?.sites.as_deref()
}

#[derive(Debug, Clone)]
pub(crate) struct OuterLayer {
    pub(crate) sites: Option<Arc<Sites>>,
    /// The pipeline's filter when it is the only output. Per-layer filtering costs
    /// every span three registry lookups (on enter, exit and close, to read which
    /// filters enabled it), which only pay off when outputs filter differently.
    pub(crate) gate: Option<LevelFilter>,
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
    /// The outer layer of `build()`'s subscriber: the recorder and, when the pipeline
    /// is the only output, its filter.
    pub(crate) fn new(sites: Option<Arc<Sites>>, gate: Option<LevelFilter>) -> Self {
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
        self.gate.as_ref().map_or_else(Interest::always, |g| {
            <LevelFilter as Filter<S>>::callsite_enabled(g, meta)
        })
    }

    #[inline]
    fn enabled(&self, meta: &Metadata<'_>, cx: Context<'_, S>) -> bool {
        self.gate
            .as_ref()
            .is_none_or(|g| <LevelFilter as Filter<S>>::enabled(g, meta, &cx))
    }

    /// Without a gate, neutral: the layers below decide. Without a hint of its own
    /// the subscriber's would be lost (`None` beside per-layer filters means "any
    /// level"), and every disabled callsite would take the slow path; but beside a
    /// layer without a hint, `OFF` would win (see [`hint`](Self::hint)).
    fn max_level_hint(&self) -> Option<Level> {
        self.gate
            .as_ref()
            .map_or(self.hint, <LevelFilter as Filter<S>>::max_level_hint)
    }

    #[inline]
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        if let Some(g) = &self.gate {
            <LevelFilter as Filter<S>>::on_new_span(g, attrs, id, cx);
        }
    }

    #[inline]
    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        if let Some(g) = &self.gate {
            <LevelFilter as Filter<S>>::on_record(g, id, values, cx);
        }
    }

    #[inline]
    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        if let Some(g) = &self.gate {
            <LevelFilter as Filter<S>>::on_enter(g, id, cx);
        }
    }

    #[inline]
    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        if let Some(g) = &self.gate {
            <LevelFilter as Filter<S>>::on_exit(g, id, cx);
        }
    }

    #[inline]
    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        if let Some(g) = &self.gate {
            <LevelFilter as Filter<S>>::on_close(g, id, cx);
        }
    }
}
