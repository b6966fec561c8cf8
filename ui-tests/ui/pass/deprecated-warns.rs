// A deprecated field is a warning, not an error: this compiles.
#[semtrace::traced(http.method = "GET", db.system = "postgresql")]
fn handle() {}

fn main() {
    handle();
}
