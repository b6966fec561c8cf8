#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "users", namespace = "shop", query = "SELECT * FROM users WHERE id = 42")]
fn load_user(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[semtrace::traced_db(system = "sqlite", operation = "INSERT", collection = %table, query = sql, sanitize = false)]
fn insert(table: &str, sql: &str) -> usize {
    table.len() + sql.len()
}

#[semtrace::traced_db(system = "sqlite", query = sql)]
async fn run_query(sql: String) -> Option<usize> {
    Some(sql.len())
}

#[semtrace::traced_db(system = "redis", namespace = "0", db.response.status_code = "OK")]
fn ping() {}

// A non-literal is the escape hatch for a system the registry does not know.
#[semtrace::traced_db(system = system, level = "trace", name = "custom")]
fn custom(system: &str) {
    let _ = system;
}

#[semtrace::traced_db(system = "mysql", operation = op)]
fn dynamic_name(op: &'static str) {
    semtrace::record!(db.response.returned_rows = 3);
}

fn main() {
    assert_eq!(load_user(1), Ok(1));
    assert_eq!(insert("t", "INSERT 1"), 9);
    drop(run_query("SELECT 1".to_owned()));
    ping();
    custom("mydb");
    dynamic_name("SELECT");
}
