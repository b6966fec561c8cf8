#[semtrace::traced_db(system = "sqlite", query = id)]
fn run(id: u64) {}

fn main() {
    run(1);
}
