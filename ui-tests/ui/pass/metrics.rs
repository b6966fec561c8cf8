//! Metrics options that compile: a named registry histogram on `#[traced]`, and
//! `metrics = false` on every domain macro.

#[semtrace::traced(metric = "http.server.request.duration", http.request.method = "GET")]
fn generic() {}

#[semtrace::traced(metric = "rpc.server.duration")]
fn in_millis() {}

#[semtrace::traced_task(task.type = "import", metrics = false)]
fn task() {}

#[semtrace::traced_http(method = "GET", route = "/", metrics = false)]
fn handler() -> u16 {
    200
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT", metrics = true)]
fn query() -> Result<(), String> {
    Ok(())
}

fn main() {
    generic();
    in_millis();
    task();
    handler();
    let _ = query();
}
