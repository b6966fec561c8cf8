//! The Grafana dashboard of the catalogue (`semtrace::catalogue::grafana_dashboard`,
//! `GET /tracing/dashboard`), checked against the exposition it is about: a small
//! annotated program records through the Prometheus exporter, its `/metrics` is
//! scraped, and every metric and label each panel's `PromQL` names must be in that
//! scrape (the SLO rules' too). With Debian's `prometheus` (next to
//! `SEMTRACE_PROMTOOL`, which `scripts/test` sets; skipped without), a real
//! Prometheus on loopback scrapes the program and every panel's query returns a
//! series. No global subscriber; the listeners are on loopback and stop with the
//! test (Prometheus is killed when its handle drops).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use semtrace::Config;
use semtrace::catalogue::{DashboardOptions, Slo};
use serde_json::Value;

/// One function per domain the dashboard shows; those that can fail are made to
/// (`error.type` is in the exposition once a call has failed).
mod fixtures {
    #[semtrace::traced_http(method = "GET", route = "/items/{id}")]
    pub(super) fn get_item(status: u16) -> u16 {
        status
    }

    #[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "items")]
    pub(super) fn load(fail: bool) -> Result<(), String> {
        if fail { Err("gone".into()) } else { Ok(()) }
    }

    #[semtrace::traced_db(system = "postgresql", operation = "UPDATE", collection = table)]
    pub(super) fn update(table: &str) -> Result<(), String> {
        if table.is_empty() {
            Err("no table".into())
        } else {
            Ok(())
        }
    }

    #[semtrace::traced_rpc(system = "jsonrpc", method = "items.Items/Get")]
    pub(super) fn rpc(fail: bool) -> Result<(), String> {
        if fail { Err("no".into()) } else { Ok(()) }
    }

    #[semtrace::traced_messaging(system = "kafka", operation = "send", destination = "orders")]
    pub(super) fn send(fail: bool) -> Result<(), String> {
        if fail { Err("full".into()) } else { Ok(()) }
    }

    #[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders")]
    pub(super) fn process(fail: bool) -> Result<(), String> {
        if fail { Err("poison".into()) } else { Ok(()) }
    }

    #[semtrace::traced_task(task.type = "import")]
    pub(super) fn import(fail: bool) -> Result<(), String> {
        if fail { Err("bad".into()) } else { Ok(()) }
    }
}

/// The rows the dashboard must have: one per catalogue item, then semtrace's own.
const ROWS: [&str; 10] = [
    "HTTP GET /items/{id}",
    // `semtrace::http::ServerLayer`: its route and method per call.
    "HTTP {http.request.method} {http.route}",
    "RPC items.Items/Get",
    "Database SELECT items",
    "Database UPDATE {db.collection.name}",
    "Messaging send orders",
    "Messaging process orders",
    "Task import",
    // The benchmarks' function in `semtrace_tests`, which this binary links.
    "Task semtrace_call_with_metric",
    "semtrace",
];

/// Runs every fixture, successes and failures, and returns the scrape and the
/// dashboard the admin listener serves.
/// Calls every fixture, the failing ones both ways, and serves a request that
/// succeeds and one that fails through `semtrace::http::ServerLayer` (whose
/// catalogue entry has its route per call).
fn exercise() {
    use tower::{Layer as _, ServiceExt as _};

    fixtures::get_item(200);
    fixtures::get_item(503);
    for fail in [false, true] {
        let _ = fixtures::load(fail);
        let _ = fixtures::rpc(fail);
        let _ = fixtures::import(fail);
        let _ = fixtures::send(fail);
        let _ = fixtures::process(fail);
    }
    let _ = fixtures::update("items");
    let _ = fixtures::update("");
    // Linked in with the test helpers of `semtrace_tests`: in the catalogue too.
    let _ = semtrace_tests::calls::semtrace_call_with_metric(1, 1);
    let _ = semtrace_tests::calls::semtrace_call_with_metric(0, 1);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let layer = semtrace::http::ServerLayer::new().route_with(|_| Some("/orders/{id}"));
    for status in [200, 503] {
        let service = layer.layer(tower::service_fn(
            move |_: http::Request<String>| async move {
                let mut response = http::Response::new(String::new());
                *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                Ok::<_, std::convert::Infallible>(response)
            },
        ));
        let request = http::Request::get("http://127.0.0.1/orders/7")
            .body(String::new())
            .unwrap();
        let response = runtime.block_on(service.oneshot(request)).unwrap();
        assert_eq!(response.status(), status);
    }
}

/// A service with the Prometheus exporter on its admin listener, after
/// [`exercise`]; its guard.
fn exercised() -> semtrace::Guard {
    let (dispatch, guard) = semtrace::Telemetry::builder("dashboard-test")
        .env_lookup(|_| None)
        .console(false)
        .config(
            Config::from_toml(
                "[metrics]\nexporters = [\"prometheus\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, exercise);
    guard
}

fn scrape_and_dashboard() -> (String, Value) {
    let guard = exercised();
    let admin = guard.admin_address().unwrap();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let get = |path: &str| {
        let response = client.get(format!("http://{admin}{path}")).send().unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.text().unwrap()
    };
    let text = get("/metrics");
    let dashboard = serde_json::from_str(&get("/tracing/dashboard?tempo=tempo-uid"))
        .expect("the dashboard is JSON");
    drop(guard);
    (text, dashboard)
}

/// Each family's label names in the scrape (`_bucket`, `_count`, … as written).
fn exposition(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let end = line.find(['{', ' ']).unwrap();
        let labels = out.entry(line[..end].to_owned()).or_default();
        if line[end..].starts_with('{') {
            for (key, _) in matchers(&line[end + 1..]).0 {
                labels.insert(key);
            }
        }
    }
    out
}

/// The `key op "value"` pairs of a selector or sample from after its `{`, and the
/// length read up to and with the closing `}`.
fn matchers(s: &str) -> (Vec<(String, String)>, usize) {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while bytes[i] == b' ' || bytes[i] == b',' {
            i += 1;
        }
        if bytes[i] == b'}' {
            return (out, i + 1);
        }
        let start = i;
        while bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
            i += 1;
        }
        let key = s[start..i].to_owned();
        while bytes[i] != b'"' {
            i += 1;
        }
        i += 1;
        let value_start = i;
        while bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        out.push((key, s[value_start..i].to_owned()));
        i += 1;
    }
}

/// The metric selectors of a `PromQL` expression (name and matched labels) and the
/// labels its `by`, `ignoring` and `group_left` clauses name.
fn names(expr: &str) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let bytes = expr.as_bytes();
    let (mut selectors, mut grouping) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'[' {
            i += expr[i..].find(']').unwrap() + 1;
        } else if c == b'"' {
            i += 1 + expr[i + 1..].find('"').unwrap() + 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || b"_:".contains(&bytes[i]))
            {
                i += 1;
            }
            let word = &expr[start..i];
            let rest = expr[i..].trim_start();
            if let Some(inside) = rest.strip_prefix('{') {
                let skipped = expr.len() - i - rest.len();
                let (m, len) = matchers(inside);
                selectors.push((word.to_owned(), m.into_iter().map(|(k, _)| k).collect()));
                i += skipped + 1 + len;
            } else if ["by", "ignoring", "group_left"].contains(&word) && rest.starts_with('(') {
                let close = rest.find(')').unwrap();
                grouping.extend(
                    rest[1..close]
                        .split(',')
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned),
                );
                i += expr.len() - i - rest.len() + close + 1;
            }
        } else {
            i += 1;
        }
    }
    (selectors, grouping)
}

/// Every metric and label `expr` names is in the scrape; `job` is the label
/// Prometheus gives scraped series, and names with a `:` are the rules' own.
fn check_expr(
    expr: &str,
    scrape: &BTreeMap<String, BTreeSet<String>>,
    recorded: &BTreeSet<String>,
) {
    let (selectors, grouping) = names(expr);
    assert!(!selectors.is_empty(), "no metric in {expr}");
    let mut available: BTreeSet<&str> = BTreeSet::from(["job"]);
    for (metric, labels) in &selectors {
        if metric.contains(':') {
            assert!(
                recorded.contains(metric),
                "`{metric}` is not recorded: {expr}"
            );
            available.insert("http_route");
            continue;
        }
        let have = scrape
            .get(metric)
            .unwrap_or_else(|| panic!("`{metric}` is not in the scrape: {expr}"));
        available.extend(have.iter().map(String::as_str));
        for label in labels {
            assert!(
                label == "job" || have.contains(label),
                "`{metric}` has no label `{label}` in the scrape: {expr}\nit has {have:?}"
            );
        }
    }
    for label in grouping {
        assert!(
            available.contains(label.as_str()),
            "no `{label}` in the scrape: {expr}"
        );
    }
}

fn rows(dashboard: &Value) -> Vec<(String, Vec<&Value>)> {
    let mut out: Vec<(String, Vec<&Value>)> = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        if panel["type"] == "row" {
            out.push((panel["title"].as_str().unwrap().to_owned(), Vec::new()));
        } else {
            out.last_mut().expect("a panel under a row").1.push(panel);
        }
    }
    out
}

#[test]
fn every_panel_names_only_what_the_exposition_has() {
    let (text, dashboard) = scrape_and_dashboard();
    let scrape = exposition(&text);
    let mut exprs = 0;
    for (row, panels) in rows(&dashboard) {
        for panel in panels {
            for target in panel["targets"].as_array().unwrap() {
                let expr = target["expr"].as_str().unwrap();
                check_expr(expr, &scrape, &BTreeSet::new());
                assert_eq!(target["datasource"]["uid"], "${datasource}", "{row}");
                exprs += 1;
            }
        }
    }
    assert!(exprs >= 7 * 5 + 5, "{exprs} expressions");
}

#[test]
fn the_rules_name_only_what_the_exposition_has() {
    let (text, _) = scrape_and_dashboard();
    let scrape = exposition(&text);
    let yaml = semtrace::catalogue::prometheus_rules(&[Slo::every_route()
        .availability(99.9)
        .latency(Duration::from_millis(250), 99.0)])
    .unwrap();
    let file: serde_yaml_ng::Value = serde_yaml_ng::from_str(&yaml).unwrap();
    let rules: Vec<&serde_yaml_ng::Value> = file["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .collect();
    let recorded: BTreeSet<String> = rules
        .iter()
        .filter_map(|r| r.get("record").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    assert!(!recorded.is_empty());
    for rule in rules {
        check_expr(rule["expr"].as_str().unwrap(), &scrape, &recorded);
    }
}

#[test]
fn a_row_per_catalogue_item_with_rate_errors_and_quantiles() {
    let (_, dashboard) = scrape_and_dashboard();
    let rows = rows(&dashboard);
    let titles: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ROWS);
    for (title, panels) in &rows[..rows.len() - 1] {
        let names: Vec<&str> = panels
            .iter()
            .map(|p| p["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Rate",
                "Error ratio by error.type",
                "Duration p50 / p95 / p99"
            ],
            "{title}"
        );
        let errors = panels[1]["targets"][0]["expr"].as_str().unwrap();
        assert!(errors.starts_with("sum by (error_type"), "{errors}");
        let quantiles: Vec<&str> = panels[2]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["expr"].as_str().unwrap())
            .collect();
        assert_eq!(quantiles.len(), 3);
        for (q, expr) in ["0.5", "0.95", "0.99"].iter().zip(&quantiles) {
            assert!(
                expr.starts_with(&format!("histogram_quantile({q}, ")),
                "{expr}"
            );
            assert!(expr.contains("_bucket{"), "{expr}");
        }
        assert_eq!(panels[2]["targets"][0]["exemplar"], true);
        // The link to the item's traces in the Tempo data source.
        let link = &panels[0]["fieldConfig"]["defaults"]["links"][0];
        let url = link["url"].as_str().unwrap();
        assert!(url.starts_with("/explore?left="), "{url}");
        assert!(url.contains("tempo-uid"), "{url}");
    }
    // The layer's row: one series per route.
    let layer = rows[1].1[0]["targets"][0]["expr"].as_str().unwrap();
    assert!(layer.starts_with("sum by (http_route)"), "{layer}");
    // A per-call collection is one series per collection.
    let update = &rows[4].1[0]["targets"][0]["expr"];
    assert!(
        update
            .as_str()
            .unwrap()
            .starts_with("sum by (db_collection_name)"),
        "{update}"
    );
    let route = &rows[0].1[0]["targets"][0]["expr"];
    assert!(
        route
            .as_str()
            .unwrap()
            .contains("http_server_request_duration_seconds_count{job=~\"$service\", http_request_method=\"GET\", http_route=\"/items/{id}\"}"),
        "{route}"
    );
}

#[test]
fn datasource_and_service_variables() {
    let json = semtrace::catalogue::grafana_dashboard(&DashboardOptions::default());
    let dashboard: Value = serde_json::from_str(&json).unwrap();
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    let names: Vec<&str> = variables
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["datasource", "service"]);
    assert_eq!(variables[0]["type"], "datasource");
    assert_eq!(variables[0]["query"], "prometheus");
    assert_eq!(variables[1]["definition"], "label_values(target_info, job)");
    // Without a trace data source, no links and no exemplars.
    let (_, panels) = &rows(&dashboard)[0];
    assert_eq!(
        panels[0]["fieldConfig"]["defaults"]["links"],
        serde_json::json!([])
    );
    let jaeger: Value = serde_json::from_str(&semtrace::catalogue::grafana_dashboard(
        &DashboardOptions::default().jaeger("j1"),
    ))
    .unwrap();
    let url = rows(&jaeger)[0].1[0]["fieldConfig"]["defaults"]["links"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.contains("jaeger") && url.contains("j1"), "{url}");
}

#[test]
#[should_panic(expected = "has no label `http_path`")]
fn the_check_refuses_a_label_the_exposition_lacks() {
    let (text, _) = scrape_and_dashboard();
    check_expr(
        "sum by (le) (rate(http_server_request_duration_seconds_bucket{http_path=\"/\"}[5m]))",
        &exposition(&text),
        &BTreeSet::new(),
    );
}

#[test]
#[should_panic(expected = "is not in the scrape")]
fn the_check_refuses_a_metric_the_exposition_lacks() {
    let (text, _) = scrape_and_dashboard();
    check_expr(
        "sum(rate(http_server_duration_seconds_count{job=\"a\"}[5m]))",
        &exposition(&text),
        &BTreeSet::new(),
    );
}

#[test]
fn a_real_prometheus_finds_a_series_for_every_panel() {
    let Some(binary) = semtrace_tests::prometheus::server_binary(
        "a_real_prometheus_finds_a_series_for_every_panel",
    ) else {
        return;
    };
    let guard = exercised();
    let prometheus = semtrace_tests::prometheus::Server::start(
        &binary,
        "dashboard-test",
        guard.admin_address().unwrap(),
        false,
    );
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // Until three scrapes are in (a `rate` over a minute needs two), at most a minute.
    assert!(
        prometheus.wait_for_scrapes(&client, "dashboard-test", 3),
        "Prometheus did not scrape the service:\n{}",
        prometheus.log()
    );
    let dashboard: Value = serde_json::from_str(&semtrace::catalogue::grafana_dashboard(
        &DashboardOptions::default(),
    ))
    .unwrap();
    for (row, panels) in rows(&dashboard) {
        for panel in panels {
            for target in panel["targets"].as_array().unwrap() {
                let expr = target["expr"]
                    .as_str()
                    .unwrap()
                    .replace("$__rate_interval", "1m")
                    .replace("$service", "dashboard-test");
                let result = prometheus
                    .query(&client, &expr)
                    .expect("Prometheus answers");
                assert!(
                    !result.is_empty(),
                    "{row} / {}: no series for\n{expr}",
                    panel["title"]
                );
            }
        }
    }
    drop(guard);
}
