// An unused instrumented function is dead code, as a plain one would be.
#![deny(dead_code)]

#[semtrace::traced]
fn never_used() {}

#[semtrace::traced_db(system = "sqlite", operation = "SELECT")]
async fn never_used_async() -> Result<u8, String> {
    Ok(1)
}

fn main() {}
