#[semtrace::traced_db(system = "sqlite", metric = "db.client.operation.duration")]
fn query() {}

fn main() {
    query();
}
