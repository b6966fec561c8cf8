//! Console and file outputs: formats, per-output filters, trace ids in lines, file
//! rotation naming and `max_files` retention.

use std::io::Write;
use std::sync::{Arc, Mutex};

use semtrace::TelemetryBuilder;
use semtrace::config::{ConsoleFormat, FileFormat, Rotation};
use semtrace_tests::buffer::Buffer;

fn console(format: ConsoleFormat) -> (TelemetryBuilder, Buffer) {
    let buffer = Buffer::default();
    let builder = semtrace::Telemetry::builder("outputs-test")
        .env_lookup(|_| None)
        .console_format(format)
        .console_writer(buffer.clone());
    (builder, buffer)
}

fn emit(builder: TelemetryBuilder) {
    let (dispatch, guard) = builder.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!("outside any span");
        tracing::info_span!("outer", task.id = 7).in_scope(|| {
            tracing::info!(answer = 42, "inside outer");
            tracing::info_span!("inner").in_scope(|| tracing::warn!("inside inner"));
        });
        tracing::debug!("debug line");
    });
    drop(guard);
}

/// `(trace_id, span_id)` written on a text line.
fn ids(line: &str) -> Option<(String, String)> {
    let field = |name: &str| {
        let start = line.find(&format!("{name}="))? + name.len() + 1;
        Some(line[start..].split_whitespace().next()?.to_owned())
    };
    Some((field("trace_id")?, field("span_id")?))
}

fn line<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` in:\n{text}"))
}

#[test]
fn full_format_lines_in_spans_carry_ids_shared_by_the_trace() {
    let (builder, out) = console(ConsoleFormat::Full);
    emit(builder);
    let text = out.text();
    assert!(ids(line(&text, "outside any span")).is_none(), "{text}");
    let (outer_trace, outer_span) = ids(line(&text, "inside outer")).unwrap();
    let (inner_trace, inner_span) = ids(line(&text, "inside inner")).unwrap();
    assert_eq!(outer_trace.len(), 32);
    assert_eq!(outer_span.len(), 16);
    assert_eq!(outer_trace, inner_trace, "one trace");
    assert_ne!(outer_span, inner_span, "two spans");
    assert!(
        line(&text, "inside outer").contains("outer{task.id=7}"),
        "{text}"
    );
    assert!(line(&text, "inside outer").contains("answer=42"), "{text}");
    assert!(
        !text.contains("debug line"),
        "console default level is info"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escapes when not on a terminal"
    );
}

#[test]
fn compact_format() {
    let (builder, out) = console(ConsoleFormat::Compact);
    emit(builder);
    let text = out.text();
    let l = line(&text, "inside inner");
    assert!(ids(l).is_some(), "{l}");
    assert!(l.contains("WARN"), "{l}");
    assert!(
        !l.contains("outer{task.id=7}:inner"),
        "compact has no full span path: {l}"
    );
}

#[test]
fn pretty_format_is_multi_line() {
    let (builder, out) = console(ConsoleFormat::Pretty);
    emit(builder);
    let text = out.text();
    assert!(text.contains("inside outer"));
    assert!(text.contains("  in ") || text.contains("    in "), "{text}");
    assert!(text.lines().any(|l| l.contains("trace_id=")), "{text}");
}

#[test]
fn json_format_has_ids_as_fields() {
    let (builder, out) = console(ConsoleFormat::Json);
    emit(builder);
    let text = out.text();
    let values: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(values.len(), 3, "{text}");
    assert!(values[0].get("trace_id").is_none());
    assert_eq!(values[1]["fields"]["message"], "inside outer");
    assert_eq!(values[1]["fields"]["answer"], 42);
    assert_eq!(values[1]["trace_id"], values[2]["trace_id"]);
    assert_eq!(values[1]["trace_id"].as_str().unwrap().len(), 32);
    assert_ne!(values[1]["span_id"], values[2]["span_id"]);
}

#[test]
fn console_level_filters_console_only() {
    let dir = tempfile::tempdir().unwrap();
    let (builder, out) = console(ConsoleFormat::Full);
    emit(
        builder
            .console_level("warn")
            .file_dir(dir.path())
            .file_level("debug")
            .file_rotation(Rotation::Never)
            .file_prefix("app"),
    );
    let text = out.text();
    assert!(!text.contains("inside outer"), "{text}");
    assert!(text.contains("inside inner"), "{text}");
    let file = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    assert!(file.contains("inside outer"), "{file}");
    assert!(file.contains("debug line"), "{file}");
    assert!(ids(line(&file, "inside inner")).is_some(), "{file}");
}

#[test]
fn ids_come_from_the_opentelemetry_span_when_exporting() {
    #[derive(Debug, Clone, Default)]
    struct Collect(Arc<Mutex<Vec<opentelemetry_sdk::trace::SpanData>>>);
    impl opentelemetry_sdk::trace::SpanExporter for Collect {
        async fn export(
            &self,
            batch: Vec<opentelemetry_sdk::trace::SpanData>,
        ) -> opentelemetry_sdk::error::OTelSdkResult {
            self.0.lock().unwrap().extend(batch);
            Ok(())
        }
    }
    let exporter = Collect::default();
    let (builder, out) = console(ConsoleFormat::Full);
    emit(builder.span_exporter(exporter.clone()));
    let text = out.text();
    let spans = exporter.0.lock().unwrap();
    let inner = spans.iter().find(|s| s.name == "inner").unwrap();
    let (trace, span) = ids(line(&text, "inside inner")).unwrap();
    assert_eq!(trace, inner.span_context.trace_id().to_string());
    assert_eq!(span, inner.span_context.span_id().to_string());
}

fn file_builder(dir: &std::path::Path) -> TelemetryBuilder {
    semtrace::Telemetry::builder("files")
        .env_lookup(|_| None)
        .console(false)
        .file_dir(dir)
        .file_prefix("app")
}

fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn is_date_name(name: &str, parts: usize) -> bool {
    // app.YYYY-MM-DD[-HH[-mm]].log
    let Some(date) = name
        .strip_prefix("app.")
        .and_then(|n| n.strip_suffix(".log"))
    else {
        return false;
    };
    let fields: Vec<&str> = date.split('-').collect();
    fields.len() == parts
        && fields
            .iter()
            .all(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn rotation_names_files_by_period() {
    for (rotation, parts) in [
        (Rotation::Daily, 3),
        (Rotation::Hourly, 4),
        (Rotation::Minutely, 5),
    ] {
        let dir = tempfile::tempdir().unwrap();
        emit(file_builder(dir.path()).file_rotation(rotation));
        let names = file_names(dir.path());
        assert_eq!(names.len(), 1, "{rotation:?}: {names:?}");
        assert!(is_date_name(&names[0], parts), "{rotation:?}: {names:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    emit(file_builder(dir.path()).file_rotation(Rotation::Never));
    assert_eq!(file_names(dir.path()), ["app.log"]);
}

#[test]
fn max_files_removes_the_oldest_files() {
    let dir = tempfile::tempdir().unwrap();
    for day in 1..=4 {
        let mut f =
            std::fs::File::create(dir.path().join(format!("app.2020-01-0{day}.log"))).unwrap();
        writeln!(f, "old").unwrap();
    }
    std::fs::write(dir.path().join("other.txt"), "not a log file").unwrap();
    emit(
        file_builder(dir.path())
            .file_rotation(Rotation::Daily)
            .file_max_files(2),
    );
    let names = file_names(dir.path());
    // tracing-appender keeps the newest files by creation time; files created in the
    // same instant tie, so which old file survives is not asserted.
    let logs: Vec<&String> = names.iter().filter(|n| n.starts_with("app.")).collect();
    assert_eq!(logs.len(), 2, "max_files = 2: {names:?}");
    assert_eq!(
        logs.iter().filter(|n| n.starts_with("app.2020-")).count(),
        1,
        "{names:?}"
    );
    assert!(
        logs.iter()
            .any(|n| !n.starts_with("app.2020-") && is_date_name(n, 3)),
        "{names:?}"
    );
    assert!(
        names.contains(&"other.txt".to_owned()),
        "other files are kept: {names:?}"
    );
}

#[test]
fn json_file_format() {
    let dir = tempfile::tempdir().unwrap();
    emit(
        file_builder(dir.path())
            .file_rotation(Rotation::Never)
            .file_format(FileFormat::Json),
    );
    let text = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v.get("level").is_some());
    }
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn tree_format_prints_each_trace_whole_with_status_fields_and_events() {
    #[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "tasks")]
    fn load(id: i64) -> Result<i64, String> {
        tracing::info!("query sent");
        if id < 0 {
            Err(format!("no task {id}"))
        } else {
            Ok(id)
        }
    }
    let (builder, out) = console(ConsoleFormat::Tree);
    let (dispatch, guard) = builder.build().unwrap();
    let work = |n: i64| {
        tracing::info_span!("handle", task.id = n).in_scope(|| {
            tracing::info!(attempt = 1, "loading");
            let _ = load(n);
            tracing::warn!("done");
        });
    };
    // Two traces on two threads at once: each tree must come out whole.
    std::thread::scope(|s| {
        for n in [-1_i64, 2] {
            let dispatch = dispatch.clone();
            s.spawn(move || tracing::dispatcher::with_default(&dispatch, || work(n)));
        }
    });
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("outside"));
    drop(guard);
    let text = out.text();
    assert!(
        !text.contains('\x1b'),
        "no colours when not a terminal:\n{text}"
    );
    let trees: Vec<&str> = text.split("trace ").filter(|t| !t.is_empty()).collect();
    assert_eq!(trees.len(), 2, "{text}");
    for tree in &trees {
        let lines: Vec<&str> = tree.lines().collect();
        assert_eq!(lines[0].len(), 32, "the trace id heads the tree:\n{tree}");
        assert!(lines[1].starts_with("handle [internal] "), "{tree}");
        assert!(
            lines[2].trim() == "task.id=2" || lines[2].trim() == "task.id=-1",
            "{tree}"
        );
        assert!(
            lines[3].trim_start().starts_with("INFO loading attempt=1"),
            "{tree}"
        );
        let db = lines
            .iter()
            .position(|l| l.starts_with("  SELECT tasks [client] "))
            .unwrap();
        assert!(lines[db + 1].trim() == "db.system.name=sqlite", "{tree}");
        assert!(
            lines[db..]
                .iter()
                .any(|l| l.starts_with("     INFO query sent")),
            "events sit in their span:\n{tree}"
        );
        let done = lines
            .iter()
            .position(|l| l.starts_with("   WARN done"))
            .unwrap();
        assert!(
            done > db,
            "events and children in the order they happened:\n{tree}"
        );
    }
    let failed = trees.iter().find(|t| t.contains("task.id=-1")).unwrap();
    assert!(
        failed.contains("SELECT tasks [client]") && failed.contains("ERROR no task -1"),
        "errors stand out with their description:\n{failed}"
    );
    assert!(text.contains("INFO outside"), "{text}");
}

#[test]
fn tree_format_nests_an_in_process_call_under_its_caller() {
    #[semtrace::traced_http(method = "GET", route = "/items/{id}", parent = headers)]
    fn serve(headers: &http::HeaderMap) -> u16 {
        tracing::info_span!("lookup").in_scope(|| {});
        200
    }
    let (builder, out) = console(ConsoleFormat::Tree);
    let (dispatch, guard) = builder.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("call", otel.kind = "client").in_scope(|| {
            let mut headers = http::HeaderMap::new();
            semtrace::propagation::inject(&mut headers);
            serve(&headers);
        });
    });
    drop(guard);
    let text = out.text();
    assert_eq!(text.matches("trace ").count(), 1, "one tree:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("call [client] "), "{text}");
    let server = lines
        .iter()
        .position(|l| l.starts_with("  GET /items/{id} [server] "))
        .unwrap_or_else(|| panic!("the server span sits under its caller:\n{text}"));
    assert!(
        lines[server..]
            .iter()
            .any(|l| l.starts_with("    lookup [internal] ")),
        "and its own children under it:\n{text}"
    );
}
