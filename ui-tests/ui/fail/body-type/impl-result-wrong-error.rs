// The written error type of a `Result<impl Trait, E>` is still checked against the body.
#[semtrace::traced]
async fn numbers(n: i32) -> Result<impl Iterator<Item = i32>, String> {
    if n < 0 {
        return Err(n);
    }
    Ok(0..n)
}

fn main() {
    drop(numbers(1));
}
