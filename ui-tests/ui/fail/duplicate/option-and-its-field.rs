#[semtrace::traced_db(system = "postgresql", db.system.name = "mysql")]
fn query() {}

fn main() {
    query();
}
