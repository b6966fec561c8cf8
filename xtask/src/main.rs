//! Project automation.
//!
//! - `cargo run -p xtask -- generate` reads the OpenTelemetry semantic-conventions registry
//!   (`../shared/semconv/v1.44.0/model`, or `--model DIR`) and semtrace's own registry
//!   (`semconv/registry/`), and writes `semconv/src/generated.rs`.
//! - `cargo run -p xtask -- check` does the same in memory and fails when the committed
//!   file differs. It skips (successfully) when the OpenTelemetry registry is absent.
//! - `cargo run -p xtask -- cycles` fails when, in any crate of the workspace, a module
//!   imports a module that imports it back, and lists those cycles (see [`cycles`]).

mod cycles;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use semtrace_semconv::metrics::{self, MetricDefinition};
use semtrace_semconv::spans::{self, SpanDefinition};
use semtrace_semconv::{
    AttrType, Attribute, Deprecation, DeprecationReason, EnumMember, Stability, load,
};

/// The official registry, relative to the workspace root (the repository is checked out
/// next to `shared/`).
const DEFAULT_MODEL: &str = "../shared/semconv/v1.44.0/model";
/// The GenAI registry (`open-telemetry/semantic-conventions-genai`, its `model/gen-ai`
/// folder), relative to the workspace root: a condensed copy vendored with its
/// license (keys, types, members, definitions; no prose), so every clone generates
/// and checks the table. `--genai DIR` names another (a full checkout).
const DEFAULT_GENAI: &str = "semconv/genai/model/gen-ai";
/// Where the GenAI registry must come from for the committed table: its repository and
/// the commits of the files read (`registry.yaml`, `spans.yaml`; `metrics.yaml`).
const GENAI_SOURCE: &str = "open-telemetry/semantic-conventions-genai: registry.yaml and spans.yaml at 002c8a6ea1c8a42b14a4527db83b3cabcded610a, metrics.yaml (with the agent and tool attribute groups its durations reference, from spans.yaml) at 004902b8cb70aa5ae6ca4ae07132b7daabcd3e10";
/// semtrace's own registry, relative to the workspace root.
const SEMTRACE_REGISTRY: &str = "semconv/registry";
/// The generated table, relative to the workspace root.
const OUTPUT: &str = "semconv/src/generated.rs";

const USAGE: &str = "usage: cargo run -p xtask -- <generate|check> [--model DIR] [--genai DIR]
       cargo run -p xtask -- cycles";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or(USAGE)?;
    let mut model = PathBuf::from(DEFAULT_MODEL);
    let mut genai = PathBuf::from(DEFAULT_GENAI);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" if command != "cycles" => model = args.next().ok_or(USAGE)?.into(),
            "--genai" if command != "cycles" => genai = args.next().ok_or(USAGE)?.into(),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    // Work from the workspace root so every path in messages is short and relative.
    // `cargo run` names the package's folder at run time: a binary built for one
    // checkout (a shared target folder) still reads the checkout it is run in.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    );
    let root = manifest_dir
        .parent()
        .ok_or("xtask is not inside a workspace")?;
    std::env::set_current_dir(root).map_err(|e| format!("cannot enter the workspace root: {e}"))?;

    match command.as_str() {
        "generate" => {
            let text = generate(&model, &genai)?;
            std::fs::write(OUTPUT, text).map_err(|e| format!("cannot write {OUTPUT}: {e}"))?;
            println!("wrote {OUTPUT}");
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            if !model.is_dir() {
                println!(
                    "skipped: the semantic-conventions registry {} is absent, so {OUTPUT} cannot be checked",
                    model.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            if !genai.is_dir() {
                println!(
                    "skipped: the GenAI registry {} is absent, so {OUTPUT} cannot be checked",
                    genai.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let text = generate(&model, &genai)?;
            let committed = std::fs::read_to_string(OUTPUT).unwrap_or_default();
            if committed == text {
                println!("{OUTPUT} is up to date");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{OUTPUT} is stale; run `cargo run -p xtask -- generate`");
                Ok(ExitCode::FAILURE)
            }
        }
        "cycles" => cycles::run(root),
        _ => Err(format!("unknown command `{command}`\n{USAGE}")),
    }
}

/// Loads both registries, checks them against each other and renders the table.
fn generate(model: &Path, genai: &Path) -> Result<String, String> {
    let version = semconv_version(model)?;
    let otel = load::load_dir(model).map_err(|e| e.to_string())?.attributes;
    let genai_attrs = load::load_dir(genai).map_err(|e| e.to_string())?.attributes;
    let own = load::load_dir(Path::new(SEMTRACE_REGISTRY))
        .map_err(|e| e.to_string())?
        .attributes;
    let find = |key: &str| find_in(&genai_attrs, key) || find_in(&otel, key) || find_in(&own, key);
    for attr in &own {
        if find_in(&otel, attr.key) {
            return Err(format!(
                "`{}` in {SEMTRACE_REGISTRY} is already an OpenTelemetry attribute",
                attr.key
            ));
        }
    }
    for attr in genai_attrs.iter().chain(&otel).chain(&own) {
        if let Some(to) = attr.deprecated.and_then(|d| d.renamed_to)
            && !find(to)
        {
            return Err(format!(
                "`{}` is renamed to `{to}`, which is not in the registry",
                attr.key
            ));
        }
    }
    let span_defs = spans::load_dir(model).map_err(|e| e.to_string())?;
    for def in &span_defs {
        for attr in def.attributes {
            if !find(attr.key) {
                return Err(format!(
                    "span `{}` names `{}`, which is not in the registry",
                    def.id, attr.key
                ));
            }
        }
    }
    let official_metrics = metrics::load_dir(model).map_err(|e| e.to_string())?;
    let own_metrics = metrics::load_dir(Path::new(SEMTRACE_REGISTRY)).map_err(|e| e.to_string())?;
    for def in official_metrics.iter().chain(&own_metrics) {
        for attr in def.attributes {
            if !find(attr.key) {
                return Err(format!(
                    "metric `{}` names `{}`, which is not in the registry",
                    def.name, attr.key
                ));
            }
        }
    }
    for def in &own_metrics {
        if official_metrics.iter().any(|d| d.name == def.name) {
            return Err(format!(
                "metric `{}` in {SEMTRACE_REGISTRY} is already an OpenTelemetry metric",
                def.name
            ));
        }
    }
    let (genai_spans, genai_metrics) = genai_definitions(genai, &find)?;
    let mut text = render(&version, &otel, &own, &genai_attrs);
    render_spans(
        &mut text,
        "SPANS",
        "The span definitions of the OpenTelemetry semantic conventions, sorted by id.",
        &span_defs,
    );
    render_spans(
        &mut text,
        "GENAI_SPANS",
        "The span definitions of the GenAI registry ([`GENAI_SOURCE`]), sorted by id.",
        &genai_spans,
    );
    text.push_str(
        "
const fn a(key: &'static str, requirement: Requirement) -> SpanAttribute {
    SpanAttribute { key, requirement }
}
",
    );
    render_metrics(
        &mut text,
        "METRICS",
        &format!(
            "The metric definitions of the OpenTelemetry semantic conventions v{version}, sorted by name."
        ),
        &official_metrics,
    );
    render_metrics(
        &mut text,
        "SEMTRACE_METRICS",
        "semtrace's own metric definitions (`semconv/registry/`): `task.duration` and the pipeline's `semtrace.*` counters, sorted by name.",
        &own_metrics,
    );
    render_metrics(
        &mut text,
        "GENAI_METRICS",
        "The metric definitions of the GenAI registry ([`GENAI_SOURCE`]), sorted by name.",
        &genai_metrics,
    );
    Ok(text)
}

/// The GenAI registry's own span and metric definitions, each attribute they name
/// checked with `find`. Provider refinements (`openai.*`, …) name attributes of other
/// folders and are not read.
fn genai_definitions(
    genai: &Path,
    find: &dyn Fn(&str) -> bool,
) -> Result<(Vec<SpanDefinition>, Vec<MetricDefinition>), String> {
    let genai_spans: Vec<SpanDefinition> = spans::load_dir(genai)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|d| d.id.starts_with("gen_ai."))
        .collect();
    let genai_metrics: Vec<MetricDefinition> = metrics::load_dir(genai)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|d| d.name.starts_with("gen_ai."))
        .collect();
    for def in &genai_spans {
        if let Some(attr) = def.attributes.iter().find(|a| !find(a.key)) {
            return Err(format!(
                "GenAI span `{}` names `{}`, which is not in the registry",
                def.id, attr.key
            ));
        }
    }
    for def in &genai_metrics {
        if let Some(attr) = def.attributes.iter().find(|a| !find(a.key)) {
            return Err(format!(
                "GenAI metric `{}` names `{}`, which is not in the registry",
                def.name, attr.key
            ));
        }
    }
    Ok((genai_spans, genai_metrics))
}

fn find_in(table: &[Attribute], key: &str) -> bool {
    table.binary_search_by(|a| a.key.cmp(key)).is_ok()
}

/// The version at the end of `schema_url` in the registry's `manifest.yaml`
/// (`schema_url: https://opentelemetry.io/schemas/1.44.0`).
fn semconv_version(model: &Path) -> Result<String, String> {
    let manifest = model.join("manifest.yaml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    text.lines()
        .find_map(|line| line.strip_prefix("schema_url:"))
        .and_then(|url| url.trim().trim_matches(['"', '\'']).rsplit('/').next())
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "{}: no `schema_url` ending in a version",
                manifest.display()
            )
        })
}

/// Names for the enum member lists, shared by identical lists.
#[derive(Default)]
struct MemberLists {
    names: HashMap<&'static [EnumMember], String>,
    taken: HashSet<String>,
    /// In order of first use: (name, members).
    order: Vec<(String, &'static [EnumMember])>,
}

impl MemberLists {
    fn name_for(&mut self, key: &str, members: &'static [EnumMember]) -> String {
        if let Some(name) = self.names.get(members) {
            return name.clone();
        }
        let base: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        self.names.insert(members, name.clone());
        self.order.push((name.clone(), members));
        name
    }
}

const HELPERS: &str = r"
const fn attr(
    key: &'static str,
    ty: V,
    stability: Stability,
    deprecated: Option<Deprecation>,
) -> Attribute {
    Attribute {
        key,
        ty: AttrType::Value(ty),
        template: false,
        stability,
        deprecated,
    }
}

const fn template(
    key: &'static str,
    ty: V,
    stability: Stability,
    deprecated: Option<Deprecation>,
) -> Attribute {
    Attribute {
        key,
        ty: AttrType::Value(ty),
        template: true,
        stability,
        deprecated,
    }
}

const fn enumeration(
    key: &'static str,
    base: V,
    members: &'static [EnumMember],
    stability: Stability,
    deprecated: Option<Deprecation>,
) -> Attribute {
    let ty = AttrType::Enum { base, members };
    Attribute {
        key,
        ty,
        template: false,
        stability,
        deprecated,
    }
}

const fn renamed(to: &'static str, note: &'static str) -> Deprecation {
    Deprecation {
        reason: DeprecationReason::Renamed,
        renamed_to: Some(to),
        note,
    }
}

const fn obsoleted(note: &'static str) -> Deprecation {
    Deprecation {
        reason: DeprecationReason::Obsoleted,
        renamed_to: None,
        note,
    }
}

const fn uncategorized(note: &'static str) -> Deprecation {
    Deprecation {
        reason: DeprecationReason::Uncategorized,
        renamed_to: None,
        note,
    }
}

const fn member(id: &'static str, value: &'static str) -> EnumMember {
    EnumMember {
        id,
        value,
        deprecated: false,
    }
}

const fn deprecated_member(id: &'static str, value: &'static str) -> EnumMember {
    EnumMember {
        id,
        value,
        deprecated: true,
    }
}
";

fn render(version: &str, otel: &[Attribute], own: &[Attribute], genai: &[Attribute]) -> String {
    let mut lists = MemberLists::default();
    let mut out = String::new();
    let w = &mut out;
    // `write!` to a String cannot fail.
    let _ = writeln!(
        w,
        "// @generated by `cargo run -p xtask -- generate` from OpenTelemetry semantic conventions v{version} and the GenAI registry ({GENAI_SOURCE}) — do not edit"
    );
    let _ = writeln!(
        w,
        "//! The attribute tables, each sorted by key.
//!
//! [`OTEL`] holds every attribute of the OpenTelemetry semantic conventions v{version};
//! [`SEMTRACE`] holds semtrace's own registry (`semconv/registry/`): the `task.*` and
//! `worker.*` attributes and tracing-opentelemetry's special `otel.*` span fields.
//! [`SPANS`] holds the span definitions of v{version}, their attributes resolved;
//! [`METRICS`] the metric definitions, [`SEMTRACE_METRICS`] semtrace's own.
//! [`GENAI`], [`GENAI_SPANS`] and [`GENAI_METRICS`] hold the GenAI registry
//! ([`GENAI_SOURCE`]), which v{version} marks as moved out: its attributes are searched
//! before [`OTEL`]'s deprecated copies.

use crate::model::Requirement::{{self, ConditionallyRequired, OptIn, Recommended, Required}};
use crate::model::Stability::{{Development, ReleaseCandidate, Stable}};
use crate::model::ValueType as V;
use crate::model::{{
    AttrType, Attribute, Deprecation, DeprecationReason, EnumMember, Instrument, MetricDefinition,
    SpanAttribute, SpanDefinition, SpanKind, Stability,
}};

/// The semantic-conventions version [`OTEL`] was generated from.
pub const SEMCONV_VERSION: &str = {version:?};

/// Where the GenAI tables were generated from: the repository and its commits.
pub const GENAI_SOURCE: &str = {GENAI_SOURCE:?};"
    );
    table(
        w,
        "OTEL",
        "The OpenTelemetry semantic-conventions attributes.",
        otel,
        &mut lists,
    );
    table(
        w,
        "SEMTRACE",
        "semtrace's own attributes: `task.*`, `worker.*`, and tracing-opentelemetry's `otel.name` / `otel.kind`.",
        own,
        &mut lists,
    );
    table(
        w,
        "GENAI",
        "The GenAI registry's attributes ([`GENAI_SOURCE`]).",
        genai,
        &mut lists,
    );
    for (name, members) in &lists.order {
        let _ = writeln!(w, "\n#[rustfmt::skip]\nstatic {name}: &[EnumMember] = &[");
        for m in *members {
            let f = if m.deprecated {
                "deprecated_member"
            } else {
                "member"
            };
            let _ = writeln!(w, "    {f}({:?}, {:?}),", m.id, m.value);
        }
        let _ = writeln!(w, "];");
    }
    out.push_str(HELPERS);
    out
}

/// Appends the generated `SPANS` table: one line per definition, attributes as `(key, level)` pairs.
fn render_spans(w: &mut String, name: &str, doc: &str, defs: &[SpanDefinition]) {
    let _ = writeln!(
        w,
        "\n/// {doc}\n#[rustfmt::skip]\npub static {name}: &[SpanDefinition] = &["
    );
    for def in defs {
        let kinds: Vec<String> = def
            .kinds
            .iter()
            .map(|k| format!("SpanKind::{k:?}"))
            .collect();
        let _ = writeln!(
            w,
            "    SpanDefinition {{ id: {:?}, kinds: &[{}], attributes: &[",
            def.id,
            kinds.join(", ")
        );
        for a in def.attributes {
            let _ = writeln!(w, "        a({:?}, {:?}),", a.key, a.requirement);
        }
        let _ = writeln!(w, "    ] }},");
    }
    let _ = writeln!(w, "];");
}

/// Appends a metric table: one entry per definition, attributes as `(key, level)` pairs.
fn render_metrics(w: &mut String, name: &str, doc: &str, defs: &[MetricDefinition]) {
    let _ = writeln!(
        w,
        "\n/// {doc}\n#[rustfmt::skip]\npub static {name}: &[MetricDefinition] = &["
    );
    for def in defs {
        let stability = match def.stability {
            Stability::Stable => "Stable",
            Stability::ReleaseCandidate => "ReleaseCandidate",
            Stability::Development => "Development",
        };
        let _ = writeln!(
            w,
            "    MetricDefinition {{ name: {:?}, instrument: Instrument::{:?}, unit: {:?}, stability: {stability}, deprecated: {},\n        brief: {:?},\n        attributes: &[",
            def.name,
            def.instrument,
            def.unit,
            deprecation(def.deprecated),
            def.brief,
        );
        for a in def.attributes {
            let _ = writeln!(w, "            a({:?}, {:?}),", a.key, a.requirement);
        }
        let _ = writeln!(w, "    ] }},");
    }
    let _ = writeln!(w, "];");
}

fn table(w: &mut String, name: &str, doc: &str, attrs: &[Attribute], lists: &mut MemberLists) {
    let _ = writeln!(
        w,
        "\n/// {doc}\n#[rustfmt::skip]\npub static {name}: &[Attribute] = &["
    );
    for a in attrs {
        let stability = match a.stability {
            Stability::Stable => "Stable",
            Stability::ReleaseCandidate => "ReleaseCandidate",
            Stability::Development => "Development",
        };
        let deprecated = deprecation(a.deprecated);
        let key = a.key;
        let line = match a.ty {
            AttrType::Value(v) => {
                let f = if a.template { "template" } else { "attr" };
                format!("{f}({key:?}, V::{v:?}, {stability}, {deprecated})")
            }
            AttrType::Enum { base, members } => {
                let list = lists.name_for(key, members);
                format!("enumeration({key:?}, V::{base:?}, {list}, {stability}, {deprecated})")
            }
        };
        let _ = writeln!(w, "    {line},");
    }
    let _ = writeln!(w, "];");
}

fn deprecation(d: Option<Deprecation>) -> String {
    let Some(d) = d else {
        return "None".to_owned();
    };
    let note = d.note;
    match (d.reason, d.renamed_to) {
        (DeprecationReason::Renamed, Some(to)) => format!("Some(renamed({to:?}, {note:?}))"),
        (DeprecationReason::Obsoleted, None) => format!("Some(obsoleted({note:?}))"),
        (DeprecationReason::Uncategorized, None) => format!("Some(uncategorized({note:?}))"),
        (reason, renamed_to) => format!(
            "Some(Deprecation {{ reason: DeprecationReason::{reason:?}, renamed_to: {renamed_to:?}, note: {note:?} }})"
        ),
    }
}
