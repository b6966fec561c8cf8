// An early `return` of the wrong type is blamed, not the correct tail.
#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
async fn count(empty: bool) -> u32 {
    if empty {
        return "none";
    }
    1
}

fn main() {
    drop(count(true));
}
