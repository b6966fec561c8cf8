#[semtrace::traced(http.request.resend_count = count)]
fn retry(count: f64) {
    let _ = count;
}

fn main() {
    retry(1.0);
}
