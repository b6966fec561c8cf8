#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
fn get_task(id: u64) -> u16 {
    if id == 0 { 404 } else { 200 }
}

#[semtrace::traced_http(method = "POST", route = "/api/tasks", level = "debug")]
async fn create_task() -> Result<http::StatusCode, String> {
    Ok(http::StatusCode::CREATED)
}

#[semtrace::traced_http(method = "GET", route = "/health", name = "health")]
fn health() -> http::Response<()> {
    http::Response::new(())
}

#[semtrace::traced_http(client, method = "POST", url = %url)]
fn call(url: &str) -> Result<u16, String> {
    if url.is_empty() {
        return Err("empty url".to_owned());
    }
    Ok(201)
}

#[semtrace::traced_http(client, method = "GET", url = "http://localhost/", server.address = "localhost")]
async fn call_async() -> (u16, String) {
    (200, String::new())
}

#[semtrace::traced_http(method = "DELETE", route = "/api/tasks/{id}")]
fn no_status() {}

fn main() {
    assert_eq!(get_task(0), 404);
    drop(create_task());
    let _ = health();
    assert!(call("").is_err());
    drop(call_async());
    no_status();
}
