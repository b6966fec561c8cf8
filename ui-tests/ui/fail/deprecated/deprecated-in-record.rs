#![deny(deprecated)]

fn respond() {
    semtrace::record!(http.status_code = 200);
}

fn main() {
    respond();
}
