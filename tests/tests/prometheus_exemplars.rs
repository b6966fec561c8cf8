//! A real Prometheus server (Debian's `prometheus`, next to `SEMTRACE_PROMTOOL`;
//! skipped without) scrapes the metrics endpoint every second with exemplar storage
//! on: `/api/v1/query_exemplars` returns exemplars of
//! `http_server_request_duration_seconds` whose trace ids are among the spans the
//! same run exported. No global subscriber.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use semtrace::Config;
use semtrace_tests::exporter::TestExporter;

#[semtrace::traced_http(method = "GET", route = "/baskets/{id}")]
fn get_basket(status: u16) -> u16 {
    status
}

#[test]
fn a_real_prometheus_stores_exemplars_of_exported_traces() {
    const NAME: &str = "a_real_prometheus_stores_exemplars_of_exported_traces";
    let Some(binary) = semtrace_tests::prometheus::server_binary(NAME) else {
        return;
    };
    let exporter = TestExporter::default();
    let (dispatch, guard) = semtrace::Telemetry::builder("prometheus-exemplar-test")
        .env_lookup(|_| None)
        .console(false)
        .span_exporter(exporter.clone())
        .config(
            Config::from_toml(
                "[metrics]\nexporters = [\"prometheus\"]\n[metrics.prometheus]\nlisten = \"127.0.0.1:0\"\n",
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        get_basket(200);
        get_basket(404);
    });
    assert!(
        guard.flush(Duration::from_secs(10)),
        "the spans are exported"
    );
    let traces: BTreeSet<String> = exporter
        .spans()
        .iter()
        .map(|s| s.span_context.trace_id().to_string())
        .collect();
    assert_eq!(traces.len(), 2, "two traces exported");

    let prometheus = semtrace_tests::prometheus::Server::start(
        &binary,
        "exemplar-test",
        guard.metrics_address().unwrap(),
        true,
    );
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let stored = loop {
        let got =
            prometheus.exemplar_trace_ids(&client, "http_server_request_duration_seconds_bucket");
        if let Some(ids) = got.filter(|ids| ids.len() >= 2) {
            break ids;
        }
        assert!(
            Instant::now() < deadline,
            "no exemplars stored within a minute; prometheus log:\n{}",
            prometheus.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(stored.is_subset(&traces), "{stored:?} not among {traces:?}");
    drop(prometheus);
    drop(guard);
}
