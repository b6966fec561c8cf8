#![deny(deprecated)]

#[semtrace::traced(db.user = "admin")]
fn query() {}

fn main() {
    query();
}
