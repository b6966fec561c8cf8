// KNOWN BUG — this should compile: `?value` moves a generic argument the body uses.
// Move this file to ui/pass/ once fixed.
#[semtrace::traced(server.address = ?value)]
fn generic<T: std::fmt::Debug + Clone>(value: T) -> T {
    value.clone()
}

fn main() {
    let _ = generic(String::from("x"));
}
