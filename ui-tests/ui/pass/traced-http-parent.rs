// `parent = …` takes request headers, a whole request, or a string map.
use std::collections::HashMap;

#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}", parent = headers)]
fn from_headers(headers: &http::HeaderMap, id: u64) -> u16 {
    if id == 0 { 404 } else { 200 }
}

#[semtrace::traced_http(method = "POST", route = "/api/tasks", parent = request)]
async fn from_request(request: http::Request<String>) -> Result<http::StatusCode, String> {
    if request.body().is_empty() {
        return Err("empty body".to_owned());
    }
    Ok(http::StatusCode::CREATED)
}

#[semtrace::traced_http(method = "GET", route = "/health", parent = map)]
fn from_map(map: HashMap<String, String>) {
    drop(map);
}

fn main() {
    assert_eq!(from_headers(&http::HeaderMap::new(), 1), 200);
    drop(from_request(http::Request::new(String::new())));
    from_map(HashMap::new());
}
