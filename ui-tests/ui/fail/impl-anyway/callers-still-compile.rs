// One mistake in the attribute; the function is still emitted, so its callers, a
// function pointer to it and its return type all type-check: exactly one error.
#[semtrace::traced(db.sytem = "postgresql")]
fn count_users(limit: u32) -> Result<u32, String> {
    if limit == 0 {
        return Err("no limit".to_owned());
    }
    Ok(limit)
}

fn total() -> Result<u32, String> {
    let n = count_users(10)?;
    Ok(n + 1)
}

fn main() {
    let f: fn(u32) -> Result<u32, String> = count_users;
    let _ = (f(1), total());
}
