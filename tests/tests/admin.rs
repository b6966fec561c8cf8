//! The admin HTTP endpoints through a real HTTP client on a loopback port, every
//! bad-input case, the bearer token, and hot reload of the config file. No global
//! subscriber.
// Rates and ratios are set exactly and compared exactly.
#![allow(clippy::float_cmp, clippy::too_many_lines, clippy::single_match_else)]

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use semtrace::{Config, Guard, SamplingMode, TelemetryBuilder};
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;
use serde_json::{Value, json};

fn builder(exporter: &TestExporter) -> TelemetryBuilder {
    semtrace::Telemetry::builder("admin-test")
        .env_lookup(|_| None)
        .span_exporter(exporter.clone())
}

fn with_admin(exporter: &TestExporter, extra: &str) -> (tracing::Dispatch, Guard, String) {
    let toml = format!("[sampling]\nratio = 0.0\n[admin]\nlisten = \"127.0.0.1:0\"\n{extra}");
    let (dispatch, guard) = builder(exporter)
        .console(true)
        .console_writer(Buffer::default())
        .config(Config::from_toml(&toml).unwrap())
        .build()
        .unwrap();
    let address = guard.admin_address().expect("the listener runs");
    assert!(address.ip().is_loopback());
    (dispatch, guard, format!("http://{address}"))
}

fn send(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().expect("the admin listener answers");
    let status = response.status();
    let text = response.text().unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON expected ({e}): {text}"))
    };
    (status, json)
}

#[test]
fn every_endpoint_works_and_bad_input_changes_nothing() {
    let exporter = TestExporter::default();
    let (_dispatch, guard, base) = with_admin(&exporter, "");
    let client = Client::new();
    let get = |path: &str| {
        send(
            &client,
            reqwest::Method::GET,
            &format!("{base}{path}"),
            None,
        )
    };
    let post = |path: &str, body: &str| {
        send(
            &client,
            reqwest::Method::POST,
            &format!("{base}{path}"),
            Some(body),
        )
    };
    let put = |path: &str, body: &str| {
        send(
            &client,
            reqwest::Method::PUT,
            &format!("{base}{path}"),
            Some(body),
        )
    };
    let delete = |path: &str| {
        send(
            &client,
            reqwest::Method::DELETE,
            &format!("{base}{path}"),
            None,
        )
    };

    let (code, status) = get("/tracing/status");
    assert_eq!(code, StatusCode::OK);
    assert_eq!(status["mode"], "ratio");
    assert_eq!(status["ratio"], 0.0);
    assert_eq!(status["rules"], json!([]));
    for key in ["started", "sampled_out", "exported", "dropped"] {
        assert!(status["spans"][key].is_u64(), "{status}");
    }

    // Rules.
    let (code, rule) = post(
        "/tracing/rules",
        r#"{"match": {"task.type": "import"}, "rate": 1.0, "duration": "10m"}"#,
    );
    assert_eq!(code, StatusCode::CREATED, "{rule}");
    let id = rule["id"].as_str().unwrap().to_owned();
    let expires = rule["expires_at"].as_str().unwrap();
    assert!(expires.ends_with('Z'), "RFC 3339: {expires}");
    let (_, status) = get("/tracing/status");
    assert_eq!(status["rules"][0]["id"], id.as_str());
    assert_eq!(status["rules"][0]["match"]["task.type"], "import");
    assert_eq!(status["rules"][0]["rate"], 1.0);
    assert_eq!(status["rules"][0]["expires_at"], expires);

    // Bad input: 400 naming the field, the value and what is allowed.
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"match": {"task.type": "import"}, "rate": 1.5, "duration": "10m"}"#,
            "rate",
            "1.5",
        ),
        (
            r#"{"match": {"task.type": "import"}, "rate": 1, "duration": "0s"}"#,
            "duration",
            "\"0s\"",
        ),
        (
            r#"{"match": {"task.type": "import"}, "rate": 1, "duration": "25h"}"#,
            "duration",
            "\"25h\"",
        ),
        (
            r#"{"match": {"task.type": "import"}, "rate": 1, "duration": "soon"}"#,
            "duration",
            "\"soon\"",
        ),
        (
            r#"{"match": {}, "rate": 1, "duration": "1m"}"#,
            "match",
            "{}",
        ),
        (r#"{"rate": 1, "duration": "1m"}"#, "match", "(missing)"),
        (
            r#"{"match": {"a": "b"}, "rate": 1, "duration": "1m", "ttl": 3}"#,
            "ttl",
            "3",
        ),
        (
            r#"{"match": {"a": "b"}, "rate": 1, "duration": "1m""#,
            "body",
            "",
        ),
        ("[1, 2]", "body", "[1,2]"),
    ];
    for (body, field, value) in cases {
        let (code, error) = post("/tracing/rules", body);
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert_eq!(error["field"], *field, "{body}: {error}");
        if !value.is_empty() {
            assert_eq!(error["value"], *value, "{body}: {error}");
        }
        assert!(
            error["allowed"].as_str().is_some_and(|a| !a.is_empty()),
            "{error}"
        );
        assert!(error["error"].is_string(), "{error}");
    }
    let (code, error) = put("/tracing/mode", r#"{"mode": "ful"}"#);
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(
        (error["field"].as_str(), error["value"].as_str()),
        (Some("mode"), Some("ful"))
    );
    assert!(
        error["allowed"]
            .as_str()
            .unwrap()
            .contains("did you mean `full`"),
        "{error}"
    );
    let (code, error) = put("/tracing/mode", r#"{"mode": "full", "ratio": 1.5}"#);
    assert_eq!(
        (code, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ratio"))
    );
    let (code, error) = put("/tracing/mode", r#"{"mode": "full", "rato": 0.5}"#);
    assert_eq!(
        (code, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("rato"))
    );
    assert!(
        error["allowed"]
            .as_str()
            .unwrap()
            .contains("did you mean `ratio`"),
        "{error}"
    );
    let (code, error) = put("/tracing/levels", r#"{"console": "info,x=loud"}"#);
    assert_eq!(
        (code, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("console"))
    );
    assert!(
        error["allowed"].as_str().unwrap().contains("`x=loud`"),
        "{error}"
    );
    let (code, error) = put("/tracing/levels", r#"{"file": "debug"}"#);
    assert_eq!(
        (code, error["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("file"))
    );
    let (_, status) = get("/tracing/status");
    assert_eq!(
        status["rules"].as_array().unwrap().len(),
        1,
        "nothing added"
    );
    assert_eq!(status["mode"], "ratio", "nothing changed");
    assert_eq!(status["levels"]["console"], "info");

    // Mode and levels.
    let (code, mode) = put("/tracing/mode", r#"{"mode": "full"}"#);
    assert_eq!(
        (code, mode["mode"].as_str()),
        (StatusCode::OK, Some("full"))
    );
    let (code, mode) = put("/tracing/mode", r#"{"mode": "ratio", "ratio": 0.1}"#);
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        (mode["mode"].as_str(), mode["ratio"].as_f64()),
        (Some("ratio"), Some(0.1))
    );
    assert_eq!(guard.control().mode(), SamplingMode::Ratio);
    let (code, levels) = put("/tracing/levels", r#"{"console": "info,my_crate=debug"}"#);
    assert_eq!(code, StatusCode::OK, "{levels}");
    assert_eq!(levels["console"], "info,my_crate=debug");

    // Removing.
    let (code, body) = delete(&format!("/tracing/rules/{id}"));
    assert_eq!((code, body), (StatusCode::NO_CONTENT, Value::Null));
    let (code, error) = delete(&format!("/tracing/rules/{id}"));
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(error["field"], "id");
    assert_eq!(get("/tracing/status").1["rules"], json!([]));
    guard.shutdown().unwrap();
}

#[test]
fn a_token_is_required_when_configured() {
    let exporter = TestExporter::default();
    let (_dispatch, guard, base) = with_admin(&exporter, "token = \"s3cret\"\n");
    let client = Client::new();
    let url = format!("{base}/tracing/status");
    let code = |request: reqwest::blocking::RequestBuilder| request.send().unwrap().status();
    assert_eq!(code(client.get(&url)), StatusCode::UNAUTHORIZED);
    assert_eq!(
        code(client.get(&url).bearer_auth("wrong")),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        code(
            client
                .put(format!("{base}/tracing/mode"))
                .body(r#"{"mode":"off"}"#)
        ),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guard.control().mode(),
        SamplingMode::Ratio,
        "refused: nothing changed"
    );
    assert_eq!(code(client.get(&url).bearer_auth("s3cret")), StatusCode::OK);
    drop(guard);
}

#[test]
fn the_router_mounts_in_a_service_of_its_own() {
    let exporter = TestExporter::default();
    let (_dispatch, guard) = builder(&exporter).console(false).build().unwrap();
    let app = axum::Router::new().nest("/admin", semtrace::admin::router(guard.control()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        runtime.block_on(async move { axum::serve(listener, app).await.unwrap() });
    });
    let (code, rule) = send(
        &Client::new(),
        reqwest::Method::POST,
        &format!("http://{address}/admin/tracing/rules"),
        Some(r#"{"match": {"span.name": "checkout"}, "rate": 0.5, "duration": "30s"}"#),
    );
    assert_eq!(code, StatusCode::CREATED, "{rule}");
    assert_eq!(guard.control().rules()[0].rate, 0.5);
}

#[test]
fn a_listener_on_another_interface_needs_a_token() {
    let exporter = TestExporter::default();
    let err = builder(&exporter)
        .config(Config::from_toml("[admin]\nlisten = \"0.0.0.0:0\"\n").unwrap())
        .resolve()
        .expect_err("refused");
    assert!(err.to_string().contains("admin.token"), "{err}");
    let err = builder(&exporter)
        .config(Config::from_toml("[admin]\nlisten = \"here\"\n").unwrap())
        .resolve()
        .expect_err("refused");
    assert!(err.to_string().contains("`here`"), "{err}");
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn config_file_edits_apply_while_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semtrace.toml");
    std::fs::write(
        &path,
        "[sampling]\nmode = \"ratio\"\nratio = 0.0\n[console]\nlevel = \"info\"\n",
    )
    .unwrap();
    let exporter = TestExporter::default();
    let (_dispatch, guard) = builder(&exporter)
        .console_writer(Buffer::default())
        .config_file(&path)
        .build()
        .unwrap();
    let control = guard.control();

    // A valid edit: mode, levels and a rule apply live.
    save(
        &path,
        "[sampling]\nmode = \"full\"\n[[sampling.rules]]\nmatch = { \"task.type\" = \"import\" }\nduration = \"1h\"\n[console]\nlevel = \"debug\"\n",
    );
    wait_until("the edit applies", || control.mode() == SamplingMode::Full);
    wait_until("levels and rules apply", || {
        let s = control.status();
        s.levels.console.as_deref() == Some("debug") && s.rules.len() == 1
    });
    assert_eq!(control.rules()[0].origin, "config");

    // An invalid edit keeps the running configuration.
    save(&path, "[sampling]\nmode = \"ful\"\n");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(control.mode(), SamplingMode::Full);
    assert_eq!(control.rules().len(), 1);

    // A rule added at run time survives a reload; the file's rules are replaced.
    let added = control
        .add_rule([("span.name", "x")], 1.0, Duration::from_secs(60))
        .unwrap();
    save(&path, "[sampling]\nmode = \"ratio\"\nratio = 0.5\n");
    wait_until("the second edit applies", || {
        control.mode() == SamplingMode::Ratio
    });
    let rules = control.rules();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].id, added.id);
    assert_eq!(control.status().ratio, 0.5);
    drop(guard);
}

/// Replaces the file's content at once, as editors save (write beside, rename): a
/// plain write can be read half-written, and a valid half (`mode = "ratio"` without
/// its `ratio`) would apply for a moment.
fn save(path: &std::path::Path, text: &str) {
    let beside = path.with_extension("toml.new");
    std::fs::write(&beside, text).unwrap();
    std::fs::rename(&beside, path).unwrap();
}
