// A dotted key cannot hold a `-`; the error says to write the key as a string
// (`"http.request.header.content-type" = …`), which the pass suites cover.
#[semtrace::traced(http.request.header.content-type = ["text/html"])]
fn index() {}

fn main() {
    index();
}
