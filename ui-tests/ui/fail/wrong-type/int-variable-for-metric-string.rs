// `db.collection.name` is also a per-call attribute of the call's metric: still one
// error.
#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = table)]
fn query(table: u32) -> u32 {
    table
}

fn main() {
    query(7);
}
