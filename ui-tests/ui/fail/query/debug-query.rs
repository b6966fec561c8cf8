#[semtrace::traced_db(system = "sqlite", query = ?sql)]
fn run(sql: &str) {
    let _ = sql;
}

fn main() {
    run("SELECT 1");
}
