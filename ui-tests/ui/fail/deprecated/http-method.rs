#![deny(deprecated)]

#[semtrace::traced(http.method = "GET")]
fn handle() {}

fn main() {
    handle();
}
