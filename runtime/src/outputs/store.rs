//! Console and file output on semtrace's span store: the store's [`Hooks`] when
//! lines are written beside the span pipeline.
//!
//! Each output (the pipeline, the console, the file) keeps its own level: a span
//! is opened when any of them wants it (the subscriber's gate, `crate::outer`), and
//! its record says which. A span the pipeline does not want is transparent to it:
//! its children take their parent from the nearest ancestor the pipeline records,
//! as the registry's per-layer filters make it. The lines' outputs keep the span's
//! fields (visited once, with the pipeline's) and format them only when an event
//! inside the span is written.

use opentelemetry::trace::SpanContext;
use tracing::{Event, span};

use super::fields::LogFields;
use super::lines::{Lines, Parts, ScopeSpan};
use super::tree::{Fields as TreeFields, NodeRef, TreeOutput};
use crate::control::levels::LevelFilter;
use crate::store::{Hooks, SpanStore};
use crate::traces::layer::{Both, ParentView, PipelineLayer, Records};
use crate::traces::record::SpanRecord;

/// The hooks: the pipeline and the outputs of lines.
#[derive(Debug)]
pub(crate) struct Outputs {
    pub(crate) pipeline: PipelineLayer,
    traces: LevelFilter,
    /// At most eight (one bit each in [`OutRecord::wants`]).
    lines: Vec<Lines>,
    /// The console's `tree` format.
    tree: Option<TreeOutput>,
}

impl Outputs {
    pub(crate) fn new(
        pipeline: PipelineLayer,
        traces: LevelFilter,
        lines: Vec<Lines>,
        tree: Option<TreeOutput>,
    ) -> Self {
        debug_assert!(lines.len() <= 8);
        Self {
            pipeline,
            traces,
            lines,
            tree,
        }
    }
}

/// What the store keeps per span.
pub(crate) struct OutRecord {
    /// The pipeline's record, when its level wants the span.
    pub(crate) span: Option<SpanRecord>,
    /// Otherwise: what its children take from the nearest ancestor the pipeline
    /// records.
    inherited: Option<ParentView>,
    /// Bit `i`: `lines[i]` wants the span.
    wants: u8,
    /// The span's fields, when an output of lines wants it.
    fields: LogFields,
    /// The tree's node, when the tree wants the span.
    node: Option<NodeRef>,
    /// The node of the nearest ancestor the tree shows.
    tree_parent: Option<NodeRef>,
}

impl Hooks for Outputs {
    type Record = OutRecord;
    /// The pipeline's view and the tree's node of the nearest ancestors they keep.
    type Parent = (Option<ParentView>, Option<NodeRef>);
    type Link = Option<SpanContext>;

    fn parent(id: &span::Id, record: &OutRecord) -> Self::Parent {
        let view = match &record.span {
            Some(span) => Some(ParentView::of(id, span)),
            None => record.inherited.clone(),
        };
        let node = record
            .node
            .as_ref()
            .or(record.tree_parent.as_ref())
            .cloned();
        (view, node)
    }

    fn open(&self, attrs: &span::Attributes<'_>, parent: Option<Self::Parent>) -> OutRecord {
        let (parent, tree_parent) = parent.unwrap_or_default();
        let meta = attrs.metadata();
        let mut node = self
            .tree
            .as_ref()
            .filter(|tree| tree.filter.wants(meta))
            .map(|_| TreeOutput::node(meta.name()));
        let mut wants = 0;
        for (i, lines) in self.lines.iter().enumerate() {
            if lines.filter.wants(meta) {
                wants |= 1 << i;
            }
        }
        let mut fields = if wants == 0 {
            LogFields::default()
        } else {
            LogFields::spare()
        };
        let mut inherited = None;
        let span = if self.traces.wants(meta) {
            // One pass over the fields for the pipeline, the lines and the tree.
            let mut tree = node.as_mut().map(TreeFields);
            let (mut lines, mut both);
            let also: Option<&mut dyn tracing::field::Visit> = match (wants != 0, tree.as_mut()) {
                (true, Some(tree)) => {
                    both = Both(fields.visitor(), tree);
                    Some(&mut both)
                }
                (true, None) => {
                    lines = fields.visitor();
                    Some(&mut lines)
                }
                (false, Some(tree)) => Some(tree),
                (false, None) => None,
            };
            Some(self.pipeline.open_with(attrs, parent, also))
        } else {
            inherited = parent;
            if wants != 0 {
                attrs.record(&mut fields.visitor());
            }
            if let Some(node) = &mut node {
                attrs.record(&mut TreeFields(node));
            }
            None
        };
        let node = node.zip(self.tree.as_ref()).map(|(node, tree)| {
            let ids = span.as_ref().map(|s| {
                let remote = s.parent_remote.then_some(s.parent);
                (s.ids.trace, s.ids.span, remote)
            });
            tree.opened(node, ids)
        });
        OutRecord {
            span,
            inherited,
            wants,
            fields,
            node,
            tree_parent,
        }
    }

    fn record(record: &mut OutRecord, values: &span::Record<'_>) {
        match (&mut record.span, record.wants != 0) {
            (Some(span), true) => match span.data.as_mut() {
                Some(data) => values.record(&mut Both(
                    crate::traces::visit::SpanVisitor(data),
                    &mut record.fields.visitor(),
                )),
                None => values.record(&mut record.fields.visitor()),
            },
            (Some(span), false) => PipelineLayer::record(span, values),
            (None, true) => values.record(&mut record.fields.visitor()),
            (None, false) => {}
        }
        if let Some(node) = &record.node {
            TreeOutput::record(node, values);
        }
    }

    fn link(record: &OutRecord) -> Option<SpanContext> {
        record.span.as_ref().map(SpanRecord::span_context)
    }

    fn follows(record: &mut OutRecord, link: Option<SpanContext>) {
        if let (Some(span), Some(link)) = (&mut record.span, link) {
            PipelineLayer::follows(span, link);
        }
    }

    fn ids(record: &OutRecord) -> Option<crate::store::SpanIds> {
        record.span.as_ref().map(SpanRecord::ids)
    }

    fn event(record: &mut OutRecord, event: &Event<'_>) {
        if let Some(span) = &mut record.span {
            PipelineLayer::event(span, event);
        }
    }

    fn on_event(&self, event: &Event<'_>, span: Option<&span::Id>, store: &SpanStore<Self>) {
        let meta = event.metadata();
        // The pipeline: the nearest span of the scope it records takes the event.
        if let Some(id) = span
            && self.traces.wants(meta)
        {
            store.find_up(id, |record| {
                record
                    .span
                    .as_mut()
                    .map(|span| PipelineLayer::event(span, event))
            });
        }
        if let Some(tree) = &self.tree
            && tree.filter.wants(meta)
        {
            let node = span.and_then(|id| {
                store.with_record(id, |r| r.node.as_ref().or(r.tree_parent.as_ref()).cloned())
            });
            tree.event(node.flatten().as_ref(), event);
        }
        // The `fmt` layer names the event's span differently in different parts
        // of a line: see `Lines::parts`.
        let current;
        let (named, current) = if event.is_contextual() {
            (span, span)
        } else {
            current = store.current();
            let named = if event.is_root() {
                current.as_ref()
            } else {
                span
            };
            (named, current.as_ref())
        };
        let explicit = !event.is_contextual() && !event.is_root();
        for (i, lines) in self.lines.iter().enumerate() {
            if !lines.filter.wants(meta) {
                continue;
            }
            let bit = 1 << i;
            // An explicit parent this output leaves out: the `fmt` layer's filtered
            // context has no such span, so the line has no scope (no ids) and names
            // the current span instead.
            let (span, named) = match span {
                Some(id)
                    if explicit && store.with_record(id, |r| r.wants & bit == 0) != Some(false) =>
                {
                    (None, current)
                }
                _ => (span, named),
            };
            let (of_scope, of_named, of_current) = lines.parts();
            lines.write(event, |scope| {
                let mut walk = |id: Option<&span::Id>, parts: Parts| {
                    let Some(id) = id else { return };
                    store.scope_from_root(id, &mut |_, meta, record| {
                        if record.wants & bit != 0 {
                            let span = ScopeSpan {
                                name: meta.name(),
                                target: meta.target(),
                                fields: &record.fields,
                                ids: record.span.as_ref().map(|s| s.ids),
                            };
                            lines.push_span(scope, &span, parts);
                        }
                    });
                };
                if span == named && span == current {
                    walk(span, of_scope.and(of_named).and(of_current));
                } else {
                    walk(span, of_scope);
                    walk(named, of_named);
                    walk(current, of_current);
                }
            });
        }
    }

    fn times_entries(&self) -> bool {
        self.pipeline.extras.timing
    }

    fn entered(record: &mut OutRecord) {
        if let Some(span) = &mut record.span {
            PipelineLayer::entered(span);
        }
    }

    fn exited(record: &mut OutRecord) {
        if let Some(span) = &mut record.span {
            PipelineLayer::exited(span);
        }
    }

    fn close(
        &self,
        record: OutRecord,
        name: &'static str,
        offered_end: crate::clock::End,
        store: &SpanStore<Self>,
    ) {
        if let Some(span) = record.span {
            self.pipeline.close(span, name, offered_end, store);
        }
        record.fields.recycle();
        if let (Some(tree), Some(node)) = (&self.tree, &record.node) {
            tree.close(node, record.tree_parent.as_ref());
        }
    }
}

impl Records for SpanStore<Outputs> {
    fn with_record<R>(&self, id: &span::Id, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
        SpanStore::with_record(self, id, |record| record.span.as_mut().map(f)).flatten()
    }
}
