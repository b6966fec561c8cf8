// Regression: the value is borrowed for the span, so the body can still use it.
#[semtrace::traced(server.address = ?value)]
fn generic<T: std::fmt::Debug + Clone>(value: T) -> T {
    value.clone()
}

fn main() {
    let _ = generic(String::from("x"));
}
