//! The console's `tree` format: when a local root span ends, its spans are printed as
//! one indented tree — name, kind, duration, status (errors stand out, with their
//! description), the span's fields, and log events in place — written in one piece,
//! so concurrent traces never interleave. Events outside any span are printed as
//! they happen. Colours only when the writer is a terminal (or asked for).
//!
//! A local root whose remote parent is a span still open in this process (a call
//! from one part of the program to another over HTTP) is printed inside that span,
//! so one request reads as one tree across both sides.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber, span};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::fields::Escaping;
use crate::traces::record::SpanRecord;

/// The layer; `W` makes the writer each tree is written to.
pub(crate) struct TreeLayer<W> {
    pub(crate) writer: W,
    pub(crate) ansi: bool,
    /// Open spans by their W3C span id, to find an in-process remote parent.
    pub(crate) open: std::sync::Mutex<std::collections::HashMap<u64, span::Id>>,
}

impl<W> TreeLayer<W> {
    pub(crate) fn new(writer: W, ansi: bool) -> Self {
        Self {
            writer,
            ansi,
            open: std::sync::Mutex::default(),
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, span::Id>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the tree keeps of an open span.
pub(crate) struct Node {
    /// The trace id, for a local root's header.
    trace: Option<u128>,
    /// This span's W3C id, and its parent's when that is remote.
    ids: Option<(u64, Option<u64>)>,
    name: String,
    kind: &'static str,
    start: Instant,
    fields: Vec<(&'static str, String)>,
    error: Option<String>,
    items: Vec<(Instant, Item)>,
}

enum Item {
    Event(String),
    /// An ended child and when it ended; rendered with its parent, at its depth.
    Child(Box<Node>, Instant),
}

/// Collects fields as text; `otel.*` set the name, kind and status instead.
pub(crate) struct Fields<'a>(pub(crate) &'a mut Node);

/// `args` as text, the control characters a terminal acts on escaped: what the
/// program recorded (a name, a status description, an error's message) cannot
/// move the cursor or recolour the terminal.
fn escaped(args: std::fmt::Arguments<'_>) -> String {
    let mut text = String::new();
    let _ = Escaping(&mut text).write_fmt(args);
    text
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field.name(), escaped(format_args!("{value}")));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field.name(), escaped(format_args!("{value:?}")));
    }
}

impl Fields<'_> {
    fn set(&mut self, name: &'static str, value: String) {
        let node = &mut *self.0;
        match name {
            "otel.name" => node.name = value,
            "otel.kind" => {
                node.kind = match value.to_ascii_lowercase().as_str() {
                    "server" => "server",
                    "client" => "client",
                    "producer" => "producer",
                    "consumer" => "consumer",
                    _ => "internal",
                };
            }
            "otel.status_code" => {
                if value.eq_ignore_ascii_case("error") && node.error.is_none() {
                    node.error = Some(String::new());
                }
            }
            "otel.status_description" => node.error = Some(value),
            _ => match node.fields.iter_mut().find(|(k, _)| *k == name) {
                Some(slot) => slot.1 = value,
                None => node.fields.push((name, value)),
            },
        }
    }
}

/// An event's message and fields as one line.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(Escaping(&mut self.message), "{value:?}");
        } else {
            let _ = write!(Escaping(&mut self.fields), " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = Escaping(&mut self.message).write_str(value);
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn level(&self, level: Level) -> String {
        let code = match level {
            Level::ERROR => "31",
            Level::WARN => "33",
            Level::INFO => "32",
            _ => "2",
        };
        self.wrap(code, &format!("{level:>5}"))
    }
}

fn duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1e6 {
        format!("{:.2}ms", us / 1e3)
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

impl<W> TreeLayer<W> {
    fn render(&self, node: Node, end: Instant, depth: usize) -> String {
        let paint = Paint(self.ansi);
        let indent = "  ".repeat(depth);
        let mut out = String::new();
        let status = match &node.error {
            Some(d) if d.is_empty() => format!(" {}", paint.wrap("1;31", "ERROR")),
            Some(d) => format!(" {} {}", paint.wrap("1;31", "ERROR"), paint.wrap("31", d)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{indent}{} {} {}{status}",
            paint.wrap("1", &node.name),
            paint.wrap("2", &format!("[{}]", node.kind)),
            paint.wrap("36", &duration(end.saturating_duration_since(node.start))),
        );
        for (key, value) in &node.fields {
            let _ = writeln!(
                out,
                "{indent}    {}",
                paint.wrap("2", &format!("{key}={value}"))
            );
        }
        let mut items = node.items;
        items.sort_by_key(|(at, _)| *at);
        for (_, item) in items {
            match item {
                Item::Event(line) => {
                    let _ = writeln!(out, "{indent}  {line}");
                }
                Item::Child(child, end) => out.push_str(&self.render(*child, end, depth + 1)),
            }
        }
        out
    }

    fn event_line(&self, event: &Event<'_>) -> String {
        let mut line = Line::default();
        event.record(&mut line);
        let paint = Paint(self.ansi);
        format!(
            "{} {}{}",
            paint.level(*event.metadata().level()),
            line.message,
            paint.wrap("2", &line.fields)
        )
    }
}

impl<S, W> Layer<S> for TreeLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let (trace, ids) = span
            .extensions()
            .get::<SpanRecord>()
            .map(|r| {
                let remote = r.parent_remote.then_some(r.parent);
                (Some(r.ids.trace), Some((r.ids.span, remote)))
            })
            .unwrap_or_default();
        if let Some((own, _)) = ids {
            self.open().insert(own, id.clone());
        }
        let mut node = Node {
            trace,
            ids,
            name: attrs.metadata().name().to_owned(),
            kind: "internal",
            start: Instant::now(),
            fields: Vec::new(),
            error: None,
            items: Vec::new(),
        };
        attrs.record(&mut Fields(&mut node));
        span.extensions_mut().insert(node);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(node) = span.extensions_mut().get_mut::<Node>() {
            values.record(&mut Fields(node));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let line = self.event_line(event);
        if let Some(span) = ctx.event_span(event)
            && let Some(node) = span.extensions_mut().get_mut::<Node>()
        {
            node.items.push((Instant::now(), Item::Event(line)));
            return;
        }
        let _ = writeln!(self.writer.make_writer(), "{line}");
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(node) = span.extensions_mut().remove::<Node>() else {
            return;
        };
        let start = node.start;
        let (own, remote_parent) = node.ids.unwrap_or_default();
        self.open().remove(&own);
        // A span with a parent here joins it; a local root prints its whole tree.
        let end = Instant::now();
        if let Some(parent) = span.parent() {
            if let Some(parent_node) = parent.extensions_mut().get_mut::<Node>() {
                parent_node
                    .items
                    .push((start, Item::Child(Box::new(node), end)));
            }
            return;
        }
        // A root whose remote parent is open here (the other side of an in-process
        // call) goes inside it.
        let host = remote_parent
            .and_then(|p| self.open().get(&p).cloned())
            .and_then(|host| ctx.span(&host));
        if let Some(host) = host {
            let mut ext = host.extensions_mut();
            if let Some(host_node) = ext.get_mut::<Node>() {
                host_node
                    .items
                    .push((start, Item::Child(Box::new(node), end)));
                return;
            }
            // The host ended meanwhile: print this part as a tree of its own.
        }
        let mut text = String::new();
        if let Some(trace) = node.trace {
            let paint = Paint(self.ansi);
            let _ = writeln!(text, "{}", paint.wrap("2", &format!("trace {trace:032x}")));
        }
        text.push_str(&self.render(node, end, 0));
        // One write: a tree is never interleaved with another.
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

/// An open span's node in semtrace's span store, shared by the span's record, its
/// children's (to join it when they end) and the open-span map; `None` once ended.
pub(crate) type NodeRef = std::sync::Arc<std::sync::Mutex<Option<Node>>>;

fn lock(node: &NodeRef) -> std::sync::MutexGuard<'_, Option<Node>> {
    node.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `tree` format written from semtrace's span store: the same trees as
/// [`TreeLayer`], from nodes the store's records hold.
pub(crate) struct TreeOutput {
    pub(crate) layer: TreeLayer<tracing_subscriber::fmt::writer::BoxMakeWriter>,
    /// Open spans' nodes by their W3C span id, to find an in-process remote parent.
    open: std::sync::Mutex<std::collections::HashMap<u64, NodeRef>>,
    pub(crate) filter: crate::control::levels::LevelFilter,
}

impl std::fmt::Debug for TreeOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeOutput")
            .field("ansi", &self.layer.ansi)
            .finish_non_exhaustive()
    }
}

impl TreeOutput {
    pub(crate) fn new(
        writer: tracing_subscriber::fmt::writer::BoxMakeWriter,
        ansi: bool,
        filter: crate::control::levels::LevelFilter,
    ) -> Self {
        Self {
            layer: TreeLayer::new(writer, ansi),
            open: std::sync::Mutex::default(),
            filter,
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, NodeRef>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new span's node, its fields still to be visited (through [`Fields`]).
    pub(crate) fn node(name: &'static str) -> Node {
        Node {
            trace: None,
            ids: None,
            name: name.to_owned(),
            kind: "internal",
            start: Instant::now(),
            fields: Vec::new(),
            error: None,
            items: Vec::new(),
        }
    }

    /// The node of a span that opened, with the pipeline's ids when it records the
    /// span.
    pub(crate) fn opened(&self, mut node: Node, ids: Option<(u128, u64, Option<u64>)>) -> NodeRef {
        let own = ids.map(|(trace, own, remote)| {
            node.trace = Some(trace);
            node.ids = Some((own, remote));
            own
        });
        let node = std::sync::Arc::new(std::sync::Mutex::new(Some(node)));
        if let Some(own) = own {
            self.open().insert(own, std::sync::Arc::clone(&node));
        }
        node
    }

    /// Fields recorded after the start.
    pub(crate) fn record(node: &NodeRef, values: &span::Record<'_>) {
        if let Some(node) = lock(node).as_mut() {
            values.record(&mut Fields(node));
        }
    }

    /// An event: into the node of its span, or printed at once.
    pub(crate) fn event(&self, node: Option<&NodeRef>, event: &Event<'_>) {
        let line = self.layer.event_line(event);
        if let Some(node) = node
            && let Some(node) = lock(node).as_mut()
        {
            node.items.push((Instant::now(), Item::Event(line)));
            return;
        }
        let _ = writeln!(self.layer.writer.make_writer(), "{line}");
    }

    /// The span of `node` ended: it joins `parent` (the node of its nearest ancestor
    /// the tree shows), or the span open here that is its remote parent, or, a
    /// local root, is printed whole.
    pub(crate) fn close(&self, node: &NodeRef, parent: Option<&NodeRef>) {
        let Some(node) = lock(node).take() else {
            return;
        };
        let start = node.start;
        let (own, remote_parent) = node.ids.unwrap_or_default();
        if node.ids.is_some() {
            self.open().remove(&own);
        }
        let end = Instant::now();
        if let Some(parent) = parent {
            if let Some(parent) = lock(parent).as_mut() {
                parent.items.push((start, Item::Child(Box::new(node), end)));
            }
            return;
        }
        let host = remote_parent.and_then(|p| self.open().get(&p).cloned());
        let node = match host {
            Some(host) => {
                let mut host = lock(&host);
                match host.as_mut() {
                    Some(host) => {
                        host.items.push((start, Item::Child(Box::new(node), end)));
                        return;
                    }
                    // The host ended meanwhile: this part is a tree of its own.
                    None => node,
                }
            }
            None => node,
        };
        let mut text = String::new();
        if let Some(trace) = node.trace {
            let paint = Paint(self.layer.ansi);
            let _ = writeln!(text, "{}", paint.wrap("2", &format!("trace {trace:032x}")));
        }
        text.push_str(&self.layer.render(node, end, 0));
        // One write: a tree is never interleaved with another.
        let _ = self.layer.writer.make_writer().write_all(text.as_bytes());
    }
}
