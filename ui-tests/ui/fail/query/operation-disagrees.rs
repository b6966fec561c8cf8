#![deny(deprecated)]

#[semtrace::traced_db(system = "postgresql", operation = "SELECT", collection = "users", query = "UPDATE users SET n = 1")]
fn save() {}

fn main() {
    save();
}
