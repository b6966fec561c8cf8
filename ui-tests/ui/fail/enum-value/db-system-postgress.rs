#[semtrace::traced_db(system = "postgress", operation = "SELECT", collection = "users")]
fn load_users() {}

fn main() {
    load_users();
}
