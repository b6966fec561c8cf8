// A body of the wrong type is reported at the user's expression, as for a plain
// async function.
#[semtrace::traced]
async fn unit() {
    ""
}

fn main() {
    drop(unit());
}
