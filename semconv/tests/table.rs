//! The generated tables against the OpenTelemetry v1.44.0 registry, and lookups over them.

use std::collections::HashSet;
use std::path::Path;

use semtrace_semconv::generated::{OTEL, SEMTRACE};
use semtrace_semconv::{
    AttrType, Attribute, DeprecationReason, Registry, SEMCONV_VERSION, Stability, ValueType,
};

fn otel(key: &str) -> &'static Attribute {
    OTEL.iter()
        .find(|a| a.key == key)
        .unwrap_or_else(|| panic!("`{key}` is not in OTEL"))
}

fn member_values(attr: &Attribute) -> Vec<&'static str> {
    match attr.ty {
        AttrType::Enum { members, .. } => members.iter().map(|m| m.value).collect(),
        AttrType::Value(v) => panic!("`{}` is a {v:?}, not an enum", attr.key),
    }
}

#[test]
fn otel_counts_match_the_v1_44_0_registry() {
    assert_eq!(SEMCONV_VERSION, "1.44.0");
    assert_eq!(OTEL.len(), 940);
    assert_eq!(OTEL.iter().filter(|a| a.deprecated.is_some()).count(), 206);
    let renamed = OTEL
        .iter()
        .filter(|a| a.deprecated.is_some_and(|d| d.renamed_to.is_some()))
        .count();
    assert_eq!(renamed, 97);
    assert_eq!(OTEL.iter().filter(|a| a.template).count(), 41);
    let enums = OTEL
        .iter()
        .filter(|a| matches!(a.ty, AttrType::Enum { .. }))
        .count();
    assert_eq!(enums, 171);
}

#[test]
fn tables_are_sorted_unique_and_disjoint() {
    for table in [OTEL, SEMTRACE] {
        for w in table.windows(2) {
            assert!(w[0].key < w[1].key, "`{}` before `{}`", w[0].key, w[1].key);
        }
    }
    let otel: HashSet<_> = OTEL.iter().map(|a| a.key).collect();
    for a in SEMTRACE {
        assert!(!otel.contains(a.key), "`{}` is in both tables", a.key);
    }
}

#[test]
fn every_rename_target_resolves() {
    let registry = Registry::builtin();
    let unresolved: Vec<_> = registry
        .iter()
        .filter_map(|a| a.deprecated.and_then(|d| d.renamed_to))
        .filter(|to| registry.exact(to).is_none())
        .collect();
    assert_eq!(unresolved, Vec::<&str>::new());
}

#[test]
fn spot_checks() {
    let db_system = otel("db.system.name");
    assert!(member_values(db_system).contains(&"postgresql"));
    assert_eq!(db_system.ty.value_type(), ValueType::String);

    let method = otel("http.request.method");
    assert_eq!(method.ty.value_type(), ValueType::String);
    assert!(member_values(method).contains(&"GET"));
    assert_eq!(method.stability, Stability::Stable);

    let header = otel("http.request.header");
    assert!(header.template);
    assert_eq!(header.ty, AttrType::Value(ValueType::StringArray));

    let old = otel("http.method").deprecated.expect("deprecated");
    assert_eq!(old.reason, DeprecationReason::Renamed);
    assert_eq!(old.renamed_to, Some("http.request.method"));

    assert_eq!(otel("otel.status_code").ty.value_type(), ValueType::String);
    assert_eq!(member_values(otel("otel.status_code")), ["OK", "ERROR"]);
    assert_eq!(
        otel("otel.status_description").ty,
        AttrType::Value(ValueType::String)
    );

    // Int enum members keep their numeric value.
    let grpc = otel("rpc.grpc.status_code");
    assert_eq!(grpc.ty.value_type(), ValueType::Int);
    assert_eq!(member_values(grpc)[..3], ["0", "1", "2"]);
}

#[test]
fn semtrace_registry() {
    let registry = Registry::builtin();
    let state = registry.exact("task.state").expect("task.state");
    assert_eq!(
        member_values(state),
        ["pending", "running", "completed", "failed", "cancelled"]
    );
    assert_eq!(state.stability, Stability::Development);
    for (key, ty) in [
        ("task.id", ValueType::String),
        ("task.type", ValueType::String),
        ("task.priority", ValueType::Int),
        ("task.worker_id", ValueType::String),
        ("task.attempt", ValueType::Int),
        ("worker.id", ValueType::String),
        ("worker.state", ValueType::String),
        ("worker.capacity", ValueType::Int),
        ("otel.name", ValueType::String),
    ] {
        let attr = registry.exact(key).unwrap_or_else(|| panic!("no `{key}`"));
        assert_eq!(attr.ty, AttrType::Value(ty), "{key}");
    }
    let kind = registry.exact("otel.kind").expect("otel.kind");
    assert_eq!(
        member_values(kind),
        ["server", "client", "producer", "consumer", "internal"]
    );
    assert_eq!(SEMTRACE.len(), 13);
}

#[test]
fn lookup_matches_templates_by_prefix() {
    let registry = Registry::builtin();
    let m = registry
        .lookup("http.request.header.content-type")
        .expect("template match");
    assert!(m.by_template);
    assert_eq!(m.attribute.key, "http.request.header");
    // The template itself, with no suffix, is not a key.
    assert!(registry.lookup("http.request.header").is_none());
    assert!(registry.lookup("http.request.header.").is_none());
    let exact = registry.lookup("http.request.method").expect("exact");
    assert!(!exact.by_template);
}

#[test]
fn suggestions() {
    let registry = Registry::builtin();
    // `db.system` was renamed; the suggestion is the current name.
    assert_eq!(registry.suggest("db.sytem"), Some("db.system.name"));
    assert_eq!(registry.suggest("task.stat"), Some("task.state"));
    assert_eq!(
        registry.suggest("http.request.methd"),
        Some("http.request.method")
    );
    assert_eq!(registry.suggest("zzzz.qqq"), None);
}

/// The committed table matches the registry it was generated from. The CI script runs
/// `cargo run -p xtask -- check`, which compares the whole file; this catches the common
/// case (a changed registry) in a plain `cargo test`.
#[test]
fn generated_table_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("../../shared/semconv/v1.44.0/model");
    if !model.is_dir() {
        println!(
            "skipped: the OpenTelemetry registry is absent; nothing to compare generated.rs with"
        );
        return;
    }
    let loaded = semtrace_semconv::load::load_dir(&model).expect("official registry loads");
    // Not `assert_eq!`: a debug dump of 940 attributes would bury the message.
    assert!(
        loaded.attributes == OTEL,
        "semconv/src/generated.rs is stale; run `cargo run -p xtask -- generate`"
    );
    let own = semtrace_semconv::load::load_dir(&root.join("registry")).expect("own registry");
    assert!(
        own.attributes == SEMTRACE,
        "semconv/src/generated.rs is stale; run `cargo run -p xtask -- generate`"
    );
}

mod spans {
    use std::path::Path;

    use semtrace_semconv::spans::{self, Requirement, SpanKind};

    #[test]
    fn span_definitions_are_sorted_and_name_known_attributes() {
        let table = semtrace_semconv::generated::SPANS;
        assert!(table.len() > 50, "{} span definitions", table.len());
        assert!(table.windows(2).all(|w| w[0].id < w[1].id));
        let registry = semtrace_semconv::Registry::builtin();
        for def in table {
            assert!(def.attributes.windows(2).all(|w| w[0].key < w[1].key));
            for a in def.attributes {
                assert!(registry.exact(a.key).is_some(), "{}: {}", def.id, a.key);
            }
        }
    }

    #[test]
    fn extends_and_ref_group_are_resolved() {
        // `span.db.client` extends `trace.db.common.full`, which states `db.system.name`.
        let db = spans::official("span.db.client").unwrap();
        assert_eq!(db.kinds, [SpanKind::Client]);
        assert_eq!(
            db.requirement("db.system.name"),
            Some(Requirement::Required)
        );
        assert_eq!(
            db.requirement("db.response.returned_rows"),
            Some(Requirement::OptIn)
        );
        // Messaging spans take `messaging.system` from a `ref_group`; the span's own
        // `ref` without a level keeps `required`.
        let process = spans::official("messaging.process.consumer").unwrap();
        assert_eq!(process.kinds, [SpanKind::Consumer]);
        assert_eq!(
            process.required().collect::<Vec<_>>(),
            ["messaging.operation.name", "messaging.system"]
        );
        // A refinement keeps its base's kind and adds its attributes.
        let kafka = spans::official("span.messaging.kafka.send.producer").unwrap();
        assert_eq!(kafka.kinds, [SpanKind::Producer]);
        assert!(kafka.requirement("messaging.kafka.message.key").is_some());
        assert_eq!(
            kafka.requirement("messaging.system"),
            Some(Requirement::Required)
        );
    }

    #[test]
    fn a_later_level_overrides_and_a_cycle_is_an_error() {
        let yaml = "
file_format: definition/2
attribute_groups:
  - id: common
    attributes:
      - ref: app.a
        requirement_level: required
      - ref: app.b
spans:
  - type: app.job
    kind: internal
    attributes:
      - ref_group: common
      - ref: app.a
      - ref: app.b
        requirement_level:
          conditionally_required: when known
";
        let defs = spans::parse_str(yaml, Path::new("app.yaml")).unwrap();
        assert_eq!(defs[0].kinds, [SpanKind::Internal]);
        assert_eq!(defs[0].requirement("app.a"), Some(Requirement::Required));
        assert_eq!(
            defs[0].requirement("app.b"),
            Some(Requirement::ConditionallyRequired)
        );
        let cycle = "
groups:
  - id: span.a
    type: span
    span_kind: client
    extends: span.a
";
        let err = spans::parse_str(cycle, Path::new("c.yaml")).unwrap_err();
        assert!(
            err.to_string().contains("extends or includes itself"),
            "{err}"
        );
    }
}

/// The GenAI registry's definitions are found before v1.44.0's deprecated copies.
#[test]
fn genai_registry_is_known_and_current() {
    use semtrace_semconv::{Registry, generated, spans};
    let registry = Registry::builtin();
    let m = registry
        .exact("gen_ai.request.model")
        .expect("gen_ai.request.model");
    assert!(m.deprecated.is_none(), "{m:?}");
    assert_eq!(
        registry.suggest("gen_ai.request.modle"),
        Some("gen_ai.request.model")
    );
    let chat = spans::official("gen_ai.inference.client").expect("inference span");
    assert_eq!(chat.kinds, [spans::SpanKind::Client]);
    assert_eq!(
        chat.requirement("gen_ai.provider.name"),
        Some(spans::Requirement::Required)
    );
    let tool = spans::official("gen_ai.execute_tool.internal").expect("tool span");
    assert_eq!(tool.kinds, [spans::SpanKind::Internal]);
    let duration = semtrace_semconv::metrics::builtin("gen_ai.client.operation.duration")
        .expect("duration metric");
    assert!(duration.deprecated.is_none());
    assert_eq!(duration.unit, "s");
    assert!(generated::GENAI_SOURCE.contains("002c8a6ea1c8a42b14a4527db83b3cabcded610a"));
}

/// The GenAI part of the table matches the condensed GenAI registry vendored in
/// `semconv/genai/`, which every clone has.
#[test]
fn generated_genai_table_matches_the_vendored_registry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = semtrace_semconv::load::load_dir(&root.join("genai/model/gen-ai"))
        .expect("the vendored GenAI registry loads");
    assert!(
        loaded.attributes == semtrace_semconv::generated::GENAI,
        "semconv/src/generated.rs is stale; run `cargo run -p xtask -- generate`"
    );
}
