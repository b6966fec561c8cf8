//! The telemetry catalogue of this test crate: exactly its annotated functions (those
//! of `fixtures`), with their attributes, requirement levels and metrics; a function
//! whose `cfg` is off is absent; the admin endpoint serves the same JSON; the
//! registry it writes reads back through semtrace's own loader. No subscriber: the
//! catalogue is there without one.

use std::path::Path;

use axum::body::{Body, to_bytes};
use http::{Request, StatusCode};
use semtrace::catalogue::{Entry, Requirement, SpanKind, SpanName, Value, ValueType};
use semtrace_semconv::metrics::Instrument;
use semtrace_tests::exporter::TestExporter;
use tower::ServiceExt as _;

/// The annotated functions the catalogue must list, and one it must not.
mod fixtures {
    #![allow(dead_code)]

    #[semtrace::traced_task(task.type = "import", task.id = %id)]
    pub(super) fn import(id: u64) {}

    #[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "users")]
    pub(super) fn load_user(_id: u64) {}

    #[semtrace::traced_db(system = "postgresql", operation = "UPDATE", collection = table)]
    pub(super) fn update(table: &str) {}

    #[semtrace::traced_http(method = "GET", route = "/users/{id}")]
    pub(super) fn get_user(id: u64) -> u16 {
        if id == 0 { 404 } else { 200 }
    }

    #[semtrace::traced(name = "plain", metrics = false)]
    pub(super) fn plain() {}

    /// Behind a `cfg` that is never on: no entry.
    #[cfg(any())]
    #[semtrace::traced_task(task.type = "never")]
    pub(super) fn disabled() {}
}

const MODULE: &str = "catalogue::fixtures";

fn ours() -> Vec<&'static Entry> {
    semtrace::catalogue()
        .iter()
        .filter(|e| e.location.module_path == MODULE)
        .collect()
}

fn entry(function: &str) -> &'static Entry {
    ours()
        .into_iter()
        .find(|e| e.function == function)
        .unwrap_or_else(|| panic!("no entry for `{function}`"))
}

fn attribute(e: &Entry, key: &str) -> (ValueType, Requirement, Value) {
    let a = e
        .attributes
        .iter()
        .find(|a| a.key == key)
        .unwrap_or_else(|| panic!("`{}` has no `{key}`", e.function));
    (a.ty, a.requirement, a.value)
}

#[test]
fn lists_exactly_the_annotated_functions_in_source_order() {
    let names: Vec<&str> = ours().iter().map(|e| e.function).collect();
    assert_eq!(
        names,
        ["import", "load_user", "update", "get_user", "plain"]
    );
    let lines: Vec<u32> = ours().iter().map(|e| e.location.line).collect();
    assert!(lines.is_sorted(), "sorted by line: {lines:?}");
    for e in ours() {
        assert!(
            e.location.file.ends_with("catalogue.rs"),
            "{:?}",
            e.location
        );
    }
    // Every entry of the program, once; the catalogue is sorted.
    let all = semtrace::catalogue();
    assert!(all.windows(2).all(|w| w[0].location <= w[1].location));
}

#[test]
fn a_task() {
    let e = entry("import");
    assert_eq!(e.domain, "task");
    assert_eq!(e.span_name, SpanName::Static("import"));
    assert_eq!(e.kind, SpanKind::Internal);
    assert_eq!(e.level, "INFO");
    assert_eq!(
        attribute(e, "task.type"),
        (
            ValueType::String,
            Requirement::Recommended,
            Value::Str("import")
        )
    );
    assert_eq!(attribute(e, "task.id").2, Value::PerCall);
    let m = e.metric.expect("a task records task.duration");
    assert_eq!((m.name, m.unit), ("task.duration", "s"));
    // `task.id` is the span's only: the metric's definition does not name it.
    let keys: Vec<&str> = m.attributes.iter().map(|a| a.key).collect();
    assert_eq!(keys, ["task.type", "error.type"]);
}

#[test]
fn a_database_call_with_the_conventions_requirement_levels() {
    let e = entry("load_user");
    assert_eq!(e.domain, "db");
    assert_eq!(e.span_name, SpanName::Static("SELECT users"));
    assert_eq!(e.kind, SpanKind::Client);
    assert_eq!(e.definition, Some("span.db.client"));
    assert_eq!(
        attribute(e, "db.system.name"),
        (
            ValueType::String,
            Requirement::Required,
            Value::Str("sqlite")
        )
    );
    assert_eq!(
        attribute(e, "db.operation.name"),
        (
            ValueType::String,
            Requirement::ConditionallyRequired,
            Value::Str("SELECT")
        )
    );
    assert_eq!(attribute(e, "error.type").2, Value::PerCall);
    // Every attribute the span declares, and no span status (`otel.*`).
    let keys: Vec<&str> = e.attributes.iter().map(|a| a.key).collect();
    assert_eq!(
        keys,
        [
            "db.system.name",
            "db.operation.name",
            "db.collection.name",
            "db.response.status_code",
            "db.response.returned_rows",
            "error.type",
        ]
    );
    assert_eq!(
        attribute(e, "db.response.returned_rows").1,
        Requirement::OptIn
    );
    let m = e.metric.expect("a database call records its duration");
    assert_eq!(m.name, "db.client.operation.duration");
    let attrs: Vec<(&str, Requirement)> = m
        .attributes
        .iter()
        .map(|a| (a.key, a.requirement))
        .collect();
    assert_eq!(
        attrs,
        [
            ("db.system.name", Requirement::Required),
            ("db.operation.name", Requirement::ConditionallyRequired),
            ("db.collection.name", Requirement::ConditionallyRequired),
            ("error.type", Requirement::ConditionallyRequired),
        ]
    );
}

#[test]
fn a_name_made_per_call_is_a_rule() {
    let e = entry("update");
    assert_eq!(
        e.span_name,
        SpanName::Rule {
            rule: "UPDATE {db.collection.name}",
            fallback: "update"
        }
    );
    assert_eq!(attribute(e, "db.collection.name").2, Value::PerCall);
    let m = e.metric.unwrap();
    assert!(m.attributes.iter().any(|a| a.key == "db.collection.name"));
}

#[test]
fn an_http_server() {
    let e = entry("get_user");
    assert_eq!(e.domain, "http");
    assert_eq!(e.kind, SpanKind::Server);
    assert_eq!(e.definition, Some("span.http.server"));
    assert_eq!(e.span_name, SpanName::Static("GET /users/{id}"));
    assert_eq!(
        attribute(e, "http.request.method"),
        (ValueType::String, Requirement::Required, Value::Str("GET"))
    );
    assert_eq!(
        attribute(e, "http.response.status_code"),
        (
            ValueType::Int,
            Requirement::ConditionallyRequired,
            Value::PerCall
        )
    );
    let m = e.metric.unwrap();
    assert_eq!(m.name, "http.server.request.duration");
    let keys: Vec<&str> = m.attributes.iter().map(|a| a.key).collect();
    for key in [
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "error.type",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
}

#[test]
fn metrics_off_means_no_metric() {
    let e = entry("plain");
    assert_eq!(e.domain, "traced");
    assert_eq!(e.span_name, SpanName::Static("plain"));
    assert_eq!(e.metric, None);
}

#[test]
fn a_function_whose_cfg_is_off_is_absent() {
    assert!(ours().iter().all(|e| e.function != "disabled"));
    assert!(
        semtrace::catalogue()
            .iter()
            .all(|e| e.function != "disabled")
    );
}

#[test]
fn the_admin_endpoint_serves_the_catalogue_as_json() {
    let (_dispatch, guard) = semtrace::Telemetry::builder("catalogue-test")
        .env_lookup(|_| None)
        .span_exporter(TestExporter::default())
        .console(false)
        .build()
        .unwrap();
    let app = semtrace::control::admin::router(guard.control());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (status, body) = runtime.block_on(async {
        let request = Request::get("/tracing/catalogue")
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        (
            status,
            to_bytes(response.into_body(), usize::MAX).await.unwrap(),
        )
    });
    assert_eq!(status, StatusCode::OK);
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let expected = serde_json::to_value(semtrace::catalogue()).unwrap();
    assert_eq!(served["entries"], expected);
    let db = served["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["function"] == "load_user" && e["location"]["module_path"] == MODULE)
        .expect("load_user is served");
    assert_eq!(db["domain"], "db");
    assert_eq!(db["kind"], "client");
    assert_eq!(
        db["span_name"],
        serde_json::json!({"static": "SELECT users"})
    );
    let system = db["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "db.system.name")
        .unwrap();
    assert_eq!(
        system,
        &serde_json::json!({
            "key": "db.system.name",
            "type": "string",
            "requirement": "required",
            "value": {"literal": "sqlite"},
        })
    );
    let status_code = served["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["function"] == "get_user")
        .unwrap()["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "http.response.status_code")
        .unwrap()
        .clone();
    assert_eq!(status_code["value"], "per call");
    assert_eq!(db["metric"]["name"], "db.client.operation.duration");
    guard.shutdown().unwrap();
}

#[test]
fn the_registry_reads_back_through_semtraces_loader() {
    let yaml = semtrace::catalogue::to_registry_yaml();
    assert!(yaml.contains("file_format: definition/2"), "{yaml}");
    let origin = Path::new("catalogue.yaml");
    let spans = semtrace_semconv::spans::parse_str(&yaml, origin).unwrap();
    let metrics = semtrace_semconv::metrics::parse_str(&yaml, origin).unwrap();
    // Every entry is a span of its kind with its attributes and their levels.
    let all = semtrace::catalogue();
    assert_eq!(spans.len(), all.len());
    for e in all {
        let ty = format!(
            "{}.{}",
            e.location.module_path.replace("::", "."),
            e.function
        );
        let def = spans
            .iter()
            .find(|d| d.id == ty || d.id.starts_with(&format!("{ty}.line_")))
            .unwrap_or_else(|| panic!("no span `{ty}` in\n{yaml}"));
        assert_eq!(def.kinds, [e.kind]);
        let mut expected: Vec<(&str, Requirement)> = e
            .attributes
            .iter()
            .map(|a| (a.key, a.requirement))
            .collect();
        expected.sort_unstable();
        let read: Vec<(&str, Requirement)> = def
            .attributes
            .iter()
            .map(|a| (a.key, a.requirement))
            .collect();
        assert_eq!(read, expected, "{ty}");
    }
    // Every metric once, a histogram with the union of its attributes.
    let mut names: Vec<&str> = all
        .iter()
        .filter_map(|e| e.metric)
        .map(|m| m.name)
        .collect();
    names.sort_unstable();
    names.dedup();
    let read: Vec<&str> = metrics.iter().map(|m| m.name).collect();
    assert_eq!(read, names);
    for def in &metrics {
        let mut expected: Vec<(&str, Requirement)> = all
            .iter()
            .filter_map(|e| e.metric)
            .filter(|m| m.name == def.name)
            .flat_map(|m| m.attributes.iter().map(|a| (a.key, a.requirement)))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        let read: Vec<(&str, Requirement)> = def
            .attributes
            .iter()
            .map(|a| (a.key, a.requirement))
            .collect();
        assert_eq!(read, expected, "{}", def.name);
        assert_eq!(def.instrument, Instrument::Histogram);
        let m = all
            .iter()
            .filter_map(|e| e.metric)
            .find(|m| m.name == def.name)
            .unwrap();
        assert_eq!((def.unit, def.brief), (m.unit, m.brief));
    }
    // Deterministic: written twice, the same text.
    assert_eq!(semtrace::catalogue::to_registry_yaml(), yaml);
}
