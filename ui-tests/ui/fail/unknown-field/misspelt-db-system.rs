#[semtrace::traced(db.sytem = "postgresql")]
fn query() {}

fn main() {
    query();
}
