// Generated code must not trip the user's crate-level lints.
#![deny(unused_qualifications, warnings, missing_docs, unreachable_pub, rust_2018_idioms)]
#![deny(clippy::pedantic)]
#![forbid(unsafe_code)]
//! Strict crate.

use core::future::Future;
use core::pin::Pin;

/// A server handler.
#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
pub async fn get_task(id: u64) -> Result<u16, String> {
    semtrace::record!(http.response.status_code = 200);
    if id == 0 {
        return Err("zero".to_owned());
    }
    Ok(200)
}

/// A client call.
#[semtrace::traced_http(client, method = "GET", url = %url)]
pub fn fetch(url: &str) -> u16 {
    u16::try_from(url.len()).unwrap_or(0)
}

/// A query.
#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = %table, query = sql)]
pub fn query(table: &str, sql: &str) -> Result<usize, std::fmt::Error> {
    Ok(table.len() + sql.len())
}

/// A task.
#[semtrace::traced_task(task.id = %id, task.priority = priority, task.state = "running")]
pub fn task(id: u64, priority: i64) -> Option<u64> {
    semtrace::record!(task.state = "completed", task.attempt = 1, worker.id = %id);
    u64::try_from(priority).ok()
}

/// A traced generic.
#[semtrace::traced(kind = "producer", level = "warn", server.port = port, app.jank.threshold = threshold)]
pub fn generic<T: core::fmt::Debug>(value: T, port: u16, threshold: f64) -> T {
    value
}

/// A boxed future.
#[semtrace::traced]
pub fn boxed() -> Pin<Box<dyn Future<Output = u8> + Send>> {
    Box::pin(async move { 1 })
}

/// Deprecated fields only warn; allowed here to show the rest is clean.
#[allow(deprecated)]
#[semtrace::traced(http.method = "GET")]
pub fn deprecated_allowed() {}

fn main() {
    drop(get_task(1));
    let _ = fetch("x");
    let _ = query("t", "SELECT 1");
    let _ = task(1, 2);
    let _ = generic(1, 2, 0.5);
    drop(boxed());
    deprecated_allowed();
}
