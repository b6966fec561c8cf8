//! `semtrace-check` on a file the `console` exporter wrote: one line per finding,
//! the exit status by `--fail-on`, clean spans pass, bad input is an error.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Spans with one mistake of each kind, then a clean one, as OTLP JSON lines.
fn spans_file(dir: &Path) -> PathBuf {
    let path = dir.join("spans.jsonl");
    let (dispatch, guard) = semtrace::Telemetry::builder("check-cli")
        .env_lookup(|_| None)
        .console(false)
        .traces_exporters([semtrace::config::TracesExporter::Console])
        .console_exporter_path(&path)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("mistakes", "db.sytem" = "postgresql", "http.method" = "GET")
            .in_scope(|| {});
        tracing::info_span!("typed", "http.response.status_code" = "200").in_scope(|| {});
        tracing::info_span!("clean", "db.system.name" = "sqlite").in_scope(|| {});
    });
    guard.shutdown().unwrap();
    path
}

fn check(args: &[&str], file: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_semtrace-check"));
    command.args(args);
    if let Some(file) = file {
        command.arg(file);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn one_line_per_finding_and_the_status_by_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = spans_file(dir.path());
    let (status, out, err) = check(&[], Some(&file));
    assert_eq!(status, 1, "a type mismatch fails by default\n{out}{err}");
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines.iter().any(|l| l.starts_with(
        "missing_attribute attribute=db.sytem span=\"mistakes\": `db.sytem` is in no registry; did you mean `db.system.name`?"
    )), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("deprecated attribute=http.method span=\"mistakes\"")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("type_mismatch attribute=http.response.status_code span=\"typed\"")),
        "{out}"
    );
    assert!(
        err.contains("3 finding(s) in 3 span(s), 1 at or above `type_mismatch`"),
        "{err}"
    );

    let (status, _, _) = check(
        &["--fail-on", "required_attribute_not_present"],
        Some(&file),
    );
    assert_eq!(status, 0);
    let (status, _, err) = check(&["--fail-on", "deprecated"], Some(&file));
    assert_eq!(status, 1);
    assert!(err.contains("3 at or above `deprecated`"), "{err}");
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) = check(&["--fail-on", "typo"], Some(dir.path()));
    assert_eq!(status, 2);
    assert!(
        err.contains("invalid value `typo` for `--fail-on`: expected one of deprecated"),
        "{err}"
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"resourceSpans\": [}\nnot json\n").unwrap();
    let (status, _, err) = check(&[], Some(&junk));
    assert_eq!(status, 2);
    assert!(
        err.contains("junk.json") && err.contains("line 1: not an OTLP JSON request"),
        "{err}"
    );
    let (status, _, err) = check(&[], None);
    assert_eq!(status, 2);
    assert!(err.contains("no file to check"), "{err}");
}
