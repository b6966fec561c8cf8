#[semtrace::traced_db(system = "sqlite", query = "SELECT 1", sanitize = "no")]
fn ping() {}

fn main() {
    ping();
}
