//! `semtrace-check export`: the catalogue's three files from a running service's
//! admin endpoint.
//!
//! ```text
//! semtrace-check export --admin URL [--out DIR] [--token TOKEN]
//!                       [--tempo UID | --jaeger UID] [--title TITLE]
//! ```
//!
//! Writes into `DIR` (default: the current directory) `registry.yaml` (the
//! service's telemetry as a Weaver-format registry, from `/tracing/registry`),
//! `dashboard.json` (its Grafana dashboard, from `/tracing/dashboard`) and
//! `rules.yml` (the alert rules of the objectives it declares, from
//! `/tracing/prometheus-rules`; not written, with a note, when it declares none).
//! The bearer token is `--token`, else `SEMTRACE_ADMIN_TOKEN`.

use std::path::PathBuf;
use std::time::Duration;

/// What `export` was asked for.
struct Options {
    admin: String,
    out: PathBuf,
    token: Option<String>,
    query: Vec<(&'static str, String)>,
}

const USAGE: &str = "usage: semtrace-check export --admin URL [--out DIR] [--token TOKEN] [--tempo UID | --jaeger UID] [--title TITLE]";

fn options(args: impl Iterator<Item = std::ffi::OsString>) -> Result<Options, String> {
    let mut admin = None;
    let mut out = PathBuf::from(".");
    let mut token = std::env::var("SEMTRACE_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let mut query: Vec<(&'static str, String)> = Vec::new();
    let mut args = args.map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--admin" => admin = Some(value("--admin")?),
            "--out" => out = PathBuf::from(value("--out")?),
            "--token" => token = Some(value("--token")?),
            "--tempo" => query.push(("tempo", value("--tempo")?)),
            "--jaeger" => query.push(("jaeger", value("--jaeger")?)),
            "--title" => query.push(("title", value("--title")?)),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if query.iter().filter(|(k, _)| *k != "title").count() > 1 {
        return Err(format!(
            "one trace data source: `--tempo` or `--jaeger`\n{USAGE}"
        ));
    }
    let admin = admin.ok_or_else(|| format!("`--admin` is required\n{USAGE}"))?;
    let admin = admin.trim_end_matches('/').to_owned();
    if !(admin.starts_with("http://") || admin.starts_with("https://")) {
        return Err(format!(
            "invalid value `{admin}` for `--admin`: expected the admin listener's URL, such as `http://127.0.0.1:9464`"
        ));
    }
    Ok(Options {
        admin,
        out,
        token,
        query,
    })
}

/// One endpoint's answer: its status and body.
fn fetch(
    client: &reqwest::blocking::Client,
    o: &Options,
    path: &str,
    query: &[(&str, String)],
) -> Result<(u16, String), String> {
    let mut url = format!("{}{path}", o.admin);
    if !query.is_empty() {
        url.push('?');
        url.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish(),
        );
    }
    let mut request = client.get(&url);
    if let Some(token) = &o.token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .map_err(|e| format!("cannot reach the admin endpoint `{url}`: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .map_err(|e| format!("`{url}`: the answer could not be read: {e}"))?;
    match status {
        401 => Err(format!(
            "`{url}` refused the request (401): give the service's `admin.token` with `--token` or `SEMTRACE_ADMIN_TOKEN`"
        )),
        404 if path != "/tracing/prometheus-rules" => Err(format!(
            "`{url}` answered 404: is `{}` a semtrace admin listener of this version?",
            o.admin
        )),
        _ => Ok((status, body)),
    }
}

/// The message of an admin error body (`{"error": …}`), or the body itself.
fn error_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

/// Writes the files; the lines to print, or why it failed.
fn export(o: &Options) -> Result<Vec<String>, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let mut files: Vec<(&str, String)> = Vec::new();
    let mut notes = Vec::new();
    for (file, path, query) in [
        ("registry.yaml", "/tracing/registry", &[][..]),
        ("dashboard.json", "/tracing/dashboard", &o.query[..]),
    ] {
        let (status, body) = fetch(&client, o, path, query)?;
        if status != 200 {
            return Err(format!(
                "`{}{path}` answered {status}: {}",
                o.admin,
                error_of(&body)
            ));
        }
        files.push((file, body));
    }
    let (status, body) = fetch(&client, o, "/tracing/prometheus-rules", &[])?;
    match status {
        200 => files.push(("rules.yml", body)),
        404 => notes.push(
            "rules.yml not written: the service declares no objectives (`[[slo]]` in its config file, or `TelemetryBuilder::slo`)".to_owned(),
        ),
        _ => {
            return Err(format!(
                "the service's objectives do not fit its catalogue ({status}): {}",
                error_of(&body)
            ));
        }
    }
    std::fs::create_dir_all(&o.out)
        .map_err(|e| format!("cannot create `{}`: {e}", o.out.display()))?;
    for (file, body) in &files {
        let path = o.out.join(file);
        std::fs::write(&path, body)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        notes.push(format!("wrote {}", path.display()));
    }
    Ok(notes)
}

/// Runs `export` with the arguments after it: 0 when every file the service has
/// was written, 1 when its objectives do not fit its catalogue or an endpoint
/// failed, 2 for a wrong option.
pub(crate) fn run(args: impl Iterator<Item = std::ffi::OsString>) -> std::process::ExitCode {
    let o = match options(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("semtrace-check export: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    match export(&o) {
        Ok(notes) => {
            for note in notes {
                eprintln!("semtrace-check export: {note}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("semtrace-check export: {message}");
            std::process::ExitCode::from(1)
        }
    }
}
