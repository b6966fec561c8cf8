//! `semtrace::testing`: spans captured in sync and async tests, lookups, and the tree
//! shown when an assertion fails.

use semtrace::testing::{SpanKind, Value, capture, capture_async};

#[derive(Debug)]
struct NotFound(u64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no task {}", self.0)
    }
}

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "tasks")]
fn load(id: u64) -> Result<u64, NotFound> {
    if id == 0 { Err(NotFound(id)) } else { Ok(id) }
}

#[semtrace::traced_task(task.id = %id, task.type = "import")]
fn import(id: u64) -> Result<u64, NotFound> {
    tracing::info!("importing");
    load(id)
}

#[test]
fn capture_returns_the_spans_with_their_tree() {
    let (out, spans) = capture(|| import(0));
    assert!(out.is_err());
    assert_eq!(spans.len(), 2);
    let task = spans.named("import");
    let db = spans.named("SELECT tasks");
    assert_eq!(db.kind(), &SpanKind::Client);
    assert!(db.is_error() && task.is_error());
    assert_eq!(
        spans.parent(db).map(semtrace::testing::Span::name),
        Some("import")
    );
    assert_eq!(
        spans
            .children(task)
            .map(semtrace::testing::Span::name)
            .collect::<Vec<_>>(),
        ["SELECT tasks"]
    );
    assert_eq!(task.events().collect::<Vec<_>>(), ["importing"]);
    spans.assert_attr("import", "task.type", "import");
    spans.assert_attr("SELECT tasks", "db.system.name", "postgresql");
    assert_eq!(
        db.attr("error.type").map(Value::as_str).as_deref(),
        Some("testing_kit::NotFound")
    );

    let tree = spans.to_string();
    let task_line = tree
        .lines()
        .position(|l| l.starts_with("import (Internal) ERROR"))
        .unwrap();
    let db_line = tree
        .lines()
        .position(|l| l.starts_with("  SELECT tasks (Client) ERROR"))
        .unwrap();
    assert!(task_line < db_line, "{tree}");
    assert!(
        tree.contains("task.type = String(Owned(\"import\"))") || tree.contains("task.type"),
        "{tree}"
    );
}

#[test]
fn a_failed_lookup_shows_what_was_captured() {
    let (_, spans) = capture(|| import(5));
    let message = std::panic::catch_unwind(|| {
        spans.named("SELECT users");
    })
    .unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("no span named \"SELECT users\""),
        "{message}"
    );
    assert!(message.contains("SELECT tasks (Client)"), "{message}");
}

#[test]
fn nothing_leaks_between_captures_or_to_the_thread() {
    let (_, first) = capture(|| import(1));
    let (_, second) = capture(|| load(2));
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 1);
    // After a capture, this thread has no subscriber again.
    tracing::dispatcher::get_default(|d| {
        assert!(d.is::<tracing::subscriber::NoSubscriber>());
    });
    let (_, none) = capture(|| 1 + 1);
    assert!(none.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn capture_async_follows_the_future_across_awaits() {
    #[semtrace::traced_task(task.id = "a", task.type = "async")]
    async fn step() -> u64 {
        tokio::task::yield_now().await;
        load(3).unwrap_or_default()
    }
    let (out, spans) = capture_async(async { step().await + step().await }).await;
    assert_eq!(out, 6);
    assert_eq!(spans.iter().filter(|s| s.name() == "step").count(), 2);
    for step in spans.iter().filter(|s| s.name() == "step") {
        assert_eq!(spans.children(step).count(), 1);
    }
}

#[test]
fn live_check_names_one_finding_per_mistake() {
    use semtrace::testing::{FindingKind, live_check};
    let ((), spans) = capture(|| {
        tracing::info_span!(
            "mistakes",
            "db.sytem" = "postgresql",
            "http.response.status_code" = "200",
            "http.method" = "GET",
            "db.system.name" = "postgress",
        )
        .in_scope(|| {});
    });
    let findings = live_check(&spans);
    let kinds: Vec<_> = findings
        .iter()
        .map(|f| (f.kind, f.attribute.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (FindingKind::MissingAttribute, "db.sytem"),
            (FindingKind::TypeMismatch, "http.response.status_code"),
            (FindingKind::Deprecated, "http.method"),
            (FindingKind::UndefinedEnumVariant, "db.system.name"),
        ]
    );
    let first = findings[0].to_string();
    assert!(
        first.starts_with("missing_attribute attribute=db.sytem span=\"mistakes\""),
        "{first}"
    );
    assert!(
        findings[2]
            .message
            .contains("use `http.request.method` instead")
    );
}

#[test]
fn live_check_finds_nothing_in_spans_the_macros_made() {
    let (_, spans) = capture(|| import(0));
    assert_eq!(spans.len(), 2);
    assert_eq!(semtrace::testing::live_check(&spans), []);
}
