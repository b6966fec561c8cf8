//! `semtrace-check`: checks spans in OTLP JSON files against the semantic-conventions
//! registry semtrace's macros use (OpenTelemetry v1.44.0, semtrace's own, and any
//! `--registry` folder), like OpenTelemetry Weaver's live-check, for spans from any
//! language.
//!
//! ```text
//! semtrace-check [--fail-on KIND] [--registry DIR]... FILE...
//! ```
//!
//! A file holds OTLP JSON: one `ExportTraceServiceRequest` (`{"resourceSpans": …}`),
//! or one per line as semtrace's `console` exporter and the OpenTelemetry Collector's
//! file exporter write them. Every finding is one line on stdout, beginning with its
//! kind and naming the attribute and the span. The exit status is 1 when a finding at
//! or above `--fail-on` exists (default `type_mismatch`; lowest to highest:
//! `deprecated`, `undefined_enum_variant`, `missing_attribute`, `type_mismatch`,
//! `required_attribute_not_present`), 2 when a file or an option is wrong, else 0.
//!
//! ```text
//! semtrace-check export --admin URL [--out DIR] [--token TOKEN] [--tempo UID | --jaeger UID]
//! ```
//!
//! writes a running service's telemetry catalogue as three files: its registry,
//! its Grafana dashboard and the alert rules of its objectives (see `export.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use semtrace_semconv::Registry;
use semtrace_semconv::live::{Finding, FindingKind, Observed, check_attribute};

mod export;

struct Options {
    fail_on: FindingKind,
    registries: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

const USAGE: &str = "usage: semtrace-check [--fail-on KIND] [--registry DIR]... FILE...\n       semtrace-check export --admin URL [--out DIR] [--token TOKEN] [--tempo UID | --jaeger UID] [--title TITLE]";

fn options() -> Result<Options, String> {
    let mut o = Options {
        fail_on: FindingKind::TypeMismatch,
        registries: Vec::new(),
        files: Vec::new(),
    };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--fail-on") => {
                let value = args.next().ok_or("`--fail-on` needs a kind")?;
                let value = value.to_string_lossy();
                o.fail_on = FindingKind::from_name(&value).ok_or_else(|| {
                    let kinds: Vec<_> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
                    format!(
                        "invalid value `{value}` for `--fail-on`: expected one of {}",
                        kinds.join(", ")
                    )
                })?;
            }
            Some("--registry") => {
                o.registries
                    .push(args.next().ok_or("`--registry` needs a folder")?.into());
            }
            Some("--help" | "-h") => return Err(USAGE.to_owned()),
            Some(flag) if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}`\n{USAGE}"));
            }
            _ => o.files.push(arg.into()),
        }
    }
    if o.files.is_empty() {
        return Err(format!("no file to check\n{USAGE}"));
    }
    Ok(o)
}

/// The requests in a file: the whole file as one, else one per non-empty line.
fn requests(text: &str) -> Result<Vec<ExportTraceServiceRequest>, String> {
    if let Ok(request) = serde_json::from_str(text) {
        return Ok(vec![request]);
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .map_err(|e| format!("line {}: not an OTLP JSON request: {e}", i + 1))
        })
        .collect()
}

fn observed(value: Option<&Value>) -> Observed<'_> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
    let array_kind = |values: &[opentelemetry_proto::tonic::common::v1::AnyValue]| match values
        .first()
        .and_then(|v| v.value.as_ref())
    {
        Some(V::StringValue(_)) | None => Observed::StrArray,
        Some(V::IntValue(_)) => Observed::IntArray,
        Some(V::DoubleValue(_)) => Observed::DoubleArray,
        Some(V::BoolValue(_)) => Observed::BoolArray,
        Some(_) => Observed::Other,
    };
    match value {
        Some(V::StringValue(s)) => Observed::Str(s),
        Some(V::IntValue(i)) => Observed::Int(*i),
        Some(V::DoubleValue(d)) => Observed::Double(*d),
        Some(V::BoolValue(b)) => Observed::Bool(*b),
        Some(V::ArrayValue(a)) => array_kind(&a.values),
        _ => Observed::Other,
    }
}

fn registry(folders: &[PathBuf]) -> Result<Registry, String> {
    let mut registry = Registry::builtin();
    for folder in folders {
        let loaded = semtrace_semconv::load::load_dir(folder).map_err(|e| e.to_string())?;
        registry = registry.with_table(Vec::leak(loaded.attributes));
    }
    Ok(registry)
}

fn run(o: &Options) -> Result<(Vec<Finding>, usize), String> {
    let registry = registry(&o.registries)?;
    let mut findings = Vec::new();
    let mut spans = 0;
    for file in &o.files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let requests = requests(&text).map_err(|e| format!("`{}`: {e}", file.display()))?;
        for span in requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans)
        {
            spans += 1;
            for kv in &span.attributes {
                let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
                check_attribute(
                    &registry,
                    &span.name,
                    &kv.key,
                    observed(value),
                    &mut findings,
                );
            }
        }
    }
    Ok((findings, spans))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "export") {
        return export::run(args.skip(1));
    }
    let result = options().and_then(|o| run(&o).map(|r| (o.fail_on, r)));
    match result {
        Ok((fail_on, (findings, spans))) => {
            for finding in &findings {
                println!("{finding}");
            }
            let failing = findings.iter().filter(|f| f.kind >= fail_on).count();
            eprintln!(
                "semtrace-check: {} finding(s) in {spans} span(s), {failing} at or above `{fail_on}`",
                findings.len()
            );
            if failing > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("semtrace-check: {message}");
            ExitCode::from(2)
        }
    }
}
