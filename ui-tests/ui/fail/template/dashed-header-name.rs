// The example: `http.request.header.content-type`. A Rust ident cannot hold a
// `-`, so this does not parse today.
#[semtrace::traced(http.request.header.content-type = ["text/html"])]
fn index() {}

fn main() {
    index();
}
