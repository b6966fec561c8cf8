//! The admin endpoints under mutated input: ~3,000 requests built from the valid
//! ones by flipping, cutting and inserting bytes (non-UTF-8 included), swapping in
//! extreme numbers, nesting deeply, growing past the body limit, and sending odd
//! paths and methods. Every request gets a 2xx or 4xx answer and nothing panics
//! (a panic in a handler fails this test where it happens). In process, through
//! the router the listener serves; deterministic (a fixed seed). No global
//! subscriber.

use axum::body::{Body, to_bytes};
use http::{Method, Request, StatusCode};
use semtrace::control::admin::router;
use semtrace_tests::exporter::TestExporter;
use tower::ServiceExt as _;

/// A small deterministic generator (xorshift64*): the same requests every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Valid requests: method, path, body.
const VALID: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/tracing/rules",
        r#"{"match": {"task.type": "import"}, "rate": 0.5, "duration": "10m"}"#,
    ),
    (
        "POST",
        "/tracing/rules",
        r#"{"match": {"span.name": "checkout", "n": 3, "b": true}, "duration": 30}"#,
    ),
    (
        "PUT",
        "/tracing/mode",
        r#"{"mode": "ratio", "ratio": 0.25}"#,
    ),
    ("PUT", "/tracing/mode", r#"{"mode": "off"}"#),
    (
        "PUT",
        "/tracing/levels",
        r#"{"console": "info", "traces": "warn,my_crate=debug"}"#,
    ),
    ("GET", "/tracing/status", ""),
    ("GET", "/tracing/rules", ""),
    ("DELETE", "/tracing/rules/r1", ""),
    ("GET", "/metrics", ""),
];

/// Values that break number and duration handling when nothing checks them.
const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-320",
    "-0",
    "0",
    "18446744073709551616",
    "-9223372036854775809",
    "1e400",
    "\"99999999999999999999999h\"",
    "\"-1s\"",
    "\"\"",
    "null",
    "[]",
    "{}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "true",
];

const PATHS: &[&str] = &[
    "/tracing/rules/",
    "/tracing/rules/%00",
    "/tracing/rules/%FF%FE",
    "/tracing/../tracing/status",
    "/tracing//status",
    "/TRACING/STATUS",
    "/tracing/status?x=1&&=",
    "/",
    "/metrics/extra",
];

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PURGE", "TRACE",
];

fn mutate(rng: &mut Rng, body: &str) -> Vec<u8> {
    let mut bytes = body.as_bytes().to_vec();
    match rng.below(7) {
        // Flip some bytes.
        0 => {
            for _ in 0..=rng.below(4) {
                if !bytes.is_empty() {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
            }
        }
        // Cut short.
        1 => bytes.truncate(rng.below(bytes.len() + 1)),
        // Insert bytes that are not UTF-8.
        2 => {
            let at = rng.below(bytes.len() + 1);
            let junks: [&[u8]; 4] = [&[0xFF], &[0xC3, 0x28], &[0xED, 0xA0, 0x80], &[0]];
            let junk: &[u8] = rng.pick::<&[u8]>(&junks);
            bytes.splice(at..at, junk.iter().copied());
        }
        // A number or string replaced by an extreme value.
        3 => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let starts: Vec<usize> = text
                .char_indices()
                .filter(|(_, c)| *c == ':')
                .map(|(i, _)| i + 1)
                .collect();
            if let Some(&start) = starts.get(rng.below(starts.len().max(1))) {
                let end = text[start..]
                    .find([',', '}'])
                    .map_or(text.len(), |e| start + e);
                let mut changed = text[..start].to_owned();
                changed.push(' ');
                changed.push_str(rng.pick::<&str>(EXTREMES));
                changed.push_str(&text[end..]);
                bytes = changed.into_bytes();
            }
        }
        // Nested far past any parser's depth limit.
        4 => {
            let depth = 1 + rng.below(100_000);
            bytes =
                format!(r#"{{"match": {}{}}}"#, "[".repeat(depth), "]".repeat(depth)).into_bytes();
        }
        // Larger than the body limit.
        5 => {
            let size = (1 << 20) + rng.below(3 << 20);
            bytes = format!(r#"{{"match": {{"k": "{}"}}}}"#, "x".repeat(size)).into_bytes();
        }
        // Duplicated keys and fields of the wrong type.
        _ => {
            bytes = rng
                .pick(&[
                    r#"{"mode": "full", "mode": "off"}"#,
                    r#"{"match": "task.type", "duration": "1m"}"#,
                    r#"{"match": {"a": {"b": "c"}}, "duration": "1m"}"#,
                    r#"{"match": {"a": "b"}, "rate": "1", "duration": "1m"}"#,
                    r#"{"console": 3}"#,
                    r#"{"traces": "[{"}"#,
                    "\"just a string\"",
                ])
                .as_bytes()
                .to_vec();
        }
    }
    bytes
}

async fn send(app: &axum::Router, method: &str, path: &str, body: Vec<u8>) -> StatusCode {
    let request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    // The whole answer is read: a handler that fails while writing it fails here.
    to_bytes(response.into_body(), usize::MAX).await.unwrap();
    status
}

/// A pipeline (its subscriber and guard), the admin router of its control, and a
/// runtime to send with.
fn admin() -> (
    (tracing::Dispatch, semtrace::Guard),
    axum::Router,
    tokio::runtime::Runtime,
) {
    let (dispatch, guard) = semtrace::Telemetry::builder("admin-fuzz")
        .env_lookup(|_| None)
        .span_exporter(TestExporter::default())
        .console(false)
        .build()
        .unwrap();
    let app = router(guard.control());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    ((dispatch, guard), app, runtime)
}

#[test]
fn every_mutated_request_gets_a_2xx_or_4xx_answer() {
    let ((_dispatch, guard), app, runtime) = admin();
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut answered = [0usize; 6];
    runtime.block_on(async {
        for i in 0..3_000 {
            let (method, path, body) = *rng.pick(VALID);
            let (method, path, body) = match i % 10 {
                // An odd path or method with a valid or mutated body.
                0 => (*rng.pick(METHODS), *rng.pick(PATHS), mutate(&mut rng, body)),
                1 => (*rng.pick(METHODS), path, body.as_bytes().to_vec()),
                _ => (method, path, mutate(&mut rng, body)),
            };
            let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            let status = send(&app, method, path, body).await;
            assert!(
                status.is_success() || status.is_client_error(),
                "{method} {path} {shown}: {status}"
            );
            answered[usize::from(status.as_u16() / 100)] += 1;
        }
    });
    // The mutations reach the handlers' checks, not only the router's.
    assert!(answered[2] > 100, "{answered:?}");
    assert!(answered[4] > 1_000, "{answered:?}");
    // A rule of any valid duration is still accepted after all that.
    let added = guard
        .control()
        .add_rule(
            [("task.type", "import")],
            1.0,
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    assert!(guard.control().remove_rule(&added.id));
}

/// The request that panicked the admin thread before durations were checked
/// without overflow, and its relatives: each a 400 naming `duration`.
#[test]
fn huge_and_odd_numeric_durations_are_a_400_naming_the_field() {
    let (_pipeline, app, runtime) = admin();
    runtime.block_on(async {
        for duration in [
            "1e308",
            "-1e308",
            "1.7976931348623157e308",
            "-1",
            "0.5",
            "86401",
            "1e-320",
        ] {
            let body = format!(r#"{{"match": {{"a": "b"}}, "duration": {duration}}}"#);
            let request = Request::builder()
                .method(Method::POST)
                .uri("/tracing/rules")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{duration}");
            let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            let error: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(error["field"], "duration", "{error}");
            assert!(
                error["allowed"].as_str().unwrap().contains("`1s` to `24h`"),
                "{error}"
            );
        }
    });
}
