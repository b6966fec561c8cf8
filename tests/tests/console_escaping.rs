//! Control characters in what a program logs (an error's message and sources, a
//! string, a message) reach the console escaped, as the `fmt` layer escapes them:
//! semtrace's lines equal tracing-subscriber's, format by format, so a value cannot
//! move the cursor, recolour the terminal or ring its bell.

use semtrace::config::{Ansi, ConsoleFormat};
use semtrace_tests::buffer::Buffer;

#[derive(Debug)]
struct Hostile(Option<Box<Hostile>>);

impl std::fmt::Display for Hostile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bad \x1b[31mred\x1b[0m \x07bell \x08back \u{9b}csi")
    }
}

impl std::error::Error for Hostile {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.as_deref().map(|e| e as _)
    }
}

fn emit() {
    let plain = Hostile(None);
    let nested = Hostile(Some(Box::new(Hostile(None))));
    tracing::info_span!("outer", error = &plain as &dyn std::error::Error).in_scope(|| {
        tracing::error!(
            error = &nested as &dyn std::error::Error,
            s = "x\x1by",
            d = ?"q\x1bq",
            "msg \x1b[1m"
        );
    });
}

/// The lines without their timestamps (the first word) and without the trace and
/// span ids semtrace adds to a line in a span.
fn masked(text: &str) -> String {
    text.lines()
        .map(|l| match l.find(" trace_id=") {
            Some(at) if l[at..].contains(" span_id=") => {
                let end = l[at..].find(" span_id=").unwrap() + at + " span_id=".len() + 16;
                format!("{}{}", &l[..at], &l[end..])
            }
            _ => l.to_owned(),
        })
        .map(|l| {
            let trimmed = l.trim_start();
            let indent = &l[..l.len() - trimmed.len()];
            match trimmed.split_once(' ') {
                Some((first, rest)) if first.contains('T') && first.ends_with('Z') => {
                    format!("{indent}<time> {rest}")
                }
                _ => l.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn semtrace_lines(format: ConsoleFormat) -> String {
    let buffer = Buffer::default();
    let (dispatch, guard) = semtrace::Telemetry::builder("escaping")
        .env_lookup(|_| None)
        .otlp(false)
        .ansi(Ansi::Never)
        .console_format(format)
        .console_writer(buffer.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, emit);
    drop(guard);
    masked(&buffer.text())
}

fn fmt_lines<S: tracing::Subscriber + Send + Sync>(subscriber: S, buffer: &Buffer) -> String {
    tracing::subscriber::with_default(subscriber, emit);
    masked(&buffer.text())
}

#[test]
fn full() {
    let buffer = Buffer::default();
    let fmt = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let expected = fmt_lines(fmt, &buffer);
    assert!(!expected.contains('\x1b'), "{expected:?}");
    assert_eq!(semtrace_lines(ConsoleFormat::Full), expected);
}

#[test]
fn compact() {
    let buffer = Buffer::default();
    let fmt = tracing_subscriber::fmt()
        .compact()
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    assert_eq!(
        semtrace_lines(ConsoleFormat::Compact),
        fmt_lines(fmt, &buffer)
    );
}

#[test]
fn pretty() {
    let buffer = Buffer::default();
    let fmt = tracing_subscriber::fmt()
        .pretty()
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    assert_eq!(
        semtrace_lines(ConsoleFormat::Pretty),
        fmt_lines(fmt, &buffer)
    );
}

/// semtrace's own `tree` format: no control character of the program's reaches the
/// terminal, in a span's fields, its error or an event.
#[test]
fn tree() {
    let text = semtrace_lines(ConsoleFormat::Tree);
    assert!(text.contains(r"bad \x1b[31mred\x1b[0m \x07bell"), "{text}");
    assert!(
        !text.contains(['\x1b', '\x07', '\x08', '\u{9b}']),
        "{text:?}"
    );
}
