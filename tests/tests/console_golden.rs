//! Console and file output, byte for byte: one fixed program through every format,
//! compared with `tests/golden/*.txt` after masking what varies from run to run
//! (timestamps, trace and span ids, durations). `SEMTRACE_BLESS=1` rewrites the
//! golden files from what this run wrote.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use semtrace::TelemetryBuilder;
use semtrace::config::{Ansi, ConsoleFormat, FileFormat};
use semtrace_tests::buffer::Buffer;

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "orders")]
fn query(id: i64) -> Result<i64, String> {
    tracing::debug!(rows = 0, "planning");
    tracing::info!(id, "query sent");
    if id < 0 {
        Err(format!("no order {id}"))
    } else {
        Ok(id * 2)
    }
}

#[semtrace::traced_task(task.id = %id, task.type = "golden", task.priority = 2)]
fn work(id: i64) -> Result<i64, String> {
    tracing::info!(step = "start", ratio = 0.5, ok = true, "working");
    let doubled = query(id)?;
    tracing::warn!(value = doubled, quoted = "a \"b\"", "after query");
    query(-id)
}

#[semtrace::traced]
fn handle(name: &str) -> u64 {
    tracing::info!(name, "handling");
    let _ = work(7);
    tracing::info_span!("plain", n = 3_u64, label = "x y").in_scope(|| {
        tracing::info!("in a plain span");
        semtrace::record!(task.state = "running");
    });
    let late = tracing::info_span!("late", a = 1, b = tracing::field::Empty);
    late.record("b", "set later");
    late.in_scope(|| {
        // A span below the console's level: invisible there, its parent's ids.
        tracing::debug_span!("quiet", k = "q").in_scope(|| {
            tracing::info!("inside quiet");
            tracing::error!(code = 7_u64, "went wrong");
        });
    });
    5
}

/// An error with a source, as `record_error` sees it.
#[derive(Debug)]
struct Outer(Inner);
#[derive(Debug)]
struct Inner;

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outer failed")
    }
}

impl std::fmt::Display for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inner cause")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl std::error::Error for Inner {}

/// Values of every kind a field takes, and an event with an explicit parent.
fn kinds() {
    let error = Outer(Inner);
    let span = tracing::info_span!("kinds", big = u64::MAX, wide = 1_i128 << 70, r#type = "raw");
    tracing::info!(parent: &span, small = 1e-7, huge = 1e300, neg = -0.0, "explicit parent");
    span.in_scope(|| {
        tracing::warn!(error = &error as &dyn std::error::Error, "failed");
        tracing::info!(r#type = "raw", debug = ?Some("x"), "bell \x07 and \u{1b}[31m escape");
    });
    tracing::info!(parent: None, "a root event inside nothing");
}

/// The fixed program.
fn program() {
    kinds();
    tracing::info!(version = 1, "starting");
    tracing::warn!("outside, a warning");
    tracing::debug!("outside, debug (filtered at info)");
    let _ = handle("golden");
    tracing::info!(done = true, "finished");
}

/// Replaces what varies by fixed tokens: ids by their order of first appearance
/// (so lines of one trace still show the same id), timestamps, durations.
fn mask(text: &str) -> String {
    let mut ids: HashMap<String, String> = HashMap::new();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        // A timestamp: 2026-12-07T19:59:47.123456Z
        if bytes.len() >= i + 20
            && bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && bytes[i + 10] == b'T'
        {
            let end = text[i..].find('Z').map_or(bytes.len(), |z| i + z + 1);
            out.push_str("<TIME>");
            i = end;
            continue;
        }
        if boundary {
            let run = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
                .count();
            let after = bytes.get(i + run);
            let ends = after.is_none_or(|b| !b.is_ascii_alphanumeric());
            if ends && (run == 32 || run == 16) {
                let kind = if run == 32 { "TRACE" } else { "SPAN" };
                let n = ids.len() + 1;
                let token = ids
                    .entry(text[i..i + run].to_owned())
                    .or_insert_with(|| format!("<{kind}{n}>"));
                out.push_str(token);
                i += run;
                continue;
            }
            // A duration of the tree format: 12µs, 1.25ms, 2.00s
            let digits = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .count();
            if digits > 0 {
                let rest = &text[i + digits..];
                for unit in ["µs", "ms", "s"] {
                    if rest.starts_with(unit)
                        && rest[unit.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !c.is_alphanumeric())
                    {
                        out.push_str("<DUR>");
                        i += digits + unit.len();
                        break;
                    }
                }
                if out.ends_with("<DUR>") && i > 0 && text[..i].ends_with(['s']) {
                    continue;
                }
            }
        }
        let c = text[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn golden(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    let masked = mask(text);
    if std::env::var_os("SEMTRACE_BLESS").is_some() {
        std::fs::write(&path, &masked).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SEMTRACE_BLESS=1 writes it)", path.display()));
    if masked != expected {
        let diff: Vec<String> = expected
            .lines()
            .zip(masked.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(n, (a, b))| format!("line {}:\n- {a:?}\n+ {b:?}", n + 1))
            .collect();
        panic!(
            "{name} differs from {} ({} vs {} lines):\n{}\n--- whole output ---\n{masked}",
            path.display(),
            expected.lines().count(),
            masked.lines().count(),
            diff.join("\n")
        );
    }
}

fn builder() -> TelemetryBuilder {
    semtrace::Telemetry::builder("golden")
        .env_lookup(|_| None)
        .log_bridge(false)
}

fn console(format: ConsoleFormat, ansi: Ansi) -> String {
    let buffer = Buffer::default();
    let (dispatch, guard) = builder()
        .console_format(format)
        .ansi(ansi)
        .console_writer(buffer.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, program);
    drop(guard);
    buffer.text()
}

fn file(format: FileFormat) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (dispatch, guard) = builder()
        .console(false)
        .file_dir(dir.path())
        .file_format(format)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, program);
    drop(guard);
    read_dir_text(dir.path())
}

fn read_dir_text(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(files.remove(0)).unwrap()
}

#[test]
fn console_full() {
    golden("console_full", &console(ConsoleFormat::Full, Ansi::Never));
}

#[test]
fn console_full_ansi() {
    golden(
        "console_full_ansi",
        &console(ConsoleFormat::Full, Ansi::Always),
    );
}

#[test]
fn console_compact() {
    golden(
        "console_compact",
        &console(ConsoleFormat::Compact, Ansi::Never),
    );
}

#[test]
fn console_compact_ansi() {
    golden(
        "console_compact_ansi",
        &console(ConsoleFormat::Compact, Ansi::Always),
    );
}

#[test]
fn console_pretty() {
    golden(
        "console_pretty",
        &console(ConsoleFormat::Pretty, Ansi::Never),
    );
}

#[test]
fn console_pretty_ansi() {
    golden(
        "console_pretty_ansi",
        &console(ConsoleFormat::Pretty, Ansi::Always),
    );
}

#[test]
fn console_json() {
    golden("console_json", &console(ConsoleFormat::Json, Ansi::Never));
}

#[test]
fn console_tree() {
    golden("console_tree", &console(ConsoleFormat::Tree, Ansi::Never));
}

#[test]
fn file_text() {
    golden("file_text", &file(FileFormat::Text));
}

#[test]
fn file_json() {
    golden("file_json", &file(FileFormat::Json));
}

#[test]
fn console_beside_a_debug_file() {
    // Console at info, file at debug: each output keeps its own level, and the
    // debug lines in the file still carry their spans.
    let dir = tempfile::tempdir().unwrap();
    let buffer = Buffer::default();
    let (dispatch, guard) = builder()
        .console_writer(buffer.clone())
        .file_dir(dir.path())
        .file_level("debug")
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, program);
    drop(guard);
    golden("both_console", &buffer.text());
    golden("both_file_debug", &read_dir_text(dir.path()));
}

#[test]
fn levels_changed_while_running_reach_console_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let buffer = Buffer::default();
    let (dispatch, guard) = builder()
        .console_writer(buffer.clone())
        .file_dir(dir.path())
        .build()
        .unwrap();
    let control = guard.control();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::debug!("debug before");
        control.set_file_level("debug").unwrap();
        // Inside the `work` span only: a directive the filter follows span by span.
        control.set_console_level("warn,[work]=info").unwrap();
        tracing::debug!("debug after");
        tracing::info!("info outside work");
        let _ = work(3);
    });
    drop(guard);
    let console = buffer.text();
    let file = read_dir_text(dir.path());
    assert!(!file.contains("debug before"), "{file}");
    assert!(file.contains("debug after"), "{file}");
    assert!(file.contains("planning rows=0"), "{file}");
    assert!(!console.contains("debug after"), "{console}");
    assert!(!console.contains("info outside work"), "{console}");
    assert!(console.contains("working step=\"start\""), "{console}");
    assert!(console.contains("after query value=6"), "{console}");
    assert!(!console.contains("planning"), "{console}");
    assert!(
        console.contains("work{task.id=3"),
        "the span directive enables its span: {console}"
    );
}

/// What the golden program leaves out: an error with sources among a span's
/// fields, a span's `message`, fields recorded into a span that had none, an event
/// without a message, a root event inside a span, and events whose explicit parent
/// is not the current span, or is below the console's level.
fn corners() {
    let error = Outer(Inner);
    let failing = tracing::info_span!(
        "failing",
        error = &error as &dyn std::error::Error,
        message = "a span's \u{1b}message"
    );
    failing.in_scope(|| tracing::info!(r#type = 1, "inside failing"));
    let empty = tracing::info_span!(
        "empty",
        x = tracing::field::Empty,
        y = tracing::field::Empty
    );
    empty.record("y", 2);
    empty.record("x", "first");
    empty.in_scope(|| {
        tracing::error!(only = ?(1, "two"));
        tracing::warn!(parent: None, "a root event inside a span");
        let quiet = tracing::debug_span!("quiet", q = 1);
        tracing::info!(parent: &quiet, "explicit parent below the console's level");
        let elsewhere = tracing::debug_span!(parent: None, "elsewhere");
        tracing::info!(parent: &elsewhere, "explicit parent left out, in another trace");
        tracing::info!(parent: &failing, "explicit parent in another trace");
        tracing::trace_span!("deeper").in_scope(|| tracing::info!("under a trace span"));
    });
}

/// The lines semtrace's span store writes and those of tracing-subscriber's `fmt`
/// layer on its registry (still the path with a layer of the user's) are the same,
/// for the golden program and for `corners`, with the pipeline's level at the
/// console's and below it (spans the console leaves out, the pipeline records).
/// Colours only for `pretty`: `full` and `compact` show a span's error sources
/// without them (see the README).
#[test]
fn lines_on_the_store_are_the_registrys() {
    for (format, ansi, otlp) in [
        (ConsoleFormat::Pretty, Ansi::Never, "info"),
        (ConsoleFormat::Pretty, Ansi::Always, "info"),
        (ConsoleFormat::Pretty, Ansi::Never, "trace"),
        (ConsoleFormat::Pretty, Ansi::Always, "trace"),
        (ConsoleFormat::Full, Ansi::Never, "trace"),
        (ConsoleFormat::Compact, Ansi::Never, "trace"),
        (ConsoleFormat::Json, Ansi::Never, "trace"),
    ] {
        let run = |registry: bool| {
            let buffer = Buffer::default();
            let mut builder = builder()
                .console_format(format)
                .ansi(ansi)
                .otlp_level(otlp)
                .console_writer(buffer.clone());
            if registry {
                builder = builder.with_layer(tracing_subscriber::layer::Identity::new());
            }
            let (dispatch, guard) = builder.build().unwrap();
            tracing::dispatcher::with_default(&dispatch, || {
                program();
                corners();
            });
            drop(guard);
            mask(&buffer.text())
        };
        let (store, registry) = (run(false), run(true));
        if store != registry {
            let diff: Vec<String> = registry
                .lines()
                .zip(store.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .map(|(a, b)| format!("- {a:?}\n+ {b:?}"))
                .collect();
            panic!(
                "{format:?}, {ansi:?}, pipeline at {otlp}:\n{}\n--- store ---\n{store}",
                diff.join("\n")
            );
        }
    }
}
