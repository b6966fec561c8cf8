//! semtrace's middleware in the catalogue: absent until a layer wraps a service,
//! then listed once per layer type with the conventions' definition, requirement
//! levels and types, its route or method per call. One test: the catalogue is the
//! process's, and this binary's only test watches it change.

use std::convert::Infallible;

use semtrace::catalogue::{Entry, Requirement, SpanKind, SpanName, Value, ValueType};
use tower::Layer as _;

fn listed(function: &str, domain: &str) -> Vec<Entry> {
    semtrace::catalogue()
        .iter()
        .filter(|e| e.function == function && e.domain == domain)
        .copied()
        .collect()
}

fn attribute(e: &Entry, key: &str) -> semtrace::catalogue::Attribute {
    *e.attributes
        .iter()
        .find(|a| a.key == key)
        .unwrap_or_else(|| panic!("{} lacks {key}", e.function))
}

#[test]
fn each_layer_is_listed_once_after_it_wraps_a_service() {
    let service = tower::service_fn(|_: http::Request<String>| async {
        Ok::<_, Infallible>(http::Response::new(String::new()))
    });
    for (function, domain) in [
        ("ServerLayer", "http"),
        ("ClientLayer", "http"),
        ("ServerLayer", "rpc"),
        ("ClientLayer", "rpc"),
    ] {
        assert!(
            listed(function, domain).is_empty(),
            "{domain} {function} listed before use"
        );
    }

    // Twice: one entry.
    let _ = semtrace::http::ServerLayer::new().layer(service);
    let _ = semtrace::http::ServerLayer::new().layer(service);
    let _ = semtrace::http::ClientLayer::new().layer(service);
    let _ = semtrace::rpc::ServerLayer::new().layer(service);
    let _ = semtrace::rpc::ClientLayer::new().layer(service);

    let server = listed("ServerLayer", "http");
    assert_eq!(server.len(), 1);
    let server = server[0];
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.definition, Some("span.http.server"));
    assert_eq!(server.location.module_path, "semtrace::http::server");
    assert!(matches!(
        server.span_name,
        SpanName::Rule {
            rule: "{http.request.method} {http.route}",
            ..
        }
    ));
    let route = attribute(&server, "http.route");
    assert_eq!(route.value, Value::PerCall);
    assert_eq!(route.requirement, Requirement::ConditionallyRequired);
    assert_eq!(
        attribute(&server, "http.request.method").requirement,
        Requirement::Required
    );
    assert_eq!(attribute(&server, "server.port").ty, ValueType::Int);
    assert_eq!(
        attribute(&server, "client.port").requirement,
        Requirement::OptIn
    );
    let metric = server.metric.expect("a metric");
    assert_eq!(metric.name, "http.server.request.duration");
    assert_eq!(metric.unit, "s");
    let keys: Vec<&str> = metric.attributes.iter().map(|a| a.key).collect();
    assert_eq!(
        keys,
        [
            "http.request.method",
            "http.route",
            "url.scheme",
            "network.protocol.version",
            "http.response.status_code",
            "error.type"
        ]
    );
    assert_eq!(metric.attributes[0].requirement, Requirement::Required);

    let client = listed("ClientLayer", "http")[0];
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(
        client.metric.map(|m| m.name),
        Some("http.client.request.duration")
    );
    assert_eq!(
        attribute(&client, "url.full").requirement,
        Requirement::Required
    );

    for (function, kind, metric) in [
        ("ServerLayer", SpanKind::Server, "rpc.server.call.duration"),
        ("ClientLayer", SpanKind::Client, "rpc.client.call.duration"),
    ] {
        let rpc = listed(function, "rpc");
        assert_eq!(rpc.len(), 1, "{function}");
        let rpc = rpc[0];
        assert_eq!(rpc.kind, kind);
        assert_eq!(attribute(&rpc, "rpc.system.name").value, Value::Str("grpc"));
        assert_eq!(attribute(&rpc, "rpc.method").value, Value::PerCall);
        assert_eq!(rpc.metric.map(|m| m.name), Some(metric));
    }

    // The registry and the dashboard carry them.
    let yaml = semtrace::catalogue::to_registry_yaml();
    assert!(
        yaml.contains("type: semtrace.http.server.ServerLayer"),
        "{yaml}"
    );
    let dashboard =
        semtrace::catalogue::grafana_dashboard(&semtrace::catalogue::DashboardOptions::default());
    assert!(dashboard.contains("{{http_route}}"), "{dashboard}");
    assert!(
        dashboard.contains("rpc_server_call_duration_seconds"),
        "{dashboard}"
    );
}
