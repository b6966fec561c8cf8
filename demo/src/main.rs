//! semtrace demo: a task coordinator and a worker, traced end to end.
//!
//! The coordinator keeps tasks in an embedded `SQLite` database and serves them over
//! HTTP on a loopback port; the worker fetches each task, runs it and reports the
//! outcome. Every step is a semtrace span whose fields were checked at compile time
//! against the OpenTelemetry semantic conventions, and the trace of one task spans
//! both sides, joined by the `traceparent` header. The HTTP spans come from
//! semtrace's middleware, with no annotation on handlers or calls: the coordinator's
//! router carries `semtrace::http::ServerLayer` (a server span per request, named
//! after the route axum matched, its parent read from `traceparent`, current while
//! the handler runs), and the worker's reqwest client `ReqwestMiddleware` (a client
//! span per request, its context written into `traceparent`):
//!
//! ```text
//! run_task                                  (worker, internal)
//! ├── GET ──────────► GET /api/tasks/{id}               (coordinator, server)
//! │                   └── SELECT tasks                  (sqlite, client)
//! └── POST ─────────► POST /api/tasks/{id}/result       (coordinator, server)
//!                     └── UPDATE tasks                  (sqlite, client)
//! ```
//!
//! It runs for well under a second and exits. Each trace is printed on the console
//! as a tree when it ends (the worker's and the coordinator's parts of one task show
//! the same trace id); set `OTEL_EXPORTER_OTLP_ENDPOINT` to export over OTLP as well.
//!
//! With `--serve` it then stays up (until Ctrl-C) and serves what semtrace knows
//! of its telemetry on an admin listener (a free loopback port, or
//! `SEMTRACE_ADMIN_LISTEN`): the catalogue of its spans and metrics, a Grafana
//! dashboard, the alert rules of the objectives it declares below, a Weaver
//! registry, and its metrics for Prometheus to scrape (`/metrics`).
//! `semtrace-check export --admin URL` writes the three files.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest_middleware::ClientWithMiddleware;
use rusqlite::Connection;
use semtrace::catalogue::Slo;
use serde::{Deserialize, Serialize};

type Db = Arc<Mutex<Connection>>;

#[derive(Debug, Serialize, Deserialize)]
struct Task {
    id: i64,
    input: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Report {
    state: String,
}

/// Why a task failed; its Display becomes the span's status description.
#[derive(Debug, thiserror::Error)]
enum TaskError {
    #[error("cannot checksum negative input {0}")]
    NegativeInput(i64),
    #[error("coordinator unreachable: {0}")]
    Http(#[from] reqwest_middleware::Error),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let serve = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--serve") => true,
        Some(other) => {
            return Err(
                format!("unknown argument `{other}`; usage: semtrace-demo [--serve]").into(),
            );
        }
    };
    // Each trace as a tree on the console; OTLP export as well when
    // OTEL_EXPORTER_OTLP_ENDPOINT is set. Dropping the guard at the end of main
    // flushes every span. The objectives are the coordinator's: the alert rules
    // on `/tracing/prometheus-rules` are written for them.
    let mut telemetry = semtrace::TelemetryBuilder::default()
        .console_format(semtrace::config::ConsoleFormat::Tree)
        .slo(
            Slo::route("/api/tasks/{id}")
                .availability(99.9)
                .latency(Duration::from_millis(250), 99.0),
        )
        .slo(Slo::every_route().availability(99.5));
    if serve {
        // The admin listener, and the metrics in Prometheus's format on it (the
        // environment's OTEL_METRICS_EXPORTER and SEMTRACE_ADMIN_LISTEN win).
        telemetry = telemetry.config(semtrace::Config::from_toml(
            "[admin]\nlisten = \"127.0.0.1:0\"\n[metrics]\nexporters = [\"prometheus\"]\n",
        )?);
    }
    let guard = telemetry.init()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run())?;
    if let (true, Some(admin)) = (serve, guard.admin_address()) {
        let base = format!("http://{admin}");
        println!("semtrace-demo: admin endpoints on {base} (Ctrl-C to stop):");
        for path in [
            "catalogue",
            "dashboard",
            "prometheus-rules",
            "registry",
            "status",
        ] {
            println!("  {base}/tracing/{path}");
        }
        println!("  {base}/metrics");
        println!("  semtrace-check export --admin {base} --out telemetry/");
        runtime.block_on(tokio::signal::ctrl_c())?;
    }
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let db = open_db(&[7, 42, -3, 1_000, -8, 12])?;

    // The coordinator: an HTTP API over the database, on a free loopback port. The
    // layer (added after the routes, so it sees the route axum matched) traces every
    // request; the connect info gives it the client's address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let api = Router::new()
        .route("/api/tasks/{id}", get(get_task))
        .route("/api/tasks/{id}/result", post(post_result))
        .layer(semtrace::http::ServerLayer::new())
        .with_state(Arc::clone(&db));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            api.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });

    // The worker: runs every task through the API, one after the other. The
    // middleware traces every request and writes `traceparent` into it.
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(semtrace::http::ReqwestMiddleware::default())
        .build();
    for id in 1..=6 {
        // Failures are recorded on the task's span; the worker just moves on.
        let _ = run_task(&http, &base, id).await;
    }

    let _ = stop.send(());
    server.await??;
    for (state, count) in count_by_state(&db.lock().expect("db lock"))? {
        tracing::info!(state, count, "summary");
    }
    Ok(())
}

// ---------------------------------------------------------------- worker

// `task.state` is declared here and recorded once known.
#[semtrace::traced_task(task.id = %id, task.type = "checksum", task.state)]
async fn run_task(http: &ClientWithMiddleware, base: &str, id: i64) -> Result<i64, TaskError> {
    let task = fetch_task(http, &format!("{base}/api/tasks/{id}")).await?;
    let outcome = checksum(task.input);
    let state = match &outcome {
        Ok(checksum) => {
            semtrace::record!(task.state = "completed");
            tracing::info!(checksum, "task completed");
            "completed"
        }
        Err(error) => {
            semtrace::record!(task.state = "failed");
            tracing::warn!(%error, "task failed");
            "failed"
        }
    };
    let report_url = format!("{base}/api/tasks/{id}/result");
    report(http, &report_url, state).await?;
    outcome
}

fn checksum(input: i64) -> Result<i64, TaskError> {
    if input < 0 {
        return Err(TaskError::NegativeInput(input));
    }
    Ok(input
        .to_string()
        .bytes()
        .map(|digit| i64::from(digit - b'0'))
        .sum())
}

// Plain calls: the client's middleware makes each request's span.

async fn fetch_task(http: &ClientWithMiddleware, url: &str) -> reqwest_middleware::Result<Task> {
    let response = http.get(url).send().await?;
    Ok(response.error_for_status()?.json().await?)
}

async fn report(
    http: &ClientWithMiddleware,
    url: &str,
    state: &str,
) -> reqwest_middleware::Result<reqwest::StatusCode> {
    let body = Report {
        state: state.to_owned(),
    };
    let response = http.post(url).json(&body).send().await?;
    Ok(response.status())
}

// ----------------------------------------------------------- coordinator

// Plain handlers: the layer's server span is current while they run, so the
// database spans they make nest under it.

async fn get_task(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let task = load_task(&db.lock().expect("db lock"), id);
    tracing::info!(found = task.is_ok(), "task requested");
    match task {
        Ok(task) => Json(task).into_response(),
        Err(rusqlite::Error::QueryReturnedNoRows) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn post_result(
    State(db): State<Db>,
    Path(id): Path<i64>,
    Json(report): Json<Report>,
) -> StatusCode {
    let updated = save_state(&db.lock().expect("db lock"), id, &report.state);
    match updated {
        Ok(1) => StatusCode::NO_CONTENT,
        Ok(_) => StatusCode::NOT_FOUND,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

// -------------------------------------------------------------- database

fn open_db(inputs: &[i64]) -> rusqlite::Result<Db> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, input INTEGER NOT NULL, state TEXT NOT NULL)",
    )?;
    for &input in inputs {
        insert_task(&db, input)?;
    }
    Ok(Arc::new(Mutex::new(db)))
}

#[semtrace::traced_db(system = "sqlite", operation = "INSERT", collection = "tasks")]
fn insert_task(db: &Connection, input: i64) -> rusqlite::Result<usize> {
    db.execute(
        "INSERT INTO tasks (input, state) VALUES (?1, 'pending')",
        [input],
    )
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT", collection = "tasks")]
fn load_task(db: &Connection, id: i64) -> rusqlite::Result<Task> {
    db.query_row("SELECT id, input FROM tasks WHERE id = ?1", [id], |row| {
        Ok(Task {
            id: row.get(0)?,
            input: row.get(1)?,
        })
    })
}

#[semtrace::traced_db(system = "sqlite", operation = "UPDATE", collection = "tasks")]
fn save_state(db: &Connection, id: i64, state: &str) -> rusqlite::Result<usize> {
    db.execute("UPDATE tasks SET state = ?1 WHERE id = ?2", (state, id))
}

#[semtrace::traced_db(
    system = "sqlite",
    operation = "SELECT",
    collection = "tasks",
    query = "SELECT state, COUNT(*) FROM tasks GROUP BY state"
)]
fn count_by_state(db: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut statement = db.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}
