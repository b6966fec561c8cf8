//! The catalogue as a Weaver-format registry: one `definition/2` file of spans and
//! metrics that reference the conventions' attributes.

use std::collections::BTreeMap;

use serde::Serialize;

use semtrace_semconv::spans::Requirement;

use super::entry::{Entry, Metric, SpanName, Value, catalogue};

/// The service's telemetry as a Weaver-format registry (`file_format: definition/2`).
///
/// Every annotated function is a span (`type: <module path>.<function>`, its kind,
/// a `name` note with the span's name or the rule that makes it, and a `ref` to each
/// attribute it declares, with the conventions' requirement level); every metric
/// the functions record is a histogram with the union of their attributes. The
/// attributes are the semantic conventions' (and the crate's `semconv/` registry's):
/// the file refers to them and defines none. Deterministic: the same program writes
/// the same text, so two releases' files diff line by line.
///
/// semtrace's own loader reads it back: `semtrace_semconv::spans::parse_str` gives
/// each span's kind and attributes, `semtrace_semconv::metrics::parse_str` each
/// metric's instrument, unit, description and attributes.
///
/// ```
/// #[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "users")]
/// fn load_user(id: u64) {}
///
/// let yaml = semtrace::catalogue::to_registry_yaml();
/// assert!(yaml.contains("file_format: definition/2"));
/// assert!(yaml.contains("- name: db.client.operation.duration"));
/// ```
pub fn to_registry_yaml() -> String {
    registry_yaml(catalogue())
}

/// The registry of `entries`.
pub(crate) fn registry_yaml(entries: &[Entry]) -> String {
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries {
        *ids.entry(span_type(e)).or_default() += 1;
    }
    let spans = entries
        .iter()
        .map(|e| {
            let mut ty = span_type(e);
            // Two functions of one name in one module (methods of two types): the
            // line tells them apart.
            if ids[&ty] > 1 {
                ty = format!("{ty}.line_{}", e.location.line);
            }
            Span {
                ty,
                kind: e.kind.as_str(),
                stability: "development",
                brief: format!(
                    "`{}` ({}), {}:{}.",
                    e.function, e.domain, e.location.file, e.location.line
                ),
                name: Note {
                    note: match e.span_name {
                        SpanName::Static(name) => name.to_owned(),
                        SpanName::Rule { rule, .. } => format!("per call: {rule}"),
                    },
                },
                attributes: e
                    .attributes
                    .iter()
                    .map(|a| Ref {
                        key: a.key,
                        requirement_level: a.requirement.as_str(),
                        note: match a.value {
                            Value::PerCall => None,
                            Value::Str(s) => Some(format!("always `{s}`")),
                            Value::Int(i) => Some(format!("always `{i}`")),
                            Value::Double(d) => Some(format!("always `{d}`")),
                            Value::Bool(b) => Some(format!("always `{b}`")),
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    let file = Document {
        file_format: "definition/2",
        spans,
        metrics: metrics(entries),
    };
    let body = serde_yaml_ng::to_string(&file).unwrap_or_else(|e| {
        // Only strings, lists and maps of strings: nothing serde_yaml_ng refuses.
        unreachable!("the registry serializes: {e}")
    });
    format!(
        "# The service's telemetry, written by semtrace::catalogue::to_registry_yaml:\n\
         # every span and metric its annotated functions emit. The attributes are the\n\
         # OpenTelemetry semantic conventions' (v{}) and the service's own registry's.\n{body}",
        semtrace_semconv::SEMCONV_VERSION
    )
}

/// A span's `type`: its function's module path and name, dot-separated.
pub(crate) fn span_type(e: &Entry) -> String {
    format!(
        "{}.{}",
        e.location.module_path.replace("::", "."),
        e.function
    )
}

/// Each metric once, with every attribute any function records it with.
fn metrics(entries: &[Entry]) -> Vec<MetricDef> {
    let mut by_name: BTreeMap<&str, (Metric, BTreeMap<&str, Requirement>)> = BTreeMap::new();
    for m in entries.iter().filter_map(|e| e.metric) {
        let (_, attrs) = by_name.entry(m.name).or_insert((m, BTreeMap::new()));
        for a in m.attributes {
            attrs.insert(a.key, a.requirement);
        }
    }
    by_name
        .into_values()
        .map(|(m, attrs)| MetricDef {
            name: m.name,
            instrument: "histogram",
            unit: m.unit,
            stability: "development",
            brief: m.brief,
            attributes: attrs
                .into_iter()
                .map(|(key, r)| Ref {
                    key,
                    requirement_level: r.as_str(),
                    note: None,
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct Document {
    file_format: &'static str,
    spans: Vec<Span>,
    metrics: Vec<MetricDef>,
}

#[derive(Serialize)]
struct Span {
    #[serde(rename = "type")]
    ty: String,
    kind: &'static str,
    stability: &'static str,
    brief: String,
    name: Note,
    attributes: Vec<Ref>,
}

#[derive(Serialize)]
struct Note {
    note: String,
}

#[derive(Serialize)]
struct MetricDef {
    name: &'static str,
    instrument: &'static str,
    unit: &'static str,
    stability: &'static str,
    brief: &'static str,
    attributes: Vec<Ref>,
}

#[derive(Serialize)]
struct Ref {
    #[serde(rename = "ref")]
    key: &'static str,
    requirement_level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}
