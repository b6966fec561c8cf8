#[semtrace::traced_db(system = 5)]
fn query() {}

fn main() {
    query();
}
