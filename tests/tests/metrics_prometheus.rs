//! The Prometheus text endpoint: `[metrics.prometheus] listen` serves `/metrics` on
//! its own listener, the admin listener serves it too, and without the Prometheus
//! exporter the admin route answers 404 saying how to turn it on. No global
//! subscriber.

use semtrace::Config;

#[semtrace::traced_http(method = "GET", route = "/items/{id}")]
fn get_item(status: u16) -> u16 {
    status
}

fn build(toml: &str) -> (tracing::Dispatch, semtrace::Guard) {
    semtrace::Telemetry::builder("prom-test")
        .env_lookup(|_| None)
        .console(false)
        .config(Config::from_toml(toml).unwrap())
        .build()
        .unwrap()
}

fn get(url: &str) -> (u16, String) {
    let response = reqwest::blocking::get(url).unwrap();
    let status = response.status().as_u16();
    (status, response.text().unwrap())
}

#[test]
fn own_listener_serves_the_text_format() {
    let (dispatch, guard) = build(
        "[metrics]\nexporters = [\"prometheus\"]\n[metrics.prometheus]\nlisten = \"127.0.0.1:0\"\n",
    );
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..3 {
            get_item(200);
        }
        get_item(503);
    });
    let address = guard.metrics_address().expect("a metrics listener");
    let (status, text) = get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200);
    // OpenTelemetry names in Prometheus form: dots to underscores, the unit suffixed.
    let ok = text
        .lines()
        .find(|l| {
            l.starts_with("http_server_request_duration_seconds_count{")
                && l.contains("http_response_status_code=\"200\"")
        })
        .unwrap_or_else(|| panic!("no count line for 200 in:\n{text}"));
    assert!(ok.contains("http_request_method=\"GET\""), "{ok}");
    assert!(ok.contains("http_route=\"/items/{id}\""), "{ok}");
    assert!(ok.ends_with(" 3"), "{ok}");
    assert!(
        text.lines().any(
            |l| l.starts_with("http_server_request_duration_seconds_count{")
                && l.contains("error_type=\"503\"")
                && l.ends_with(" 1")
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE http_server_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(text.contains("semtrace_spans_started"), "{text}");
    drop(guard);
}

#[test]
fn admin_listener_serves_metrics_too() {
    let (dispatch, guard) =
        build("[metrics]\nexporters = [\"prometheus\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    tracing::dispatcher::with_default(&dispatch, || get_item(200));
    // With an admin listener there is no second one.
    assert_eq!(guard.metrics_address(), None);
    let admin = guard.admin_address().unwrap();
    let (status, text) = get(&format!("http://{admin}/metrics"));
    assert_eq!(status, 200);
    assert!(
        text.contains("http_server_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(guard.control().metrics_text().is_some());
}

#[test]
fn admin_metrics_without_prometheus_is_404_with_a_hint() {
    let (_dispatch, guard) = build("[admin]\nlisten = \"127.0.0.1:0\"\n");
    let admin = guard.admin_address().unwrap();
    let (status, body) = get(&format!("http://{admin}/metrics"));
    assert_eq!(status, 404);
    assert!(body.contains("OTEL_METRICS_EXPORTER=prometheus"), "{body}");
}
