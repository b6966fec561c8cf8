//! SLO rules for a service whose routes come from `semtrace::http::ServerLayer`
//! (known only per request): a route objective names any path, the objective for
//! every route is one group over the routes the others do not name, alerting per
//! route by its label; `promtool` (skipped without `SEMTRACE_PROMTOOL`) accepts the
//! file and fires for the breaching route only. Its own binary: applying the layer
//! changes the process's catalogue.

use std::convert::Infallible;
use std::fmt::Write as _;

use semtrace::catalogue::{Slo, SloError, prometheus_rules};
use semtrace_tests::prometheus::{promtool, run};
use serde_yaml_ng::Value;
use tower::Layer as _;

const TASK: &str = "/api/tasks/{id}";

fn with_server_layer() {
    let service = tower::service_fn(|_: http::Request<String>| async {
        Ok::<_, Infallible>(http::Response::new(String::new()))
    });
    let _ = semtrace::http::ServerLayer::new().layer(service);
}

fn objectives() -> Vec<Slo> {
    vec![
        Slo::route(TASK).availability(99.9),
        Slo::every_route().availability(99.0),
    ]
}

fn groups(yaml: &str) -> Vec<Value> {
    let file: Value = serde_yaml_ng::from_str(yaml).unwrap();
    file["groups"].as_sequence().unwrap().clone()
}

#[test]
fn the_default_covers_every_route_the_others_do_not_name() {
    with_server_layer();
    let yaml = prometheus_rules(&objectives()).unwrap();
    let groups = groups(&yaml);
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            format!("semtrace-slo {TASK}").as_str(),
            "semtrace-slo every route"
        ]
    );
    let every = groups[1]["rules"].as_sequence().unwrap();
    let record = every[0]["expr"].as_str().unwrap();
    assert!(
        record.contains(r#"http_server_request_duration_seconds_count{http_route!~"/api/tasks/\\{id\\}", http_response_status_code=~"5.."}"#),
        "{record}"
    );
    let alert = every.iter().find(|r| r.get("alert").is_some()).unwrap();
    // No route of its own: each alert carries its series' route.
    assert!(alert["labels"].get("http_route").is_none(), "{alert:?}");
    assert!(
        alert["annotations"]["summary"]
            .as_str()
            .unwrap()
            .contains("{{ $labels.http_route }}")
    );
    // Without a named route, the default matches every route.
    let yaml = prometheus_rules(&[Slo::every_route().availability(99.0)]).unwrap();
    assert!(
        yaml.contains(r#"http_route=~\".*\""#) || yaml.contains(r#"http_route=~".*""#),
        "{yaml}"
    );
}

#[test]
fn a_route_objective_must_be_a_path() {
    with_server_layer();
    let e = prometheus_rules(&[Slo::route("api/tasks").availability(99.0)]).unwrap_err();
    assert!(matches!(e, SloError::UnknownRoute { .. }), "{e:?}");
    assert!(prometheus_rules(&[Slo::route("/any/path").availability(99.0)]).is_ok());
}

/// A counter of `route` over two hours, a sample a minute, `per_minute` a minute.
fn line(route: &str, status: &str, per_minute: u32) -> String {
    format!(
        "      - series: 'http_server_request_duration_seconds_count{{job=\"api\", http_route=\"{route}\", http_response_status_code=\"{status}\"}}'\n        values: '0+{per_minute}x150'\n"
    )
}

#[test]
fn promtool_fires_for_the_breaching_route_only() {
    let Some(promtool) = promtool("promtool_fires_for_the_breaching_route_only") else {
        return;
    };
    with_server_layer();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.yml"),
        prometheus_rules(&objectives()).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(&promtool, &["check", "rules", "rules.yml"], dir.path());
    assert!(ok, "{out}");

    // `/api/users` fails 1 in 5 (budget 1 in 100, the fastest pair fires above
    // 14.4 in 100): every pair of windows burns.
    // The task route fails 1 in 2000 (its budget 1 in 1000), and `/api/orders`
    // 1 in 1000 (the default's budget 1 in 100): both stay silent.
    let series = [
        line(TASK, "200", 1999),
        line(TASK, "500", 1),
        line("/api/users", "200", 80),
        line("/api/users", "500", 20),
        line("/api/orders", "200", 999),
        line("/api/orders", "500", 1),
    ]
    .concat();
    let mut expected = String::new();
    for (window, factor, severity) in [
        ("1h/5m", "14.4", "page"),
        ("6h/30m", "6", "page"),
        ("1d/2h", "3", "ticket"),
        ("3d/6h", "1", "ticket"),
    ] {
        let (long, short) = window.split_once('/').unwrap();
        writeln!(
            expected,
            "          - exp_labels: {{job: api, http_route: /api/users, severity: {severity}, slo: availability, window: '{window}'}}\n            exp_annotations: {{summary: '/api/users burns its availability error budget {factor} times too fast', description: 'Objective: 99% of requests without a 5xx on /api/users. Over the last {long} and {short} the bad ratio is above {factor} × 0.01.'}}"
        )
        .unwrap();
    }
    let test = format!(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{series}    alert_rule_test:\n      - eval_time: 2h\n        alertname: SemtraceSloAvailabilityBurn\n        exp_alerts:\n{expected}"
    );
    std::fs::write(dir.path().join("test.yml"), &test).unwrap();
    let (ok, out) = run(&promtool, &["test", "rules", "test.yml"], dir.path());
    assert!(ok, "{out}\n--- test.yml:\n{test}");
}
