//! Generated code under the workspace's lints (clippy pedantic included) and the
//! strictest crate-level ones: `cargo clippy -p semtrace-ui-tests --all-targets -- -D
//! warnings` fails if an expansion trips any of them. trybuild's pass cases cannot
//! show this, because trybuild runs rustc, not clippy.
#![deny(unused_qualifications, rust_2018_idioms)]
#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::Pin;

#[semtrace::traced(kind = "producer", level = "warn", server.port = port, app.jank.threshold = threshold, server.address = %host)]
fn generic<T: std::fmt::Debug>(value: T, port: u16, threshold: f64, host: &str) -> T {
    value
}

#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
async fn get_task(id: u64) -> Result<u16, String> {
    semtrace::record!(http.response.status_code = 200);
    if id == 0 {
        return Err("zero".to_owned());
    }
    Ok(200)
}

#[semtrace::traced_http(client, method = "GET", url = %url)]
fn fetch(url: &str) -> u16 {
    u16::try_from(url.len()).unwrap_or(0)
}

#[semtrace::traced_http(client, method = "POST", url = url)]
fn post(url: String) -> Result<u16, String> {
    if url.is_empty() {
        return Err(url);
    }
    Ok(201)
}

#[semtrace::traced_http(client, method = "DELETE", url = "https://api.example.com/items/1")]
fn delete() -> u16 {
    204
}

#[semtrace::traced_http(client, method = "GET", url = %url)]
async fn fetch_later(url: String, table: &str) -> Result<u16, String> {
    if url.is_empty() {
        return Err(table.to_owned());
    }
    Ok(200)
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = table, namespace = %tenant)]
async fn select_later(table: String, tenant: u32) -> usize {
    table.len() + usize::try_from(tenant).unwrap_or(0)
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = %table, query = sql)]
fn query(table: &str, sql: &str) -> Result<usize, std::fmt::Error> {
    Ok(table.len() + sql.len())
}

#[semtrace::traced_db(system = "mysql", query = %sql)]
fn summarized(sql: &str) -> usize {
    sql.len()
}

#[semtrace::traced_db(system = "postgresql", query = "SELECT * FROM users WHERE id = 1")]
fn literal_query() {}

#[semtrace::traced_db(system = "sqlite", operation = op, collection = "users")]
fn dynamic_name(op: &str) -> usize {
    op.len()
}

#[semtrace::traced_task(task.id = %id, task.priority = priority, task.state = "running", worker.id)]
fn task(id: u64, priority: i64) -> Option<u64> {
    semtrace::record!(task.state = "completed", task.attempt = 1, worker.id = %id);
    u64::try_from(priority).ok()
}

#[semtrace::traced(aws.dynamodb.table_names = tables, http.request.header.accept = ["text/html"])]
fn arrays(tables: &[&str]) -> usize {
    tables.len()
}

#[semtrace::traced_task(task.type = "worker")]
fn serve(stop: bool) -> ! {
    loop {
        assert!(!stop, "stopped");
    }
}

#[semtrace::traced_db(system = "postgresql", operation = "LISTEN")]
async fn listen() -> ! {
    panic!("connection lost")
}

#[semtrace::traced_http(method = "GET", route = "/todo")]
fn not_yet() -> impl std::fmt::Debug {
    todo!()
}

struct Service {
    calls: u32,
}

impl Service {
    #[semtrace::traced]
    fn call(&mut self) -> &mut Self {
        self.calls += 1;
        self
    }

    #[semtrace::traced]
    fn boxed(&self) -> Pin<Box<dyn Future<Output = u32> + Send + '_>> {
        Box::pin(async move { self.calls })
    }

    #[semtrace::traced]
    fn later(&self) -> impl Future<Output = u32> + '_ {
        async move { self.calls }
    }
}

#[semtrace::traced_messaging(system = "kafka", operation = "send", destination = %topic, carrier = &mut headers)]
fn produce(topic: &str, mut headers: Vec<(String, Vec<u8>)>) -> usize {
    headers.len()
}

#[semtrace::traced_messaging(system = "kafka", operation = "process", destination = "orders", carrier = &headers)]
async fn consume(headers: std::collections::HashMap<String, String>) -> Result<(), String> {
    drop(headers);
    Ok(())
}

#[semtrace::traced_messaging(system = "kafka", operation = "receive", destination = "orders", carrier = batch, links = batch)]
fn poll(batch: &[http::HeaderMap]) -> usize {
    batch.len()
}

#[semtrace::traced_rpc(system = "grpc", method = "helloworld.Greeter/SayHello", parent = &request)]
async fn say_hello(
    request: tonic::Request<String>,
) -> Result<tonic::Response<String>, tonic::Status> {
    Ok(tonic::Response::new(request.into_inner()))
}

#[semtrace::traced_rpc(client, system = "grpc", method = "helloworld.Greeter/SayHello", carrier = request.metadata_mut())]
fn call(mut request: tonic::Request<String>) -> tonic::Request<String> {
    request
}

#[semtrace::traced_graphql(operation = %kind, operation_name = "findBookById")]
async fn graphql(kind: &str) -> Result<usize, String> {
    Ok(kind.len())
}

// Lints about how arguments are used see a synchronous body as in a plain function
// (it runs in a closure that borrows what it only reads): with `-D warnings` an
// expectation left unfulfilled fails this file's clippy run.
#[expect(clippy::boxed_local, clippy::needless_pass_by_value)]
#[semtrace::traced]
fn boxed(amount: Box<u32>) -> u32 {
    *amount + 1
}

#[expect(clippy::needless_pass_by_value)]
#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = %table)]
fn owned_table(table: String) -> Result<usize, String> {
    if table.is_empty() {
        return Err("no table".to_owned());
    }
    Ok(table.len())
}

#[test]
fn instrumented_functions_still_behave() {
    drop(graphql("query"));
    assert_eq!(produce("orders", Vec::new()), 0);
    drop(consume(std::collections::HashMap::new()));
    assert_eq!(poll(&[http::HeaderMap::new()]), 1);
    assert_eq!(boxed(Box::new(1)), 2);
    assert_eq!(owned_table("t".to_owned()), Ok(1));
    drop(say_hello(tonic::Request::new(String::new())));
    drop(call(tonic::Request::new(String::new())));
    assert_eq!(generic(7, 80, 0.5, "localhost"), 7);
    drop(get_task(1));
    assert_eq!(fetch("abc"), 3);
    assert_eq!(post("https://api.example.com/items".to_owned()), Ok(201));
    assert_eq!(delete(), 204);
    drop(fetch_later(String::new(), "t"));
    drop(select_later("t".to_owned(), 1));
    assert_eq!(query("t", "SELECT 1"), Ok(9));
    assert_eq!(dynamic_name("SELECT"), 6);
    assert_eq!(summarized("SELECT 1"), 8);
    literal_query();
    assert_eq!(task(1, 2), Some(2));
    assert_eq!(arrays(&["a", "b"]), 2);
    let mut service = Service { calls: 0 };
    assert_eq!(service.call().call().calls, 2);
    drop(service.boxed());
    drop(service.later());
    assert!(std::panic::catch_unwind(|| serve(true)).is_err());
    drop(listen());
    assert!(std::panic::catch_unwind(not_yet).is_err());
}

// The shapes of issue 29: `impl Trait` results with any error type, inner
// attributes, async bodies that coerce to the declared type.
#[semtrace::traced]
fn numbers(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    if x == 0 {
        return Err(String::new());
    }
    Ok(0..x)
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
async fn numbers_later(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    if n < 0 { Err(()) } else { Ok(0..n) }
}

#[semtrace::traced]
async fn unit_body() {
    #![allow(clippy::no_effect_underscore_binding)]
    let _unused = 1;
}

struct Named {
    name: String,
}

impl Named {
    #[semtrace::traced_task]
    async fn name(&self) -> &str {
        &self.name
    }
}

#[semtrace::traced_rpc(system = "grpc", method = "a.B/C")]
async fn boxed_error() -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(std::fmt::Error)
}

#[test]
fn issue_29_shapes_still_behave() {
    assert_eq!(numbers(2).map(Iterator::count), Ok(2));
    drop(numbers_later(1));
    drop(unit_body());
    let named = Named {
        name: "n".to_owned(),
    };
    drop(named.name());
    drop(boxed_error());
}

// Item lints see instrumented functions as plain ones: under clippy these
// expectations fail (`-D warnings`) if the lints go silent.
#[expect(clippy::needless_lifetimes)]
#[semtrace::traced]
fn needless_lifetime<'a>(s: &'a str) -> &'a str {
    s
}

#[expect(clippy::needless_lifetimes)]
#[semtrace::traced]
async fn needless_lifetime_async<'a>(s: &'a str) -> &'a str {
    s
}

#[expect(dead_code)]
#[semtrace::traced_http(method = "GET", route = "/unused")]
fn unused_handler() -> u16 {
    200
}

#[test]
fn lint_expectation_shapes_still_behave() {
    assert_eq!(needless_lifetime("a"), "a");
    drop(needless_lifetime_async("a"));
}
