// From the round trip's mutation sample: `http.request.body.size` with a doubled `z`.
#[semtrace::traced(http.request.body.sizze = 10)]
fn upload() {}

fn main() {
    upload();
}
