#[semtrace::traced(db.query.parameter = "42")]
fn query() {}

fn main() {
    query();
}
