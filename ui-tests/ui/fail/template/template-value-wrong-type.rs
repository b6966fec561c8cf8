#[semtrace::traced(db.query.parameter.id = 42)]
fn query() {}

fn main() {
    query();
}
