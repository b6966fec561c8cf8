#[semtrace::traced(metric = "app.checkout.duration")]
fn checkout() {}

fn main() {
    checkout();
}
