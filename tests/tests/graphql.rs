//! `#[traced_graphql]`: the conventions' GraphQL server span (`span.graphql.server`)
//! as the exporter sees it, with a literal type, a type known only per call, no type,
//! and a failing operation. Thread-scoped subscriber (`Capture`).

use opentelemetry::trace::Status;
use semtrace_tests::capture::{self, Capture, Kind, attr, string};

#[semtrace::traced_graphql(operation = "query", operation_name = "findBookById")]
fn find_book(id: u64) -> Result<String, String> {
    if id == 0 {
        Err("no book 0".to_owned())
    } else {
        Ok(format!("book {id}"))
    }
}

#[semtrace::traced_graphql(operation = %kind, operation_name = %name, document = %document)]
async fn execute(kind: &str, name: &str, document: &str) -> usize {
    kind.len() + name.len() + document.len()
}

#[semtrace::traced_graphql]
fn unknown_type() {}

#[test]
fn a_literal_type_names_the_span_and_the_operation_name_stays_an_attribute() {
    let cap = Capture::start();
    find_book(1).unwrap();
    let span = cap.span("query");
    assert_eq!(capture::kind(&span), Kind::Server);
    assert_eq!(attr(&span, "graphql.operation.type"), string("query"));
    assert_eq!(
        attr(&span, "graphql.operation.name"),
        string("findBookById")
    );
    assert_eq!(attr(&span, "graphql.document"), None, "opt-in, not given");
    assert_eq!(span.status, Status::Unset);
}

#[test]
fn a_failing_operation_fails_its_span() {
    let cap = Capture::start();
    find_book(0).unwrap_err();
    let span = cap.span("query");
    assert!(capture::is_error(&span, "no book 0"), "{:?}", span.status);
    assert!(attr(&span, "error.type").is_some());
}

#[test]
fn a_type_known_per_call_names_the_span_at_run_time() {
    let cap = Capture::start();
    let n = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(execute("mutation", "addBook", "mutation addBook { add }"));
    assert_eq!(n, 8 + 7 + 24);
    let span = cap.span("mutation");
    assert_eq!(attr(&span, "graphql.operation.type"), string("mutation"));
    assert_eq!(attr(&span, "graphql.operation.name"), string("addBook"));
    assert_eq!(
        attr(&span, "graphql.document"),
        string("mutation addBook { add }")
    );
}

#[test]
fn without_a_type_the_span_is_a_graphql_operation() {
    let cap = Capture::start();
    unknown_type();
    let span = cap.span("GraphQL Operation");
    assert_eq!(capture::kind(&span), Kind::Server);
}
