//! Console and file lines written from semtrace's span store: the `full`, `compact`,
//! `pretty` and `json` formats of tracing-subscriber's `fmt` layer, byte for byte (with
//! semtrace's ` trace_id=… span_id=…`), from the records the store keeps instead
//! of the registry's per-span formatted strings.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::fmt::MakeWriter as _;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime as _, SystemTime};
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::fields::{
    BOLD, DIMMED, Escaping, LogFields, PrettyError, PrettyStyle, Sources, json_f64, json_str,
    paint, pretty_field, text_field,
};
use crate::control::levels::LevelFilter;
use crate::traces::record::Ids;

/// A line format the store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Full,
    Compact,
    /// Several lines per event: the event, where it was written, and each span of
    /// its scope on a line of its own, the innermost first. The console's only.
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    Pretty,
    Json,
}

/// One output of lines: console or file.
pub(crate) struct Lines {
    pub(crate) format: Format,
    pub(crate) ansi: bool,
    pub(crate) writer: BoxMakeWriter,
    pub(crate) filter: LevelFilter,
}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines")
            .field("format", &self.format)
            .field("ansi", &self.ansi)
            .finish_non_exhaustive()
    }
}

/// One span of an event's scope, as an output sees it.
pub(crate) struct ScopeSpan<'a> {
    pub(crate) name: &'static str,
    pub(crate) target: &'a str,
    pub(crate) fields: &'a LogFields,
    /// The pipeline's ids, when it records the span.
    pub(crate) ids: Option<Ids>,
}

/// What the scope contributes to a line, built while the store walks it.
#[derive(Default)]
pub(crate) struct Scope {
    /// `full`: `a{x=1}:b:`; `compact`: `a:b:`.
    names: String,
    /// Some span gave its name.
    named: bool,
    /// `compact`: the spans' fields.
    tail: String,
    /// `json`: the innermost span's object (`span`), when `has_span`.
    span: String,
    has_span: bool,
    /// `json`: the current span's scope (`spans`).
    list: String,
    ids: Option<Ids>,
    fields: String,
    /// `pretty`: the spans' `in` lines, the root first, and where each starts.
    pretty: String,
    starts: Vec<usize>,
}

impl Scope {
    fn clear(&mut self) {
        self.names.clear();
        self.named = false;
        self.tail.clear();
        self.span.clear();
        self.has_span = false;
        self.list.clear();
        self.ids = None;
        self.pretty.clear();
        self.starts.clear();
    }
}

/// What a walk over a scope takes from its spans (the `fmt` layer reads different
/// scopes for different parts of a line: see [`Lines::parts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts(u8);

impl Parts {
    /// The pipeline's ids of the innermost span that has them.
    pub(crate) const IDS: Self = Self(1);
    /// `full` and `compact`: names (and `full`: fields).
    pub(crate) const NAMES: Self = Self(2);
    /// `compact`: fields after the event's.
    pub(crate) const TAIL: Self = Self(4);
    /// `json`: the innermost span's object.
    pub(crate) const SPAN: Self = Self(8);
    /// `json`: the list of spans.
    pub(crate) const LIST: Self = Self(16);
    /// `pretty`: an `in` line per span.
    pub(crate) const PRETTY: Self = Self(32);

    pub(crate) const fn and(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    const fn has(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

thread_local! {
    /// A line and its scope, reused for this thread's next line.
    static BUFFERS: RefCell<(String, Scope)> = RefCell::default();
}

impl Lines {
    /// What this format takes from the event's scope (its parent, or the current
    /// span; none for a root event), from the span the `fmt` layer names the
    /// event's (the explicit parent, or else the current span), and from the
    /// current span's scope.
    pub(crate) fn parts(&self) -> (Parts, Parts, Parts) {
        match self.format {
            Format::Full => (Parts::IDS.and(Parts::NAMES), Parts(0), Parts(0)),
            Format::Compact => (Parts::IDS.and(Parts::TAIL), Parts::NAMES, Parts(0)),
            Format::Pretty => (Parts::IDS, Parts::PRETTY, Parts(0)),
            Format::Json => (Parts::IDS, Parts::SPAN, Parts::LIST),
        }
    }

    /// Adds the next span of a scope (the root first).
    pub(crate) fn push_span(&self, scope: &mut Scope, span: &ScopeSpan<'_>, parts: Parts) {
        if parts.has(Parts::IDS) && span.ids.is_some() {
            scope.ids = span.ids;
        }
        let ansi = self.ansi;
        if parts.has(Parts::NAMES) {
            scope.named = true;
            paint(&mut scope.names, ansi, BOLD, span.name);
            if self.format == Format::Full {
                scope.fields.clear();
                span.fields.write_text(&mut scope.fields, ansi);
                if !scope.fields.is_empty() {
                    paint(&mut scope.names, ansi, BOLD, "{");
                    scope.names.push_str(&scope.fields);
                    paint(&mut scope.names, ansi, BOLD, "}");
                }
                paint(&mut scope.names, ansi, DIMMED, ":");
            } else {
                scope.names.push(':');
            }
        }
        if parts.has(Parts::TAIL) {
            scope.fields.clear();
            span.fields.write_text(&mut scope.fields, ansi);
            if !scope.fields.is_empty() {
                scope.tail.push(' ');
                paint(&mut scope.tail, ansi, DIMMED, &scope.fields);
            }
        }
        if parts.has(Parts::SPAN) {
            scope.span.clear();
            scope.has_span = true;
            span.fields.write_json(&mut scope.span, span.name);
        }
        if parts.has(Parts::PRETTY) {
            let out = &mut scope.pretty;
            scope.starts.push(out.len());
            out.push_str("    ");
            paint(out, ansi, DIMMED_ITALIC, "in");
            out.push(' ');
            out.push_str(span.target);
            out.push_str("::");
            paint(out, ansi, BOLD, span.name);
            scope.fields.clear();
            span.fields.write_pretty(&mut scope.fields, ansi);
            if !scope.fields.is_empty() {
                out.push(' ');
                paint(out, ansi, DIMMED_ITALIC, "with");
                out.push(' ');
                out.push_str(&scope.fields);
            }
            out.push('\n');
        }
        if parts.has(Parts::LIST) {
            scope
                .list
                .push(if scope.list.is_empty() { '[' } else { ',' });
            span.fields.write_json(&mut scope.list, span.name);
        }
    }

    /// Writes `event`; `walk` feeds its scope, the root first, through
    /// [`push_span`](Self::push_span).
    pub(crate) fn write(&self, event: &Event<'_>, walk: impl FnOnce(&mut Scope)) {
        let written = BUFFERS.try_with(|buffers| {
            let Ok(mut buffers) = buffers.try_borrow_mut() else {
                // An event written while this thread writes one (from a `Debug`
                // impl): buffers of its own.
                let (mut line, mut scope) = (String::new(), Scope::default());
                self.format_line(event, walk, &mut line, &mut scope);
                return line;
            };
            let (line, scope) = &mut *buffers;
            line.clear();
            scope.clear();
            self.format_line(event, walk, line, scope);
            std::mem::take(line)
        });
        let Ok(line) = written else { return };
        let _ = self
            .writer
            .make_writer_for(event.metadata())
            .write_all(line.as_bytes());
        // The buffer goes back for the next line.
        let _ = BUFFERS.try_with(|buffers| {
            if let Ok(mut buffers) = buffers.try_borrow_mut()
                && buffers.0.capacity() < line.capacity()
                && line.capacity() <= 64 * 1024
            {
                buffers.0 = line;
            }
        });
    }

    fn format_line(
        &self,
        event: &Event<'_>,
        walk: impl FnOnce(&mut Scope),
        line: &mut String,
        scope: &mut Scope,
    ) {
        walk(scope);
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        match self.format {
            Format::Full | Format::Compact => self.text(event, meta, scope, line),
            Format::Pretty => self.pretty(event, meta, scope, line),
            Format::Json => json(event, meta, scope, line),
        }
    }

    fn text(&self, event: &Event<'_>, meta: &Metadata<'_>, scope: &Scope, line: &mut String) {
        let ansi = self.ansi;
        timestamp(line, ansi);
        level(line, ansi, *meta.level());
        line.push(' ');
        line.push_str(&scope.names);
        if scope.named {
            line.push(' ');
        }
        paint(line, ansi, DIMMED, meta.target());
        paint(line, ansi, DIMMED, ":");
        line.push(' ');
        event.record(&mut TextVisitor {
            out: line,
            ansi,
            first: true,
        });
        if self.format == Format::Compact {
            line.push_str(&scope.tail);
        }
        if let Some(ids) = scope.ids {
            let _ = write!(
                line,
                " trace_id={:032x} span_id={:016x}",
                ids.trace, ids.span
            );
        }
        line.push('\n');
    }
}

impl Lines {
    fn pretty(&self, event: &Event<'_>, meta: &Metadata<'_>, scope: &Scope, line: &mut String) {
        let ansi = self.ansi;
        line.push_str("  ");
        timestamp(line, ansi);
        level(line, ansi, *meta.level());
        line.push(' ');
        let style = PrettyStyle::coloured(ansi, colour(*meta.level()));
        let _ = style.bold(line);
        line.push_str(meta.target());
        let _ = style.unbold(line);
        line.push_str(": ");
        event.record(&mut PrettyVisitor {
            out: line,
            style,
            first: true,
        });
        let _ = style.end(line);
        line.push('\n');
        if let Some(file) = meta.file() {
            line.push_str("    ");
            paint(line, ansi, DIMMED_ITALIC, "at");
            line.push(' ');
            line.push_str(file);
            if let Some(number) = meta.line() {
                let _ = write!(line, ":{number}");
            }
            line.push('\n');
        }
        // The innermost span first.
        let mut end = scope.pretty.len();
        for &start in scope.starts.iter().rev() {
            line.push_str(&scope.pretty[start..end]);
            end = start;
        }
        line.push('\n');
        if let Some(ids) = scope.ids {
            // At the end of the last line, before the blank line that ends the event.
            let body = line.trim_end_matches('\n').len();
            let newlines = line.len() - body;
            line.truncate(body);
            let _ = write!(
                line,
                " trace_id={:032x} span_id={:016x}",
                ids.trace, ids.span
            );
            line.extend(std::iter::repeat_n('\n', newlines));
        }
    }
}

fn json(event: &Event<'_>, meta: &Metadata<'_>, scope: &Scope, line: &mut String) {
    line.push('{');
    if let Some(ids) = scope.ids {
        let _ = write!(
            line,
            "\"trace_id\":\"{:032x}\",\"span_id\":\"{:016x}\",",
            ids.trace, ids.span
        );
    }
    line.push_str("\"timestamp\":\"");
    let _ = SystemTime.format_time(&mut Writer::new(line));
    line.push_str("\",\"level\":\"");
    line.push_str(meta.level().as_str());
    line.push_str("\",\"fields\":{");
    event.record(&mut JsonVisitor {
        out: line,
        first: true,
    });
    line.push_str("},\"target\":");
    json_str(line, meta.target());
    if scope.has_span {
        line.push_str(",\"span\":");
        line.push_str(&scope.span);
        line.push_str(",\"spans\":");
        line.push_str(if scope.list.is_empty() {
            "["
        } else {
            &scope.list
        });
        line.push(']');
    }
    line.push_str("}\n");
}

fn timestamp(line: &mut String, ansi: bool) {
    if ansi {
        line.push_str("\x1b[2m");
    }
    if SystemTime.format_time(&mut Writer::new(line)).is_err() {
        line.push_str("<unknown time>");
    }
    if ansi {
        line.push_str("\x1b[0m");
    }
    line.push(' ');
}

fn level(line: &mut String, ansi: bool, level: Level) {
    let text = match level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    };
    paint(line, ansi, colour(level), text);
}

/// A level's colour.
fn colour(level: Level) -> &'static str {
    match level {
        Level::TRACE => "35",
        Level::DEBUG => "34",
        Level::INFO => "32",
        Level::WARN => "33",
        Level::ERROR => "31",
    }
}

const DIMMED_ITALIC: &str = "2;3";

/// An event's fields as the `fmt` layer's `Pretty` format writes them, in the
/// level's colour.
struct PrettyVisitor<'a> {
    out: &'a mut String,
    style: PrettyStyle,
    first: bool,
}

impl Visit for PrettyVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let sources = value.source().map(Sources);
        let error = PrettyError {
            display: &value,
            sources: sources.as_ref().map(|s| s as &dyn fmt::Display),
            name: field.name(),
            style: self.style,
        };
        self.record_debug(field, &error);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        pretty_field(self.out, self.style, &mut self.first, field.name(), value);
    }
}

/// An event's fields as `DefaultFields` writes them.
struct TextVisitor<'a> {
    out: &'a mut String,
    ansi: bool,
    first: bool,
}

impl Visit for TextVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The message and sources with their control characters escaped, as the
        // `fmt` layer writes them; the colours of the sources' name are ours.
        let mut text = String::new();
        let _ = write!(Escaping(&mut text), "{value}");
        if let Some(source) = value.source() {
            let _ = write!(text, " ");
            paint(&mut text, self.ansi, "3", field.name());
            paint(&mut text, self.ansi, "3", ".sources");
            paint(&mut text, self.ansi, DIMMED, "=");
            let _ = write!(Escaping(&mut text), "{}", Sources(source));
        }
        self.record_debug(field, &format_args!("{text}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        text_field(self.out, self.ansi, &mut self.first, field.name(), value);
    }
}

/// An event's fields as tracing-serde writes them into a JSON object.
struct JsonVisitor<'a> {
    out: &'a mut String,
    first: bool,
}

impl JsonVisitor<'_> {
    fn key(&mut self, field: &Field) {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
        json_str(self.out, field.name());
        self.out.push(':');
    }
}

impl Visit for JsonVisitor<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        json_f64(self.out, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        let _ = write!(self.out, "{value}");
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        json_str(self.out, value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.key(field);
        json_str(self.out, &value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        json_str(self.out, &format!("{value:?}"));
    }
}
