//! semtrace demo (placeholder).
fn main() {}
