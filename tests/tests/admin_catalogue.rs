//! The catalogue's files on the admin listener: `/tracing/registry`,
//! `/tracing/prometheus-rules` for the objectives of `[[slo]]` (or
//! `TelemetryBuilder::slo`), `/tracing/dashboard` with its query parameters; bad
//! objectives refused by `build` naming the key, the value and what is allowed. No
//! global subscriber.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use semtrace::catalogue::{DashboardOptions, Slo, grafana_dashboard, prometheus_rules};
use semtrace::{Config, Guard, InitError};
use semtrace_tests::exporter::TestExporter;
use serde_json::Value;

/// The routes of this binary's catalogue.
mod fixtures {
    #![allow(dead_code)]

    #[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
    pub(super) fn get_task(id: u64) -> u16 {
        if id == 0 { 404 } else { 200 }
    }

    #[semtrace::traced_http(method = "GET", route = "/health")]
    pub(super) fn health() -> u16 {
        200
    }
}

fn builder() -> semtrace::TelemetryBuilder {
    semtrace::Telemetry::builder("admin-catalogue-test")
        .env_lookup(|_| None)
        .span_exporter(TestExporter::default())
        .console(false)
}

fn with_admin(extra: &str) -> Result<(Guard, String), InitError> {
    let toml = format!("[admin]\nlisten = \"127.0.0.1:0\"\n{extra}");
    let (_dispatch, guard) = builder()
        .config(Config::from_toml(&toml).unwrap())
        .build()?;
    let address = guard.admin_address().expect("the listener runs");
    Ok((guard, format!("http://{address}")))
}

fn get(url: &str) -> (StatusCode, Option<String>, String) {
    let response = Client::new()
        .get(url)
        .send()
        .expect("the admin listener answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().unwrap())
}

const OBJECTIVES: &str = "[[slo]]\nroute = \"/api/tasks/{id}\"\navailability = 99.9\nlatency = { under = \"250ms\", percent = 99.0 }\n[[slo]]\navailability = 99.5\n";

#[test]
fn the_registry_and_the_rules_of_the_declared_objectives() {
    let (guard, base) = with_admin(OBJECTIVES).unwrap();
    let (status, content_type, body) = get(&format!("{base}/tracing/registry"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/yaml"));
    assert_eq!(body, semtrace::catalogue::to_registry_yaml());

    let (status, content_type, body) = get(&format!("{base}/tracing/prometheus-rules"));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/yaml"));
    let expected = prometheus_rules(&[
        Slo::route("/api/tasks/{id}")
            .availability(99.9)
            .latency(Duration::from_millis(250), 99.0),
        Slo::every_route().availability(99.5),
    ])
    .unwrap();
    assert_eq!(body, expected);
    assert!(body.contains("semtrace-slo /health"), "{body}");
    assert_eq!(guard.control().objectives().len(), 2);
}

#[test]
fn without_objectives_the_rules_are_404_and_a_route_the_catalogue_lacks_409() {
    let (_guard, base) = with_admin("").unwrap();
    let (status, _, body) = get(&format!("{base}/tracing/prometheus-rules"));
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"], "no objectives declared");
    assert!(
        error["allowed"].as_str().unwrap().contains("[[slo]]"),
        "{error}"
    );

    // A path, so `build` accepts it; this binary has no such route (and no layer).
    let (_guard, base) =
        with_admin("[[slo]]\nroute = \"/api/task/{id}\"\navailability = 99.0\n").unwrap();
    let (status, _, body) = get(&format!("{base}/tracing/prometheus-rules"));
    assert_eq!(status, StatusCode::CONFLICT);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("the closest is `/api/tasks/{id}`"),
        "{error}"
    );
}

#[test]
fn the_dashboards_parameters_are_decoded_and_checked() {
    let (_guard, base) = with_admin("").unwrap();
    let (status, content_type, body) = get(&format!(
        "{base}/tracing/dashboard?tempo=tempo%20prod&title=Tasks%20%26%20more"
    ));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let expected = grafana_dashboard(
        &DashboardOptions::default()
            .tempo("tempo prod")
            .title("Tasks & more"),
    );
    assert_eq!(body, expected);

    for (query, field) in [
        ("tempo=a&jaeger=b", "jaeger"),
        ("temp=a", "temp"),
        ("title=", "title"),
        ("title=a&title=b", "title"),
    ] {
        let (status, _, body) = get(&format!("{base}/tracing/dashboard?{query}"));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["field"], field, "{query}: {error}");
        assert!(
            error["allowed"].as_str().is_some_and(|a| !a.is_empty()),
            "{error}"
        );
    }
}

/// `build`'s error for `toml` (an admin listener is not needed).
fn refused(toml: &str) -> String {
    let config = Config::from_toml(toml).unwrap();
    builder().config(config).build().unwrap_err().to_string()
}

#[test]
fn bad_objectives_name_the_key_the_value_and_what_is_allowed() {
    let e = refused("[[slo]]\navailability = 100\n");
    assert!(
        e.contains("`slo[0].availability` in config file")
            && e.contains("100")
            && e.contains("no error budget"),
        "{e}"
    );
    let e = refused(
        "[[slo]]\nroute = \"/a\"\navailability = 99\n[[slo]]\nlatency = { under = 300, percent = 0 }\n",
    );
    assert!(
        e.contains("`slo[1].latency.percent` in config file") && e.contains("could never fire"),
        "{e}"
    );
    let e = refused("[[slo]]\nlatency = { under = \"300ms\", percent = 99 }\n");
    assert!(
        e.contains("`slo[0].latency.under` in config file")
            && e.contains("300ms")
            && e.contains("250ms and 500ms"),
        "{e}"
    );
    let e = refused("[[slo]]\nroute = \"api/tasks\"\navailability = 99\n");
    assert!(
        e.contains("`slo[0].route` in config file")
            && e.contains("api/tasks")
            && e.contains("beginning with `/`"),
        "{e}"
    );
    let e = refused(
        "[[slo]]\nroute = \"/a\"\navailability = 99\n[[slo]]\nroute = \"/a\"\navailability = 98\n",
    );
    assert!(
        e.contains("`slo[1].route` in config file") && e.contains("one objective per route"),
        "{e}"
    );
    let e = refused("[[slo]]\nroute = \"/a\"\n");
    assert!(
        e.contains("`slo[0]` in config file") && e.contains("neither"),
        "{e}"
    );
    let e = Config::from_toml("[[slo]]\navailabilty = 99\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("availabilty"), "{e}");

    let e = builder()
        .slo(Slo::route("/a").availability(0.0))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("TelemetryBuilder::slo") && e.contains("route `/a`"),
        "{e}"
    );
}

#[test]
fn the_builders_objectives_replace_the_files_and_a_reload_applies_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semtrace.toml");
    std::fs::write(&path, "[[slo]]\navailability = 99.0\n").unwrap();
    let (_dispatch, guard) = builder()
        .config_file(&path)
        .slo(Slo::route("/health").availability(99.9))
        .build()
        .unwrap();
    assert_eq!(
        guard.control().objectives(),
        [Slo::route("/health").availability(99.9)]
    );
    drop(guard);

    let (_dispatch, guard) = builder().config_file(&path).build().unwrap();
    let control = guard.control();
    assert_eq!(
        control.objectives(),
        [Slo::every_route().availability(99.0)]
    );
    let beside = path.with_extension("toml.new");
    std::fs::write(
        &beside,
        "[[slo]]\nroute = \"/health\"\navailability = 99.5\n",
    )
    .unwrap();
    std::fs::rename(&beside, &path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while control.objectives() != [Slo::route("/health").availability(99.5)] {
        assert!(
            Instant::now() < deadline,
            "the edit did not apply: {:?}",
            control.objectives()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
