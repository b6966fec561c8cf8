//! Debian's `prometheus` package, as `scripts/install-prometheus` installs it
//! (`SEMTRACE_PROMTOOL`, set by `scripts/test`): running `promtool`, and a real
//! Prometheus server on loopback that scrapes a target every second.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// `promtool` from `SEMTRACE_PROMTOOL`, or `None` after saying why `test` skips.
pub fn promtool(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("SEMTRACE_PROMTOOL").filter(|p| !p.is_empty());
    if path.is_none() {
        println!(
            "SKIP {test}: SEMTRACE_PROMTOOL is not set (scripts/install-prometheus installs promtool; scripts/test sets it)"
        );
    }
    path.map(PathBuf::from)
}

/// The `prometheus` server next to `promtool`, or `None` after saying why `test`
/// skips.
pub fn server_binary(test: &str) -> Option<PathBuf> {
    let binary = promtool(test)?.with_file_name("prometheus");
    if binary.exists() {
        Some(binary)
    } else {
        println!(
            "SKIP {test}: no `prometheus` next to promtool at {}",
            binary.display()
        );
        None
    }
}

/// Runs `promtool args` in `dir`: whether it succeeded, and its stdout and stderr.
///
/// # Panics
///
/// When promtool cannot be started.
pub fn run(promtool: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("promtool runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A Prometheus server on a free loopback port scraping one target every second,
/// its storage in a temporary folder; killed when dropped.
pub struct Server {
    child: std::process::Child,
    address: std::net::SocketAddr,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts `binary` scraping `target` as job `job`, with exemplar storage on
    /// when `exemplars`.
    ///
    /// # Panics
    ///
    /// When the server cannot be started.
    pub fn start(binary: &Path, job: &str, target: std::net::SocketAddr, exemplars: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        // A free loopback port: bound, read, and let go for Prometheus.
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let mut command = Command::new(binary);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"));
        if exemplars {
            command.arg("--enable-feature=exemplar-storage");
        }
        let child = command
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

    /// An instant query's result, or `None` while Prometheus is not answering.
    ///
    /// # Panics
    ///
    /// When Prometheus answers with an error (the query does not parse).
    pub fn query(&self, client: &reqwest::blocking::Client, expr: &str) -> Option<Vec<Value>> {
        let url = format!(
            "http://{}/api/v1/query?query={}",
            self.address,
            encode(expr)
        );
        let body: Value = client.get(url).send().ok()?.json().ok()?;
        assert_eq!(body["status"], "success", "{expr}: {body}");
        Some(body["data"]["result"].as_array().unwrap().clone())
    }

    /// Waits until `scrapes` scrapes of `job` are in, at most a minute; whether
    /// they are.
    pub fn wait_for_scrapes(
        &self,
        client: &reqwest::blocking::Client,
        job: &str,
        scrapes: u32,
    ) -> bool {
        let expr = format!("count_over_time(up{{job=\"{job}\"}}[1m]) >= {scrapes}");
        (0..300).any(|_| {
            if self.query(client, &expr).is_some_and(|r| !r.is_empty()) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
            false
        })
    }

    /// The trace ids of the exemplars stored for `metric` over the last hour, or
    /// `None` while Prometheus is not answering.
    ///
    /// # Panics
    ///
    /// When Prometheus answers with an error.
    pub fn exemplar_trace_ids(
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
            "http://{}/api/v1/query_exemplars?query={}&start={}&end={end}",
            self.address,
            encode(metric),
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

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `s` percent-encoded for a query string.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
