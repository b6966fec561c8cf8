// Queries name their spans: literal ones at compile time, others at run time,
// in the dialect of `system`; `operation` and `collection` become optional.
#[semtrace::traced_db(system = "postgresql", query = "SELECT * FROM orders o JOIN customers c ON o.cid = c.id")]
fn join() {}

#[semtrace::traced_db(system = "microsoft.sql_server", query = "EXEC [dbo].[refresh] @id = 1")]
fn procedure() {}

#[semtrace::traced_db(system = "mariadb", query = sql)]
fn dynamic(sql: &str) -> usize {
    sql.len()
}

#[semtrace::traced_db(system = "oracle.db", query = %sql, sanitize = false)]
async fn displayed(sql: String) -> usize {
    sql.len()
}

// An unknown or dynamic system reads the query conservatively.
#[semtrace::traced_db(system = system, query = sql)]
fn conservative(system: &str, sql: String) -> usize {
    system.len() + sql.len()
}

// The options agree with the query: no warning.
#[semtrace::traced_db(system = "sqlite", operation = "select", collection = "users", query = "SELECT * FROM \"users\"")]
fn agreeing() {}

fn main() {
    join();
    procedure();
    assert_eq!(dynamic("SELECT 1"), 8);
    drop(displayed(String::new()));
    assert_eq!(conservative("h2", "SELECT 1".to_owned()), 10);
    agreeing();
}
