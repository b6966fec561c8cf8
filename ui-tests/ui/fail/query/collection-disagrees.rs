#![deny(deprecated)]

#[semtrace::traced_db(system = "mysql", collection = "user", query = "SELECT * FROM orders JOIN customers ON 1 = 1")]
fn load() {}

fn main() {
    load();
}
