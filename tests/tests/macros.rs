//! What the macros' spans look like to an OpenTelemetry exporter: names, kinds,
//! every attribute with its OpenTelemetry type, status, parent links. Each test
//! installs its own thread-local pipeline, so they run in parallel.
// Some functions take owned values on purpose: the fields must borrow them.
#![allow(
    clippy::unused_async,
    clippy::unnecessary_wraps,
    clippy::needless_pass_by_value
)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use opentelemetry::trace::Status;
use semtrace_tests::capture::{self, Capture, Kind, attr, boolean, double, int, string};

#[derive(Debug)]
struct StoreError;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("row 7 is locked")
    }
}

#[derive(Debug)]
enum CodedError {
    Timeout,
}

impl fmt::Display for CodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out after 3s")
    }
}

impl semtrace::ErrorType for CodedError {
    fn error_type(&self) -> &str {
        match self {
            Self::Timeout => "timeout",
        }
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[semtrace::traced_task(
    task.id = %id,
    task.type = "compute",
    task.priority = priority,
    task.attempt = 2,
    worker.id = worker
)]
fn compute(id: u64, priority: i64, worker: &str) -> Result<u32, StoreError> {
    if id == 0 { Err(StoreError) } else { Ok(1) }
}

#[test]
fn sync_ok_records_typed_fields_and_leaves_status_unset() {
    let cap = Capture::start();
    assert_eq!(compute(7, 3, "w-1").unwrap(), 1);
    let span = cap.span("compute");
    assert_eq!(capture::kind(&span), Kind::Internal);
    assert_eq!(attr(&span, "task.id"), string("7"));
    assert_eq!(attr(&span, "task.type"), string("compute"));
    assert_eq!(attr(&span, "task.priority"), int(3));
    assert_eq!(attr(&span, "task.attempt"), int(2));
    assert_eq!(attr(&span, "worker.id"), string("w-1"));
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "error.type"), None);
    // Arguments are never recorded unless named in a field.
    assert_eq!(
        capture::keys(&span)
            .iter()
            .filter(|k| !k.starts_with("code.")
                && !k.starts_with("thread.")
                && *k != "target"
                && *k != "busy_ns"
                && *k != "idle_ns")
            .cloned()
            .collect::<Vec<_>>(),
        [
            "task.attempt",
            "task.id",
            "task.priority",
            "task.type",
            "worker.id"
        ]
    );
}

#[test]
fn sync_err_sets_error_status_description_and_type() {
    let cap = Capture::start();
    assert!(compute(0, 1, "w-1").is_err());
    let span = cap.span("compute");
    assert_eq!(span.status, Status::error("row 7 is locked"));
    assert_eq!(
        attr(&span, "error.type"),
        string(std::any::type_name::<StoreError>())
    );
}

#[semtrace::traced(name = "flush cache", kind = "producer")]
fn coded(fail: bool) -> Result<(), CodedError> {
    if fail {
        Err(CodedError::Timeout)
    } else {
        Ok(())
    }
}

#[test]
fn error_type_trait_gives_the_code() {
    let cap = Capture::start();
    coded(true).unwrap_err();
    let span = cap.span("flush cache");
    assert_eq!(capture::kind(&span), Kind::Producer);
    assert_eq!(span.status, Status::error("timed out after 3s"));
    assert_eq!(attr(&span, "error.type"), string("timeout"));
}

#[derive(Debug)]
struct OnlyDebug(#[allow(dead_code)] u8);

#[semtrace::traced]
fn debug_error() -> Result<(), OnlyDebug> {
    Err(OnlyDebug(4))
}

#[test]
fn error_without_display_uses_debug() {
    let cap = Capture::start();
    debug_error().unwrap_err();
    assert_eq!(
        cap.span("debug_error").status,
        Status::error("OnlyDebug(4)")
    );
}

#[semtrace::traced(
    task.priority = 5_i32,
    server.port = 8080_u16,
    app.jank.period = 0.25,
    http.request.resend_count = 1,
    messaging.destination.anonymous = true,
    process.command_args = ["serve", "--fast"],
    pprof.scope.sample_type_order = [1, 2]
)]
fn typed() {}

#[test]
fn values_keep_their_semantic_type() {
    let cap = Capture::start();
    typed();
    let span = cap.span("typed");
    assert_eq!(attr(&span, "task.priority"), int(5));
    assert_eq!(attr(&span, "server.port"), int(8080));
    assert_eq!(attr(&span, "app.jank.period"), double(0.25));
    assert_eq!(attr(&span, "http.request.resend_count"), int(1));
    assert_eq!(
        attr(&span, "messaging.destination.anonymous"),
        boolean(true)
    );
    assert_eq!(
        attr(&span, "process.command_args"),
        Some(opentelemetry::Value::Array(opentelemetry::Array::String(
            vec!["serve".into(), "--fast".into()]
        )))
    );
    assert_eq!(
        attr(&span, "pprof.scope.sample_type_order"),
        Some(opentelemetry::Value::Array(opentelemetry::Array::I64(
            vec![1, 2]
        )))
    );
}

#[semtrace::traced_task(task.id = %id, task.type = "io")]
async fn fetch(id: u32) -> Result<String, StoreError> {
    if id == 0 {
        return Err(StoreError);
    }
    let inner = child().await?;
    Ok(format!("{id}:{inner}"))
}

#[semtrace::traced(name = "child")]
async fn child() -> Result<u8, StoreError> {
    Ok(9)
}

#[test]
fn async_fn_ok_err_and_parent_child() {
    let cap = Capture::start();
    assert_eq!(block_on(fetch(3)).unwrap(), "3:9");
    let parent = cap.span("fetch");
    let child = cap.span("child");
    assert_eq!(child.parent_span_id, parent.span_context.span_id());
    assert_eq!(
        child.span_context.trace_id(),
        parent.span_context.trace_id()
    );
    assert_eq!(attr(&parent, "task.id"), string("3"));
    assert_eq!(parent.status, Status::Unset);

    let cap = Capture::start();
    block_on(fetch(0)).unwrap_err();
    assert_eq!(cap.span("fetch").status, Status::error("row 7 is locked"));
}

#[semtrace::traced]
fn numbers(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    if x == 0 {
        return Err(format!("no numbers below {x}"));
    }
    Ok(0..x)
}

#[semtrace::traced_task(task.type = "scan")]
async fn numbers_later(n: i32) -> Result<impl Iterator<Item = i32>, &'static str> {
    if n < 0 { Err("negative") } else { Ok(0..n) }
}

#[test]
fn impl_trait_results_record_errors_of_any_type() {
    let cap = Capture::start();
    assert_eq!(numbers(3).map(Iterator::count), Ok(3));
    assert_eq!(cap.span("numbers").status, Status::Unset);
    assert_eq!(attr(&cap.span("numbers"), "error.type"), None);

    let cap = Capture::start();
    assert!(numbers(0).is_err());
    let span = cap.span("numbers");
    assert_eq!(span.status, Status::error("no numbers below 0"));
    assert_eq!(
        attr(&span, "error.type"),
        string(std::any::type_name::<String>())
    );

    let cap = Capture::start();
    assert!(block_on(numbers_later(-1)).is_err());
    let span = cap.span("numbers_later");
    assert_eq!(span.status, Status::error("negative"));
    assert_eq!(
        attr(&span, "error.type"),
        string(std::any::type_name::<&str>())
    );
}

struct Queue {
    len: usize,
}

impl Queue {
    #[semtrace::traced(task.id = %self.len)]
    fn peek(&self) -> usize {
        self.len
    }

    #[semtrace::traced(name = "push")]
    fn push(&mut self) -> &mut Self {
        self.len += 1;
        self
    }

    #[semtrace::traced_task(task.type = "drain")]
    async fn drain(self) -> Result<usize, StoreError> {
        Ok(self.len)
    }
}

#[test]
fn methods_with_every_receiver() {
    let cap = Capture::start();
    let mut q = Queue { len: 1 };
    assert_eq!(q.push().peek(), 2);
    assert_eq!(block_on(q.drain()).unwrap(), 2);
    assert_eq!(attr(&cap.span("peek"), "task.id"), string("2"));
    cap.span("push");
    assert_eq!(attr(&cap.span("drain"), "task.type"), string("drain"));
}

#[semtrace::traced(task.type = %kind)]
fn generic<T: fmt::Display, E: fmt::Display>(kind: T, out: Result<T, E>) -> Result<T, E> {
    out
}

#[test]
fn generic_functions_record_errors_through_bounds() {
    let cap = Capture::start();
    generic::<&str, String>("g", Err("bad input".to_owned())).unwrap_err();
    let span = cap.span("generic");
    assert_eq!(attr(&span, "task.type"), string("g"));
    assert_eq!(span.status, Status::error("bad input"));
}

trait Store {
    fn get(&self, key: u32) -> Result<u32, StoreError>;
    fn get_async(
        &self,
        key: u32,
    ) -> Pin<Box<dyn Future<Output = Result<u32, StoreError>> + Send + '_>>;
}

struct Memory;

impl Store for Memory {
    #[semtrace::traced_db(system = "redis", operation = "GET")]
    fn get(&self, key: u32) -> Result<u32, StoreError> {
        if key == 0 { Err(StoreError) } else { Ok(key) }
    }

    // The shape `#[async_trait]` produces.
    #[semtrace::traced_db(system = "redis", operation = "MGET")]
    fn get_async(
        &self,
        key: u32,
    ) -> Pin<Box<dyn Future<Output = Result<u32, StoreError>> + Send + '_>> {
        Box::pin(async move { if key == 0 { Err(StoreError) } else { Ok(key) } })
    }
}

#[test]
fn trait_impl_methods_and_boxed_futures() {
    let cap = Capture::start();
    Memory.get(0).unwrap_err();
    assert_eq!(block_on(Memory.get_async(4)).unwrap(), 4);
    block_on(Memory.get_async(0)).unwrap_err();
    let get = cap.span("GET");
    assert_eq!(capture::kind(&get), Kind::Client);
    assert_eq!(attr(&get, "db.system.name"), string("redis"));
    assert_eq!(get.status, Status::error("row 7 is locked"));
    let spans: Vec<_> = cap
        .spans()
        .into_iter()
        .filter(|s| s.name == "MGET")
        .collect();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].status, Status::Unset);
    assert_eq!(spans[1].status, Status::error("row 7 is locked"));
}

#[semtrace::traced(name = "deferred")]
fn deferred(n: u8) -> impl Future<Output = Result<u8, StoreError>> {
    async move { if n == 0 { Err(StoreError) } else { Ok(n) } }
}

#[test]
fn impl_future_is_instrumented_until_it_completes() {
    let cap = Capture::start();
    let fut = deferred(0);
    // Not finished until polled to completion.
    assert!(cap.spans().is_empty());
    block_on(fut).unwrap_err();
    assert_eq!(
        cap.span("deferred").status,
        Status::error("row 7 is locked")
    );
}

#[semtrace::traced_task(task.type = "explode")]
fn explode() {
    panic!("kaboom");
}

#[semtrace::traced_task(task.type = "explode-async")]
async fn explode_async() {
    panic!("kaboom");
}

#[test]
fn panics_mark_the_span_as_failed() {
    let cap = Capture::start();
    std::panic::catch_unwind(explode).unwrap_err();
    let span = cap.span("explode");
    assert_eq!(span.status, Status::error("panicked"));
    assert_eq!(attr(&span, "error.type"), string("panic"));

    std::panic::catch_unwind(|| block_on(explode_async())).unwrap_err();
    assert_eq!(cap.span("explode_async").status, Status::error("panicked"));
}

#[semtrace::traced_task(task.type = "serve")]
fn serve_forever(requests: &mut dyn Iterator<Item = u8>) -> ! {
    let mut handled = 0_u8;
    loop {
        if requests.next().is_none() {
            semtrace::record!(task.attempt = handled);
            panic!("the queue closed");
        }
        handled += 1;
    }
}

#[semtrace::traced_task(task.type = "serve-async")]
async fn serve_forever_async() -> ! {
    panic!("the queue closed");
}

#[semtrace::traced]
fn not_built_yet() -> impl fmt::Debug {
    todo!()
}

#[test]
fn diverging_functions_stay_open_until_they_unwind() {
    let cap = Capture::start();
    let mut requests = [1, 2, 3].into_iter();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        serve_forever(&mut requests)
    }))
    .unwrap_err();
    let span = cap.span("serve_forever");
    // The span was current inside the loop, and failed when it unwound.
    assert_eq!(attr(&span, "task.attempt"), int(3));
    assert_eq!(span.status, Status::error("panicked"));
    assert_eq!(attr(&span, "error.type"), string("panic"));

    std::panic::catch_unwind(|| block_on(serve_forever_async())).unwrap_err();
    assert_eq!(
        cap.span("serve_forever_async").status,
        Status::error("panicked")
    );

    std::panic::catch_unwind(not_built_yet).unwrap_err();
    assert_eq!(cap.span("not_built_yet").status, Status::error("panicked"));
}

#[semtrace::traced_db(
    system = "postgresql",
    operation = "SELECT",
    collection = "users",
    namespace = "app",
    query = "SELECT * FROM users WHERE id = 42 AND name = 'bob'"
)]
fn load_user() {}

#[semtrace::traced_db(system = "postgresql", operation = "UPDATE", collection = table, query = sql)]
fn update(table: &str, sql: &str) {}

#[semtrace::traced_db(system = "sqlite", query = sql, sanitize = false)]
fn raw(sql: &str) {}

#[test]
fn database_spans_follow_the_conventions() {
    let cap = Capture::start();
    load_user();
    let span = cap.span("SELECT users");
    assert_eq!(capture::kind(&span), Kind::Client);
    assert_eq!(attr(&span, "db.system.name"), string("postgresql"));
    assert_eq!(attr(&span, "db.operation.name"), string("SELECT"));
    assert_eq!(attr(&span, "db.collection.name"), string("users"));
    assert_eq!(attr(&span, "db.namespace"), string("app"));
    assert_eq!(
        attr(&span, "db.query.text"),
        string("SELECT * FROM users WHERE id = ? AND name = ?")
    );

    update("orders", "UPDATE orders SET n = 3 WHERE id = 'x'");
    let span = cap.span("UPDATE orders");
    assert_eq!(
        attr(&span, "db.query.text"),
        string("UPDATE orders SET n = ? WHERE id = ?")
    );
    assert_eq!(attr(&span, "db.collection.name"), string("orders"));

    raw("SELECT 1");
    // No operation or collection given: the run-time summary names the span.
    let span = cap.span("SELECT");
    assert_eq!(attr(&span, "db.query.text"), string("SELECT 1"));
    assert_eq!(attr(&span, "db.query.summary"), string("SELECT"));
}

#[semtrace::traced_db(
    system = "postgresql",
    query = "SELECT * FROM orders o JOIN customers c ON o.cid = c.id WHERE c.email = 'a@b.c'"
)]
fn literal_join() {}

#[semtrace::traced_db(system = "mysql", query = sql)]
fn run_mysql(sql: &str) {}

#[semtrace::traced_db(system = "postgresql", query = %sql)]
fn run_postgres(sql: &str) {}

#[semtrace::traced_db(system = "postgresql", operation = "COPY", query = sql)]
fn explicit_operation(sql: &str) {}

#[test]
fn query_summaries_name_database_spans() {
    let cap = Capture::start();
    literal_join();
    let span = cap.span("SELECT orders customers");
    assert_eq!(
        attr(&span, "db.query.summary"),
        string("SELECT orders customers")
    );
    assert_eq!(
        attr(&span, "db.query.text"),
        string("SELECT * FROM orders o JOIN customers c ON o.cid = c.id WHERE c.email = ?")
    );

    run_mysql("INSERT INTO orders (note, token) VALUES ('x', \"s3cr3t\") # s3cr3t");
    let span = cap.span("INSERT orders");
    assert_eq!(
        attr(&span, "db.query.text"),
        string("INSERT INTO orders (note, token) VALUES (?, ?) ")
    );
    assert_eq!(attr(&span, "db.query.summary"), string("INSERT orders"));

    run_postgres(r"UPDATE files SET body = $tag$s3cr3t$tag$ WHERE dir = 'C:\' AND k = 's3cr3t'");
    let span = cap.span("UPDATE files");
    assert_eq!(
        attr(&span, "db.query.text"),
        string("UPDATE files SET body = ? WHERE dir = ? AND k = ?")
    );

    // Explicit options still win.
    explicit_operation("SELECT * FROM users");
    let span = cap.span("COPY");
    assert_eq!(attr(&span, "db.query.summary"), string("SELECT users"));
}

#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}")]
fn get_task(code: u16) -> http::StatusCode {
    http::StatusCode::from_u16(code).unwrap()
}

#[semtrace::traced_http(method = "POST", route = "/api/tasks")]
async fn create_task(ok: bool) -> Result<http::Response<String>, StoreError> {
    if ok {
        Ok(http::Response::builder()
            .status(201)
            .body(String::new())
            .unwrap())
    } else {
        Err(StoreError)
    }
}

#[semtrace::traced_http(client, method = "POST", url = %url)]
fn call(url: &str, code: u16) -> Result<(u16, &'static str), StoreError> {
    Ok((code, "body"))
}

#[test]
fn http_spans_record_status_codes_as_ints() {
    let cap = Capture::start();
    get_task(404);
    let span = cap.span("GET /api/tasks/{id}");
    assert_eq!(capture::kind(&span), Kind::Server);
    assert_eq!(attr(&span, "http.request.method"), string("GET"));
    assert_eq!(attr(&span, "http.route"), string("/api/tasks/{id}"));
    assert_eq!(attr(&span, "http.response.status_code"), int(404));
    // A 4xx is the client's mistake: a server span stays unset.
    assert_eq!(span.status, Status::Unset);

    let cap = Capture::start();
    get_task(503);
    let span = cap.span("GET /api/tasks/{id}");
    assert_eq!(attr(&span, "http.response.status_code"), int(503));
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attr(&span, "error.type"), string("503"));

    let cap = Capture::start();
    block_on(create_task(true)).unwrap();
    assert_eq!(
        attr(&cap.span("POST /api/tasks"), "http.response.status_code"),
        int(201)
    );
    block_on(create_task(false)).unwrap_err();
    let failed = cap.spans().pop().unwrap();
    assert_eq!(failed.status, Status::error("row 7 is locked"));

    let cap = Capture::start();
    call("http://127.0.0.1:9/x", 404).unwrap();
    let span = cap.span("POST");
    assert_eq!(capture::kind(&span), Kind::Client);
    assert_eq!(attr(&span, "url.full"), string("http://127.0.0.1:9/x"));
    assert_eq!(attr(&span, "http.response.status_code"), int(404));
    // Clients fail on 4xx too.
    assert!(matches!(span.status, Status::Error { .. }));
}

#[semtrace::traced_task(task.id = %id)]
fn progress(id: u8) {
    semtrace::record!(task.state = "completed", task.attempt = 3);
    semtrace::record!(db.response.returned_rows = 12);
}

#[test]
fn record_fills_declared_fields_and_others_reach_the_exporter() {
    let cap = Capture::start();
    progress(1);
    let span = cap.span("progress");
    assert_eq!(attr(&span, "task.state"), string("completed"));
    assert_eq!(attr(&span, "task.attempt"), int(3));
    // Not declared by `traced_task`: goes straight to the OpenTelemetry span.
    assert_eq!(attr(&span, "db.response.returned_rows"), int(12));
}

#[semtrace::traced(app.tenant.tier = "gold", app.cart.items = items)]
fn checkout(items: i64) {}

#[test]
fn user_registry_fields_are_checked_and_recorded() {
    let cap = Capture::start();
    checkout(4);
    let span = cap.span("checkout");
    assert_eq!(attr(&span, "app.tenant.tier"), string("gold"));
    assert_eq!(attr(&span, "app.cart.items"), int(4));
}

#[allow(deprecated)]
#[semtrace::traced(http.method = "GET")]
fn old_style() {}

#[test]
fn deprecated_fields_still_record() {
    let cap = Capture::start();
    old_style();
    assert_eq!(attr(&cap.span("old_style"), "http.method"), string("GET"));
}

static EVALUATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn costly() -> i64 {
    EVALUATED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    1
}

#[semtrace::traced(level = "debug", task.priority = costly())]
fn quiet() -> Result<(), StoreError> {
    Err(StoreError)
}

#[test]
fn disabled_spans_evaluate_nothing() {
    let cap = Capture::with_max_level(tracing::level_filters::LevelFilter::INFO);
    quiet().unwrap_err();
    assert_eq!(EVALUATED.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(cap.spans().is_empty());
}

#[semtrace::traced_http(method = "GET", route = "/api/tasks/{id}", parent = headers)]
fn serve(headers: &http::HeaderMap) -> http::StatusCode {
    http::StatusCode::OK
}

#[test]
fn server_spans_continue_the_remote_trace() {
    // Only the propagator is global here, never a subscriber.
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let cap = Capture::start();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "traceparent",
        http::HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    serve(&headers);
    let span = cap.span("GET /api/tasks/{id}");
    assert_eq!(
        span.span_context.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id.to_string(), "00f067aa0ba902b7");
    assert!(span.parent_span_is_remote);
}

#[semtrace::traced_http(client, method = "GET", url = %url)]
fn fetch_len(url: String) -> usize {
    url.len()
}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT", query = sql, server.address = ?host)]
fn owned_query(sql: String, host: String) -> usize {
    sql.len() + host.len()
}

#[test]
fn display_debug_and_queries_borrow_their_values() {
    let cap = Capture::start();
    assert_eq!(fetch_len("http://h/".to_owned()), 9);
    assert_eq!(attr(&cap.span("GET"), "url.full"), string("http://h/"));
    assert_eq!(owned_query("SELECT 1".to_owned(), "db".to_owned()), 10);
    let span = cap.span("SELECT");
    assert_eq!(attr(&span, "db.query.text"), string("SELECT ?"));
    assert_eq!(attr(&span, "server.address"), string("\"db\""));
}

#[semtrace::traced(
    "http.request.header.content-type" = ["text/plain"],
    http.request.header.accept = ["*/*"]
)]
fn headers_as_template_keys() {
    semtrace::record!("http.response.header.x-request-id" = ["abc"]);
}

#[test]
fn template_keys_match_by_prefix_and_may_be_strings() {
    let cap = Capture::start();
    headers_as_template_keys();
    let span = cap.span("headers_as_template_keys");
    let array = |s: &str| {
        Some(opentelemetry::Value::Array(opentelemetry::Array::String(
            vec![s.to_owned().into()],
        )))
    };
    assert_eq!(
        attr(&span, "http.request.header.content-type"),
        array("text/plain")
    );
    assert_eq!(attr(&span, "http.request.header.accept"), array("*/*"));
    assert_eq!(
        attr(&span, "http.response.header.x-request-id"),
        array("abc")
    );
}

/// What a layer is given for one new span.
#[derive(Clone, Debug)]
struct Seen {
    /// Fields the value set holds a value for (an `Empty` value counts: a layer
    /// is handed it).
    held: usize,
    /// Values a visitor receives.
    visited: usize,
    /// Entries the value set walks (its length).
    walked: usize,
    /// Fields declared.
    declared: usize,
    /// The first `held` fields declared.
    first: Vec<String>,
}

#[derive(Clone, Default)]
struct ValueCounter(std::sync::Arc<std::sync::Mutex<Vec<Seen>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ValueCounter {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Count(usize);
        impl tracing::field::Visit for Count {
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn fmt::Debug) {
                self.0 += 1;
            }
        }
        let fields = attrs.metadata().fields();
        let held = fields.iter().filter(|f| attrs.contains(f)).count();
        let mut visited = Count(0);
        attrs.record(&mut visited);
        self.0.lock().unwrap().push(Seen {
            held,
            visited: visited.0,
            walked: attrs.values().len(),
            declared: fields.len(),
            first: fields
                .iter()
                .take(held)
                .map(|f| f.name().to_owned())
                .collect(),
        });
    }
}

#[test]
fn layers_are_given_only_the_fields_that_start_with_a_value() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let counter = ValueCounter::default();
    let subscriber = tracing_subscriber::registry().with(counter.clone());
    tracing::subscriber::with_default(subscriber, || {
        assert!(compute(0, 3, "w-1").is_err());
    });
    let seen = counter.0.lock().unwrap().clone();
    // The five annotated fields. Status, error type and the task's other
    // attributes are declared for later with no value at all: through
    // `tracing::span!` each was an `Empty` value the layer was handed.
    let [
        Seen {
            held,
            visited,
            walked,
            declared,
            ref first,
        },
    ] = seen[..]
    else {
        panic!("one span expected: {seen:?}")
    };
    assert_eq!(held, 5, "{declared} fields declared");
    assert_eq!(visited, 5);
    assert!(declared > held, "{declared} fields declared");
    // The value set holds those five alone (with every declared field in it, a
    // visit walked past each), and they come first, in the order written.
    assert_eq!(walked, 5, "{declared} fields declared");
    assert_eq!(
        first[..],
        [
            "task.id",
            "task.type",
            "task.priority",
            "task.attempt",
            "worker.id"
        ],
    );
    // And the ones set later are still recorded.
    let cap = Capture::start();
    assert!(compute(0, 3, "w-1").is_err());
    let span = cap.span("compute");
    assert_eq!(span.status, Status::error("row 7 is locked"));
    assert_eq!(
        attr(&span, "error.type"),
        string(std::any::type_name::<StoreError>())
    );
}

#[semtrace::traced_task(task.id = %id, worker.id = %worker)]
fn integers(id: i64, worker: u128) {
    tracing::info!("inside");
}

/// `%arg` of an integer argument is written digit by digit, not through
/// `core::fmt`: the text is still its `Display` text, for exporters and consoles.
#[test]
fn integer_arguments_recorded_with_display_keep_their_text() {
    let cap = Capture::start();
    integers(-42, u128::MAX);
    let span = cap.span("integers");
    assert_eq!(attr(&span, "task.id"), string("-42"));
    assert_eq!(attr(&span, "worker.id"), string(&u128::MAX.to_string()));

    let out = semtrace_tests::buffer::Buffer::default();
    let console = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(console, || integers(7, 0));
    let text = out.text();
    assert!(text.contains("integers{task.id=7 worker.id=0}"), "{text}");
}
