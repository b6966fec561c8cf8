use std::collections::HashMap;

#[semtrace::traced_task(task.type = "batch", links = requests)]
fn serve_batch(requests: &[HashMap<String, String>]) -> usize {
    requests.len()
}

#[semtrace::traced(links = headers.iter())]
fn from_headers(headers: &Vec<http::HeaderMap>) {}

#[semtrace::traced(links = [semtrace::propagation::extract(&first), semtrace::propagation::extract(&second)])]
fn contexts(first: http::HeaderMap, second: http::HeaderMap) {
    let _ = (first, second);
}

#[semtrace::traced_db(system = "sqlite", operation = "INSERT", collection = "jobs", links = &batch)]
async fn insert(batch: Vec<HashMap<String, String>>) -> usize {
    batch.len()
}

#[semtrace::traced_http(method = "POST", route = "/batch", links = &spans)]
fn with_spans(spans: Vec<tracing::Span>) -> u16 {
    let _ = spans;
    200
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders", links = std::iter::empty::<HashMap<String, String>>())]
fn process() {}

#[semtrace::traced_rpc(system = "grpc", method = "a.B/C", links = Vec::<http::HeaderMap>::new())]
fn rpc() {}

fn main() {
    assert_eq!(serve_batch(&[HashMap::new()]), 1);
    from_headers(&vec![http::HeaderMap::new()]);
    contexts(http::HeaderMap::new(), http::HeaderMap::new());
    drop(insert(Vec::new()));
    assert_eq!(with_spans(Vec::new()), 200);
    process();
    rpc();
}
