#[semtrace::traced_db(operation = "SELECT", collection = "users")]
fn load_users() {}

fn main() {
    load_users();
}
