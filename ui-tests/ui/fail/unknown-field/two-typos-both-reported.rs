#[semtrace::traced(db.namspace = "shop", db.colection.name = "users")]
fn query() {}

fn main() {
    query();
}
