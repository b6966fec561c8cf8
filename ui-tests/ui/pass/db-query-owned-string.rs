// KNOWN BUG — this should compile: `db.query.text` is a string, and a `String` is a
// string value, but the sanitizer call generated for `query` only takes `&str`.
// Move this file to ui/pass/ once fixed.
#[semtrace::traced_db(system = "sqlite", query = sql)]
fn run(sql: String) {
    let _ = sql;
}

fn main() {
    run(String::from("SELECT 1"));
}
