//! `semtrace-check export` against a service's admin listener in this process: the
//! three files equal what the service's own functions write; without objectives
//! two files and a note; a token when the listener wants one; bad options and an
//! unreachable listener are errors that say so.

use std::path::Path;
use std::process::Command;

use semtrace::catalogue::{DashboardOptions, Slo, grafana_dashboard, prometheus_rules};

/// The route of this binary's catalogue.
mod fixtures {
    #![allow(dead_code)]

    #[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
    pub(super) fn get_task(id: u64) -> u16 {
        if id == 0 { 404 } else { 200 }
    }
}

/// A service with an admin listener and `extra` config; its guard and base URL.
fn service(extra: &str) -> (semtrace::Guard, String) {
    let toml = format!("[admin]\nlisten = \"127.0.0.1:0\"\n{extra}");
    let (_dispatch, guard) = semtrace::Telemetry::builder("export-test")
        .env_lookup(|_| None)
        .console(false)
        .otlp(false)
        .config(semtrace::Config::from_toml(&toml).unwrap())
        .build()
        .unwrap();
    let base = format!("http://{}", guard.admin_address().unwrap());
    (guard, base)
}

fn export(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_semtrace-check"))
        .arg("export")
        .args(args)
        .env_remove("SEMTRACE_ADMIN_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn writes_the_registry_the_dashboard_and_the_rules() {
    let (_guard, base) = service("[[slo]]\nroute = \"/api/tasks/{id}\"\navailability = 99.9\n");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("telemetry");
    let (code, stderr) = export(&[
        "--admin",
        &format!("{base}/"),
        "--out",
        out.to_str().unwrap(),
        "--tempo",
        "tempo prod",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read(&out, "registry.yaml"),
        semtrace::catalogue::to_registry_yaml()
    );
    assert_eq!(
        read(&out, "dashboard.json"),
        grafana_dashboard(&DashboardOptions::default().tempo("tempo prod"))
    );
    assert_eq!(
        read(&out, "rules.yml"),
        prometheus_rules(&[Slo::route("/api/tasks/{id}").availability(99.9)]).unwrap()
    );
    assert_eq!(stderr.matches("wrote ").count(), 3, "{stderr}");
}

#[test]
fn without_objectives_two_files_and_a_note() {
    let (_guard, base) = service("");
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&["--admin", &base, "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("registry.yaml").exists());
    assert!(dir.path().join("dashboard.json").exists());
    assert!(!dir.path().join("rules.yml").exists());
    assert!(stderr.contains("declares no objectives"), "{stderr}");
}

#[test]
fn objectives_that_do_not_fit_the_catalogue_fail() {
    let (_guard, base) = service("[[slo]]\nroute = \"/api/task\"\navailability = 99.0\n");
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&["--admin", &base, "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the closest is `/api/tasks/{id}`"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("registry.yaml").exists(),
        "nothing written on failure"
    );
}

#[test]
fn the_token_is_sent_when_given() {
    let (_guard, base) = service("token = \"s3cret\"\n");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, stderr) = export(&["--admin", &base, "--out", out]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("(401)") && stderr.contains("--token"),
        "{stderr}"
    );
    let (code, stderr) = export(&["--admin", &base, "--out", out, "--token", "s3cret"]);
    assert_eq!(code, 0, "{stderr}");
    let status = Command::new(env!("CARGO_BIN_EXE_semtrace-check"))
        .args(["export", "--admin", &base, "--out", out])
        .env("SEMTRACE_ADMIN_TOKEN", "s3cret")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn bad_options_and_an_unreachable_listener_are_errors() {
    let (code, stderr) = export(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`--admin` is required"), "{stderr}");
    let (code, stderr) = export(&["--admin", "127.0.0.1:9464"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("invalid value `127.0.0.1:9464` for `--admin`"),
        "{stderr}"
    );
    let (code, stderr) = export(&["--admin", "http://x", "--tempo", "a", "--jaeger", "b"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("one trace data source"), "{stderr}");
    let (code, stderr) = export(&["--admin", "http://x", "--frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown argument `--frobnicate`"),
        "{stderr}"
    );

    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, stderr) = export(&["--admin", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot reach the admin endpoint"),
        "{stderr}"
    );
}
