//! A span's fields as console and file lines show them, kept in the span's record in
//! semtrace's store: typed values in one list and their text in one buffer, formatted
//! only when an event inside the span is written (no formatted string per span).
//!
//! Fields recorded later are appended, not replaced, as tracing-subscriber's `fmt`
//! layer does (`Span::record` of a field already shown shows it twice).

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

/// A field's value.
#[derive(Debug, Clone, Copy)]
enum Value {
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// A string (quoted in text lines).
    Str(u32, u32),
    /// `Debug` output, or a number too wide for 64 bits.
    Text(u32, u32),
    /// An error: its `Display` (the first `display` bytes), then the list of its
    /// sources when it has any (JSON shows the `Display` alone).
    Error {
        start: u32,
        len: u32,
        display: u32,
    },
}

/// The fields of one span.
#[derive(Debug, Default)]
pub(crate) struct LogFields {
    fields: Vec<(&'static str, Value)>,
    text: String,
}

fn range(start: usize, end: usize) -> (u32, u32) {
    (
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end - start).unwrap_or(0),
    )
}

thread_local! {
    /// Field lists of this thread's ended spans, reused for its next ones: a warm
    /// thread allocates nothing to keep a span's fields.
    static SPARE: std::cell::RefCell<Vec<LogFields>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Spare lists a thread keeps, and the capacities a spare keeps at most.
const SPARES: usize = 16;
const SPARE_TEXT: usize = 1024;
const SPARE_FIELDS: usize = 32;

impl LogFields {
    /// An empty list, from this thread's spares when it has one.
    pub(crate) fn spare() -> Self {
        SPARE
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps the list's buffers for this thread's next span.
    pub(crate) fn recycle(mut self) {
        if self.text.capacity() == 0 && self.fields.capacity() == 0
            || self.text.capacity() > SPARE_TEXT
            || self.fields.capacity() > SPARE_FIELDS
        {
            return;
        }
        self.fields.clear();
        self.text.clear();
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && s.len() < SPARES
            {
                s.push(self);
            }
        });
    }

    fn str_of(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.text
            .get(start..start + len as usize)
            .unwrap_or_default()
    }

    /// An error's `Display` and the list of its sources (empty without sources).
    fn error_parts(&self, start: u32, len: u32, display: u32) -> (&str, &str) {
        let all = self.str_of(start, len);
        all.split_at_checked(display as usize).unwrap_or((all, ""))
    }

    /// Each field as the text formats show it: a value in its `Debug` form (text
    /// and the message as written, other strings quoted), or an error with its
    /// sources.
    fn each_shown(&self, mut f: impl FnMut(&'static str, Shown<'_>)) {
        for &(name, value) in &self.fields {
            match value {
                Value::I64(v) => f(name, Shown::Value(&v)),
                Value::U64(v) => f(name, Shown::Value(&v)),
                Value::F64(v) => f(name, Shown::Value(&v)),
                Value::Bool(v) => f(name, Shown::Value(&v)),
                Value::Str(start, len) => {
                    let s = self.str_of(start, len);
                    if name == "message" {
                        f(name, Shown::Value(&format_args!("{s}")));
                    } else {
                        f(name, Shown::Value(&s));
                    }
                }
                Value::Text(start, len) => {
                    let s = self.str_of(start, len);
                    f(name, Shown::Value(&format_args!("{s}")));
                }
                Value::Error {
                    start,
                    len,
                    display,
                } => {
                    let (display, sources) = self.error_parts(start, len, display);
                    f(name, Shown::Error { display, sources });
                }
            }
        }
    }

    /// The fields as the `fmt` layer's `DefaultFields` writes them.
    pub(crate) fn write_text(&self, out: &mut String, ansi: bool) {
        let mut first = true;
        self.each_shown(|name, shown| match shown {
            Shown::Value(value) => text_field(out, ansi, &mut first, name, value),
            Shown::Error {
                display,
                sources: "",
            } => {
                let value = EscapedText(format_args!("{display}"));
                text_field(out, ansi, &mut first, name, &value);
            }
            Shown::Error { display, sources } => {
                let value = EscapedText(format_args!("{display} {name}.sources={sources}"));
                text_field(out, ansi, &mut first, name, &value);
            }
        });
    }

    /// The fields as the `fmt` layer's `Pretty` fields write them (a span's fields
    /// on a `pretty` line's `in` line): `name: value`, separated by `, `.
    pub(crate) fn write_pretty(&self, out: &mut String, ansi: bool) {
        let style = PrettyStyle::plain(ansi);
        let mut first = true;
        self.each_shown(|name, shown| match shown {
            Shown::Value(value) => pretty_field(out, style, &mut first, name, value),
            Shown::Error { display, sources } => {
                let error = PrettyError {
                    display: &display,
                    sources: (!sources.is_empty()).then_some(&sources as &dyn fmt::Display),
                    name,
                    style,
                };
                pretty_field(out, style, &mut first, name, &error);
            }
        });
    }

    /// The fields as one JSON object, as the `fmt` layer's `JsonFields` keeps them
    /// (keys sorted, a later value replacing an earlier one) followed by `name`.
    pub(crate) fn write_json(&self, out: &mut String, span_name: &str) {
        let mut order: Vec<usize> = (0..self.fields.len()).collect();
        // Sorted by key, the last value of a key first among equals.
        order.sort_by(|&a, &b| self.fields[a].0.cmp(self.fields[b].0).then(b.cmp(&a)));
        order.dedup_by(|&mut later, &mut earlier| self.fields[later].0 == self.fields[earlier].0);
        out.push('{');
        for i in order {
            let (name, value) = self.fields[i];
            json_str(out, name);
            out.push(':');
            match value {
                Value::I64(v) => {
                    let _ = write!(out, "{v}");
                }
                Value::U64(v) => {
                    let _ = write!(out, "{v}");
                }
                Value::F64(v) => json_f64(out, v),
                Value::Bool(v) => {
                    let _ = write!(out, "{v}");
                }
                Value::Str(start, len)
                | Value::Text(start, len)
                | Value::Error {
                    start,
                    display: len,
                    ..
                } => {
                    json_str(out, self.str_of(start, len));
                }
            }
            out.push(',');
        }
        out.push_str("\"name\":");
        json_str(out, span_name);
        out.push('}');
    }

    /// A visitor that appends the fields it sees.
    pub(crate) fn visitor(&mut self) -> FieldsVisitor<'_> {
        FieldsVisitor(self)
    }
}

/// Appends fields to a [`LogFields`].
pub(crate) struct FieldsVisitor<'a>(&'a mut LogFields);

impl Visit for FieldsVisitor<'_> {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.fields.push((field.name(), Value::I64(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.fields.push((field.name(), Value::U64(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.fields.push((field.name(), Value::F64(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.fields.push((field.name(), Value::Bool(value)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let start = self.0.text.len();
        self.0.text.push_str(value);
        let (start, len) = range(start, self.0.text.len());
        self.0.fields.push((field.name(), Value::Str(start, len)));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let text = &mut self.0.text;
        let start = text.len();
        let _ = write!(text, "{value}");
        let display = range(start, text.len()).1;
        if let Some(source) = value.source() {
            let _ = write!(text, "{}", Sources(source));
        }
        let (start, len) = range(start, text.len());
        self.0.fields.push((
            field.name(),
            Value::Error {
                start,
                len,
                display,
            },
        ));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = &mut self.0.text;
        let start = text.len();
        let _ = write!(text, "{value:?}");
        let (start, len) = range(start, text.len());
        self.0.fields.push((field.name(), Value::Text(start, len)));
    }
}

/// An error's chain of sources as a list.
pub(crate) struct Sources<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl fmt::Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        let mut next = Some(self.0);
        while let Some(error) = next {
            list.entry(&format_args!("{error}"));
            next = error.source();
        }
        list.finish()
    }
}

/// `text` between an ANSI style's start and the reset, or bare.
pub(crate) fn paint(out: &mut String, ansi: bool, code: &str, text: &str) {
    if ansi {
        let _ = write!(out, "\x1b[{code}m{text}\x1b[0m");
    } else {
        out.push_str(text);
    }
}

pub(crate) const BOLD: &str = "1";
pub(crate) const DIMMED: &str = "2";
const ITALIC: &str = "3";

/// A stored field as the text formats show it.
enum Shown<'a> {
    /// A value, in its `Debug` form.
    Value(&'a dyn fmt::Debug),
    /// An error's message and its sources (empty when it has none).
    Error { display: &'a str, sources: &'a str },
}

/// One field as `DefaultFields` writes it: `name=value` (`value` in its `Debug`
/// form), separated by a space; the message alone, its control characters escaped;
/// `log.*` fields (a `log` record's metadata) left out.
pub(crate) fn text_field(
    out: &mut String,
    ansi: bool,
    first: &mut bool,
    name: &str,
    value: &dyn fmt::Debug,
) {
    if name.starts_with("log.") {
        return;
    }
    if !std::mem::take(first) {
        out.push(' ');
    }
    if name == "message" {
        escaped(out, value);
        return;
    }
    paint(out, ansi, ITALIC, name.strip_prefix("r#").unwrap_or(name));
    paint(out, ansi, DIMMED, "=");
    let _ = write!(out, "{value:?}");
}

/// `value`'s `Debug` form with the control characters a terminal acts on escaped.
fn escaped(out: &mut String, value: &dyn fmt::Debug) {
    let _ = write!(Escaping(out), "{value:?}");
}

/// Text (an error's message and sources) whose `Debug` form is itself with the
/// control characters a terminal acts on escaped, as the `fmt` layer writes errors.
struct EscapedText<'a>(fmt::Arguments<'a>);

impl fmt::Debug for EscapedText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Write::write_fmt(&mut Escaping(f), self.0)
    }
}

/// Writes through to a `fmt::Write`, escaping the control characters a terminal
/// acts on (as the `fmt` layer escapes messages and errors).
pub(crate) struct Escaping<W>(pub(crate) W);

impl<W: fmt::Write> fmt::Write for Escaping<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match c {
                '\x1b' => self.0.write_str("\\x1b")?,
                '\x07' => self.0.write_str("\\x07")?,
                '\x08' => self.0.write_str("\\x08")?,
                '\x0c' => self.0.write_str("\\x0c")?,
                '\x7f' => self.0.write_str("\\x7f")?,
                c if ('\u{80}'..='\u{9f}').contains(&c) => {
                    write!(self.0, "\\u{{{:x}}}", c as u32)?;
                }
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// The styles of a `pretty` line's fields: the event's level colour (`None` for a
/// span's fields), its bold form for names, and whether colours are on.
#[derive(Clone, Copy)]
pub(crate) struct PrettyStyle {
    ansi: bool,
    colour: Option<&'static str>,
}

impl PrettyStyle {
    /// A span's fields: names bold, values plain.
    pub(crate) const fn plain(ansi: bool) -> Self {
        Self { ansi, colour: None }
    }

    /// An event's fields, in its level's colour (`31`, `32`, ...).
    pub(crate) const fn coloured(ansi: bool, colour: &'static str) -> Self {
        Self {
            ansi,
            colour: Some(colour),
        }
    }

    /// Starts the style (nothing without colours, or for plain text).
    pub(crate) fn start(self, out: &mut impl fmt::Write) -> fmt::Result {
        match (self.ansi, self.colour) {
            (true, Some(colour)) => write!(out, "\x1b[{colour}m"),
            _ => Ok(()),
        }
    }

    /// Starts the bold form of the style.
    pub(crate) fn bold(self, out: &mut impl fmt::Write) -> fmt::Result {
        match (self.ansi, self.colour) {
            (false, _) => Ok(()),
            (true, None) => out.write_str("\x1b[1m"),
            (true, Some(colour)) => write!(out, "\x1b[1;{colour}m"),
        }
    }

    /// From the bold form back to the style: a reset, then the style again.
    pub(crate) fn unbold(self, out: &mut impl fmt::Write) -> fmt::Result {
        if self.ansi {
            out.write_str("\x1b[0m")?;
            self.start(out)?;
        }
        Ok(())
    }

    /// Ends the style.
    pub(crate) fn end(self, out: &mut impl fmt::Write) -> fmt::Result {
        match (self.ansi, self.colour) {
            (true, Some(_)) => out.write_str("\x1b[0m"),
            _ => Ok(()),
        }
    }
}

/// One field as the `fmt` layer's `Pretty` fields write it: `name: value` (`value`
/// in its `Debug` form; names bold), separated by `, `; the message in the style,
/// its control characters escaped; `log.*` fields left out.
pub(crate) fn pretty_field(
    out: &mut String,
    style: PrettyStyle,
    first: &mut bool,
    name: &str,
    value: &dyn fmt::Debug,
) {
    if name.starts_with("log.") {
        return;
    }
    if !std::mem::take(first) {
        out.push_str(", ");
    }
    if name == "message" {
        let _ = style.start(out);
        escaped(out, value);
        return;
    }
    let _ = style.bold(out);
    out.push_str(name.strip_prefix("r#").unwrap_or(name));
    let _ = style.unbold(out);
    let _ = write!(out, ": {value:?}");
}

/// An error as the `pretty` format shows it: its `Display`, then, when it has
/// sources, `, name.sources: [...]` (the name bold); control characters escaped.
pub(crate) struct PrettyError<'a> {
    pub(crate) display: &'a dyn fmt::Display,
    /// The list of sources.
    pub(crate) sources: Option<&'a dyn fmt::Display>,
    pub(crate) name: &'a str,
    pub(crate) style: PrettyStyle,
}

impl fmt::Debug for PrettyError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Escaping(&mut *f), "{}", self.display)?;
        if let Some(sources) = self.sources {
            f.write_str(", ")?;
            self.style.bold(f)?;
            write!(f, "{}.sources", self.name)?;
            self.style.unbold(f)?;
            f.write_str(": ")?;
            write!(Escaping(&mut *f), "{sources}")?;
        }
        Ok(())
    }
}

/// A JSON string, escaped as `serde_json` escapes it.
pub(crate) fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON number as `serde_json` writes it (`null` when not finite).
pub(crate) fn json_f64(out: &mut String, v: f64) {
    match serde_json::to_string(&v) {
        Ok(number) => out.push_str(&number),
        Err(_) => out.push_str("null"),
    }
}
