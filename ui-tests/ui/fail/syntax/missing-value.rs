#[semtrace::traced(db.namespace = )]
fn query() {}

fn main() {
    query();
}
