//! The semantic conventions' own SQL test cases (`tests/data/db-sql-test-cases.json`):
//! the sanitized text is one of the accepted ones, the summary is exactly the
//! expected one. Every failing case is reported at once.

use semtrace_semconv::sql::{Dialect, sanitize, summarize};
use serde_json::Value;

const CASES: &str = include_str!("data/db-sql-test-cases.json");

#[test]
fn every_conventions_case_passes() {
    let cases: Vec<Value> = serde_json::from_str(CASES).expect("the test cases are JSON");
    assert!(!cases.is_empty());
    let (mut texts, mut summaries) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("a case has a name");
        let system = case["input"]["db.system.name"].as_str().unwrap_or("");
        let query = case["input"]["query"].as_str().expect("a case has a query");
        let dialect = Dialect::from_system(system);
        let expected = &case["expected"];

        let text = sanitize(dialect, query);
        let accepted: Vec<&str> = expected["db.query.text"]
            .as_array()
            .expect("accepted texts")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if accepted.contains(&text.as_str()) {
            texts += 1;
        } else {
            failures.push(format!("{name}: text {text:?}, accepted {accepted:?}"));
        }

        let summary = summarize(dialect, query);
        let want = expected["db.query.summary"].as_str().expect("a summary");
        if summary == want {
            summaries += 1;
        } else {
            failures.push(format!("{name}: summary {summary:?}, expected {want:?}"));
        }
    }
    let total = cases.len();
    assert!(
        failures.is_empty(),
        "text {texts}/{total}, summary {summaries}/{total}; failures:\n{}",
        failures.join("\n")
    );
}
