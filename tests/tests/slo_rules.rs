//! SLO alert rules from the catalogue (`semtrace::catalogue::prometheus_rules`): the
//! rule file for declared objectives, refusals of bad objectives with their reasons,
//! and — with `promtool` (Debian's `prometheus` package, `SEMTRACE_PROMTOOL`, set by
//! `scripts/test`) — a file promtool accepts whose alerts fire on input series that
//! breach an objective and stay silent on series that meet it. No subscriber.

use std::path::Path;
use std::time::Duration;

use semtrace::catalogue::{Slo, SloError, prometheus_rules};
use semtrace_tests::prometheus::{promtool, run};
use serde_yaml_ng::Value;

/// The routes of this test's catalogue.
mod fixtures {
    #![allow(dead_code)]

    #[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
    pub(super) fn get_task(id: u64) -> u16 {
        if id == 0 { 404 } else { 200 }
    }

    #[semtrace::traced_http(method = "POST", route = "/api/tasks")]
    pub(super) fn create_task() -> u16 {
        201
    }

    #[semtrace::traced_http(method = "GET", route = "/health")]
    pub(super) fn health() -> u16 {
        200
    }
}

const TASK: &str = "/api/tasks/{id}";

fn objectives() -> Vec<Slo> {
    vec![
        Slo::route(TASK)
            .availability(99.9)
            .latency(Duration::from_millis(250), 99.0),
        Slo::every_route().availability(99.5),
    ]
}

fn groups(yaml: &str) -> Vec<Value> {
    let file: Value = serde_yaml_ng::from_str(yaml).unwrap();
    file["groups"].as_sequence().unwrap().clone()
}

fn group<'a>(groups: &'a [Value], route: &str) -> &'a Value {
    groups
        .iter()
        .find(|g| g["name"].as_str() == Some(&format!("semtrace-slo {route}")))
        .unwrap_or_else(|| panic!("no group for {route}"))
}

fn field<'a>(rule: &'a Value, key: &str) -> Option<&'a str> {
    rule.get(key).and_then(Value::as_str)
}

#[test]
fn recording_rules_and_burn_rate_alerts_per_route() {
    let yaml = prometheus_rules(&objectives()).unwrap();
    let groups = groups(&yaml);
    // The default covers every other route of the catalogue.
    assert!(groups.len() >= 3, "{yaml}");
    let task = group(&groups, TASK)["rules"].as_sequence().unwrap();
    let records: Vec<&str> = task.iter().filter_map(|r| field(r, "record")).collect();
    for window in ["5m", "30m", "1h", "2h", "6h", "1d"] {
        assert!(
            records
                .contains(&format!("http_route:semtrace_slo_errors:ratio_rate{window}").as_str()),
            "{records:?}"
        );
        assert!(
            records.contains(&format!("http_route:semtrace_slo_slow:ratio_rate{window}").as_str()),
            "{records:?}"
        );
    }
    let errors_5m = task
        .iter()
        .find(|r| field(r, "record") == Some("http_route:semtrace_slo_errors:ratio_rate5m"))
        .unwrap();
    let expr = field(errors_5m, "expr").unwrap();
    assert!(
        expr.contains(
            "http_server_request_duration_seconds_count{http_route=\"/api/tasks/{id}\", http_response_status_code=~\"5..\"}[5m]"
        ),
        "{expr}"
    );
    let slow_1h = task
        .iter()
        .find(|r| field(r, "record") == Some("http_route:semtrace_slo_slow:ratio_rate1h"))
        .unwrap();
    assert!(
        field(slow_1h, "expr")
            .unwrap()
            .contains("http_server_request_duration_seconds_bucket{http_route=\"/api/tasks/{id}\", le=\"0.25\"}[1h]"),
        "{slow_1h:?}"
    );
    // Four pairs of windows per objective: 1h/5m at 14.4x, 6h/30m at 6x, 1d/2h at
    // 3x, 3d/6h at 1x.
    let alerts: Vec<&Value> = task.iter().filter(|r| r.get("alert").is_some()).collect();
    assert_eq!(alerts.len(), 8);
    let page = alerts
        .iter()
        .find(|a| {
            field(a, "alert") == Some("SemtraceSloAvailabilityBurn")
                && a["labels"]["window"].as_str() == Some("1h/5m")
        })
        .unwrap();
    assert_eq!(page["labels"]["severity"].as_str(), Some("page"));
    assert_eq!(
        field(page, "expr").unwrap(),
        "http_route:semtrace_slo_errors:ratio_rate1h{http_route=\"/api/tasks/{id}\"} > (14.4 * 0.001)\nand\nhttp_route:semtrace_slo_errors:ratio_rate5m{http_route=\"/api/tasks/{id}\"} > (14.4 * 0.001)"
    );
    let ticket = alerts
        .iter()
        .find(|a| {
            field(a, "alert") == Some("SemtraceSloLatencyBurn")
                && a["labels"]["window"].as_str() == Some("1d/2h")
        })
        .unwrap();
    assert_eq!(ticket["labels"]["severity"].as_str(), Some("ticket"));
    assert!(field(ticket, "expr").unwrap().contains("> (3 * 0.01)"));
    // The default: availability only.
    let health = group(&groups, "/health")["rules"].as_sequence().unwrap();
    assert!(
        health
            .iter()
            .all(|r| !field(r, "record").unwrap_or("").contains("slow")),
        "{health:?}"
    );
    assert!(field(&health[0], "expr").unwrap().contains("/health"));
}

#[test]
fn without_a_default_only_the_named_routes_have_rules() {
    let yaml = prometheus_rules(&[Slo::route("/health").availability(99.0)]).unwrap();
    let groups = groups(&yaml);
    assert_eq!(groups.len(), 1, "{yaml}");
    assert_eq!(groups[0]["name"].as_str(), Some("semtrace-slo /health"));
}

#[test]
fn an_unknown_route_names_the_closest() {
    let e = prometheus_rules(&[Slo::route("/api/task/{id}").availability(99.9)]).unwrap_err();
    assert_eq!(
        e,
        SloError::UnknownRoute {
            route: "/api/task/{id}".into(),
            closest: Some(TASK.into()),
        }
    );
    let message = e.to_string();
    assert!(message.contains("`/api/task/{id}`"), "{message}");
    assert!(
        message.contains("the closest is `/api/tasks/{id}`"),
        "{message}"
    );
}

#[test]
fn one_hundred_and_zero_percent_are_refused_with_the_reason() {
    let e = prometheus_rules(&[Slo::route(TASK).availability(100.0)]).unwrap_err();
    assert!(
        matches!(e, SloError::Percent { objective: "availability", percent, .. } if percent >= 100.0),
        "{e:?}"
    );
    assert!(e.to_string().contains("no error budget"), "{e}");

    let e = prometheus_rules(&[Slo::every_route().latency(Duration::from_millis(100), 0.0)])
        .unwrap_err();
    assert!(
        matches!(
            e,
            SloError::Percent {
                objective: "latency",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("could never fire"), "{e}");

    for bad in [-1.0, 100.5, f64::NAN] {
        let e = prometheus_rules(&[Slo::route(TASK).availability(bad)]).unwrap_err();
        assert!(
            e.to_string().contains("strictly between 0 and 100"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_latency_between_buckets_names_the_nearest_boundaries() {
    let e = prometheus_rules(&[Slo::route(TASK).latency(Duration::from_millis(300), 99.0)])
        .unwrap_err();
    assert_eq!(
        e,
        SloError::Threshold {
            route: format!("route `{TASK}`"),
            threshold: Duration::from_millis(300),
            metric: "http_server_request_duration_seconds".into(),
            nearest: vec![Duration::from_millis(250), Duration::from_millis(500)],
        }
    );
    assert!(e.to_string().contains("250ms and 500ms"), "{e}");
}

#[test]
fn empty_and_duplicate_objectives_are_refused() {
    let e = prometheus_rules(&[Slo::route(TASK)]).unwrap_err();
    assert!(matches!(e, SloError::Empty { .. }), "{e:?}");
    let e = prometheus_rules(&[
        Slo::route(TASK).availability(99.0),
        Slo::route(TASK).availability(99.9),
    ])
    .unwrap_err();
    assert!(matches!(e, SloError::Duplicate { .. }), "{e:?}");
}

fn write_rules(dir: &Path) -> String {
    let yaml = prometheus_rules(&objectives()).unwrap();
    std::fs::write(dir.join("rules.yml"), &yaml).unwrap();
    yaml
}

#[test]
fn promtool_accepts_the_rule_file() {
    let Some(promtool) = promtool("promtool_accepts_the_rule_file") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let (ok, out) = run(&promtool, &["check", "rules", "rules.yml"], dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

/// The alerts of `name` on the task route the rule file declares, as promtool
/// expects them: labels of the series and the rule, and the rule's annotations.
fn expected_alerts(yaml: &str, name: &str) -> String {
    let groups = groups(yaml);
    let mut out = String::new();
    for rule in group(&groups, TASK)["rules"].as_sequence().unwrap() {
        if field(rule, "alert") != Some(name) {
            continue;
        }
        let mut labels = rule["labels"].as_mapping().unwrap().clone();
        labels.insert("job".into(), "api".into());
        labels.insert("http_route".into(), TASK.into());
        let alert: Value = serde_yaml_ng::from_str(&format!(
            "exp_labels: {}\nexp_annotations: {}",
            serde_json::to_string(&labels).unwrap(),
            serde_json::to_string(&rule["annotations"]).unwrap()
        ))
        .unwrap();
        out.push_str("          - ");
        out.push_str(&serde_json::to_string(&alert).unwrap());
        out.push('\n');
    }
    out
}

/// Counters of the task route over two hours, a sample a minute: `ok` and `errors`
/// requests a minute, of which `ok_fast` and `errors_fast` within 250 ms.
fn series(ok: u32, errors: u32, ok_fast: u32, errors_fast: u32) -> String {
    let line = |name: &str, status: &str, le: Option<&str>, per_minute: u32| {
        let le = le.map(|l| format!(", le=\"{l}\"")).unwrap_or_default();
        format!(
            "      - series: 'http_server_request_duration_seconds_{name}{{job=\"api\", http_route=\"{TASK}\", http_response_status_code=\"{status}\"{le}}}'\n        values: '0+{per_minute}x150'\n"
        )
    };
    [
        line("count", "200", None, ok),
        line("count", "500", None, errors),
        line("bucket", "200", Some("0.25"), ok_fast),
        line("bucket", "500", Some("0.25"), errors_fast),
    ]
    .concat()
}

fn promtool_test(dir: &Path, series: &str, availability: &str, latency: &str) -> (bool, String) {
    let test = format!(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{series}    alert_rule_test:\n      - eval_time: 2h\n        alertname: SemtraceSloAvailabilityBurn\n        exp_alerts:\n{availability}      - eval_time: 2h\n        alertname: SemtraceSloLatencyBurn\n        exp_alerts:\n{latency}"
    );
    std::fs::write(dir.join("test.yml"), &test).unwrap();
    let promtool = std::env::var_os("SEMTRACE_PROMTOOL").unwrap();
    let (ok, out) = run(Path::new(&promtool), &["test", "rules", "test.yml"], dir);
    (ok, format!("{out}\n--- test.yml:\n{test}"))
}

#[test]
fn promtool_alerts_fire_on_a_breach() {
    if promtool("promtool_alerts_fire_on_a_breach").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let yaml = write_rules(dir.path());
    // 1 request in 11 fails (budget: 1 in 1000); half are slower than 250 ms
    // (budget: 1 in 100): every pair of windows burns too fast.
    let availability = expected_alerts(&yaml, "SemtraceSloAvailabilityBurn");
    let latency = expected_alerts(&yaml, "SemtraceSloLatencyBurn");
    // Each objective's four pairs of windows fire.
    assert_eq!(
        availability.matches("exp_labels").count(),
        4,
        "{availability}"
    );
    assert_eq!(latency.matches("exp_labels").count(), 4, "{latency}");
    let (ok, out) = promtool_test(dir.path(), &series(100, 10, 50, 5), &availability, &latency);
    assert!(ok, "{out}");
}

#[test]
fn promtool_alerts_stay_silent_when_the_objective_is_met() {
    if promtool("promtool_alerts_stay_silent_when_the_objective_is_met").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    // 1 request in 2001 fails and 1 in 2001 is slow: well within both budgets.
    let (ok, out) = promtool_test(
        dir.path(),
        &series(2000, 1, 2000, 0),
        "          []\n",
        "          []\n",
    );
    assert!(ok, "{out}");
}
