//! The generated metric tables against the OpenTelemetry v1.44.0 registry, and metric
//! definitions read from user registries.

use std::path::Path;

use semtrace_semconv::generated::{METRICS, SEMTRACE_METRICS};
use semtrace_semconv::metrics::{self, Instrument};
use semtrace_semconv::spans::Requirement;
use semtrace_semconv::{DeprecationReason, Registry, Stability};

fn official(name: &str) -> &'static metrics::MetricDefinition {
    metrics::find(METRICS, name).unwrap_or_else(|| panic!("`{name}` is not in METRICS"))
}

#[test]
fn tables_are_sorted_unique_and_disjoint() {
    for table in [METRICS, SEMTRACE_METRICS] {
        assert!(table.windows(2).all(|w| w[0].name < w[1].name));
        for def in table {
            assert!(
                def.attributes.windows(2).all(|w| w[0].key < w[1].key),
                "{}",
                def.name
            );
        }
    }
    for own in SEMTRACE_METRICS {
        assert!(metrics::find(METRICS, own.name).is_none(), "{}", own.name);
    }
}

#[test]
fn the_request_and_operation_histograms() {
    let server = official("http.server.request.duration");
    assert_eq!(server.instrument, Instrument::Histogram);
    assert_eq!(server.unit, "s");
    assert_eq!(server.stability, Stability::Stable);
    assert_eq!(
        server.requirement("http.request.method"),
        Some(Requirement::Required)
    );
    assert_eq!(
        server.requirement("http.route"),
        Some(Requirement::ConditionallyRequired)
    );
    assert_eq!(
        server.requirement("server.address"),
        Some(Requirement::OptIn)
    );
    assert!(!server.default_attributes().any(|k| k == "server.address"));
    assert_eq!(server.brief, "Duration of HTTP server requests.");

    let client = official("http.client.request.duration");
    assert_eq!(client.unit, "s");
    assert_eq!(
        client.requirement("server.address"),
        Some(Requirement::Required)
    );

    let db = official("db.client.operation.duration");
    assert_eq!(db.instrument, Instrument::Histogram);
    // Overridden from the group it extends.
    assert_eq!(
        db.requirement("db.system.name"),
        Some(Requirement::Required)
    );
    assert_eq!(db.requirement("db.query.text"), Some(Requirement::OptIn));
    assert_eq!(
        db.requirement("error.type"),
        Some(Requirement::ConditionallyRequired)
    );

    let active = official("http.server.active_requests");
    assert_eq!(active.instrument, Instrument::UpDownCounter);
    assert_eq!(active.unit, "{request}");
}

#[test]
fn definition_2_metrics_and_deprecations() {
    // `file_format: definition/2` lists metrics by `name`, attributes through `ref_group`.
    let fan = official("hw.fan.speed");
    assert_eq!(fan.instrument, Instrument::Gauge);
    assert_eq!(fan.unit, "rpm");
    assert!(fan.requirement("hw.id").is_some(), "{:?}", fan.attributes);

    let old = official("db.client.connections.usage");
    let dep = old.deprecated.expect("deprecated");
    assert_eq!(dep.reason, DeprecationReason::Renamed);
    assert_eq!(dep.renamed_to, Some("db.client.connection.count"));
}

#[test]
fn semtrace_own_metrics() {
    let task = metrics::builtin("task.duration").unwrap();
    assert_eq!((task.instrument, task.unit), (Instrument::Histogram, "s"));
    assert_eq!(
        task.requirement("task.type"),
        Some(Requirement::Recommended)
    );
    let dropped = metrics::builtin("semtrace.spans.dropped").unwrap();
    assert_eq!(dropped.instrument, Instrument::Counter);
    assert_eq!(
        dropped.requirement("semtrace.drop.reason"),
        Some(Requirement::Required)
    );
    assert!(Registry::builtin().exact("semtrace.drop.reason").is_some());
}

#[test]
fn lookups_and_suggestions() {
    let r = Registry::builtin();
    assert_eq!(r.metric("task.duration").unwrap().unit, "s");
    assert!(r.metric("http.server.request.durations").is_none());
    assert_eq!(
        r.suggest_metric("http.server.request.durations"),
        Some("http.server.request.duration")
    );
    assert_eq!(
        r.suggest_metric("http.server.request.duraton"),
        Some("http.server.request.duration")
    );
    // A renamed metric is suggested by its new name.
    assert_eq!(
        r.suggest_metric("db.client.connections.usage"),
        Some("db.client.connection.count")
    );
    assert_eq!(r.suggest_metric("completely.unrelated.thing"), None);
}

#[test]
fn user_registries_define_metrics() {
    let yaml = "
groups:
  - id: metric.app.checkout.duration
    type: metric
    metric_name: app.checkout.duration
    brief: >
      Duration of
      a checkout.
    instrument: histogram
    unit: s
    extends: attributes.shop
  - id: attributes.shop
    type: attribute_group
    attributes:
      - ref: app.tenant
        requirement_level: required
";
    let defs = metrics::parse_str(yaml, Path::new("shop.yaml")).unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].brief, "Duration of a checkout.");
    assert_eq!(defs[0].stability, Stability::Development);
    assert_eq!(
        defs[0].requirement("app.tenant"),
        Some(Requirement::Required)
    );

    let bad = "
groups:
  - id: metric.app.x
    type: metric
    metric_name: app.x
    instrument: histgram
";
    let err = metrics::parse_str(bad, Path::new("bad.yaml")).unwrap_err();
    assert!(
        err.message().contains("unknown instrument `histgram`"),
        "{err}"
    );
    assert!(err.message().contains("histogram"), "{err}");
}
