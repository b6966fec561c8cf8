//! A real Prometheus server (Debian's `prometheus`, next to `SEMTRACE_PROMTOOL`;
//! skipped without) scrapes the metrics endpoint every second with exemplar storage
//! on: `/api/v1/query_exemplars` returns exemplars of
//! `http_server_request_duration_seconds` whose trace ids are among the spans the
//! same run exported. No global subscriber.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use semtrace::Config;
use semtrace_tests::exporter::TestExporter;
use serde_json::Value;

#[semtrace::traced_http(method = "GET", route = "/baskets/{id}")]
fn get_basket(status: u16) -> u16 {
    status
}

/// Prometheus on loopback with exemplar storage, scraping `target` every second;
/// killed when dropped.
struct Prometheus {
    child: std::process::Child,
    address: std::net::SocketAddr,
    dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(binary: &std::path::Path, target: std::net::SocketAddr) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: exemplar-test\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = std::process::Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--enable-feature=exemplar-storage")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Self {
            child,
            address,
            dir,
        }
    }

    /// The trace ids of the exemplars stored for `metric`, or `None` while
    /// Prometheus is not answering.
    fn exemplar_trace_ids(
        &self,
        client: &reqwest::blocking::Client,
        metric: &str,
    ) -> Option<BTreeSet<String>> {
        let end = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60;
        let url = format!(
            "http://{}/api/v1/query_exemplars?query={metric}&start={}&end={end}",
            self.address,
            end - 3600
        );
        let body: Value = client.get(url).send().ok()?.json().ok()?;
        assert_eq!(body["status"], "success", "{body}");
        let mut ids = BTreeSet::new();
        for series in body["data"].as_array()? {
            for e in series["exemplars"].as_array()? {
                if let Some(id) = e["labels"]["trace_id"].as_str() {
                    ids.insert(id.to_owned());
                }
            }
        }
        Some(ids)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_prometheus_stores_exemplars_of_exported_traces() {
    const NAME: &str = "a_real_prometheus_stores_exemplars_of_exported_traces";
    let Some(promtool) = std::env::var_os("SEMTRACE_PROMTOOL").filter(|p| !p.is_empty()) else {
        println!(
            "SKIP {NAME}: SEMTRACE_PROMTOOL is not set (scripts/install-prometheus installs Debian's prometheus; scripts/test sets it)"
        );
        return;
    };
    let binary = std::path::Path::new(&promtool).with_file_name("prometheus");
    if !binary.exists() {
        println!("SKIP {NAME}: no `prometheus` next to {}", binary.display());
        return;
    }
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

    let prometheus = Prometheus::start(&binary, guard.metrics_address().unwrap());
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
