// Regression: the value is borrowed for the span, so the body can still use it.
#[semtrace::traced_db(system = "sqlite", query = sql)]
fn run(sql: String) {
    let _ = sql;
}

fn main() {
    run(String::from("SELECT 1"));
}
