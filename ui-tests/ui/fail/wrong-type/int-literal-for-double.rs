#[semtrace::traced(app.jank.threshold = 1)]
fn frame() {}

fn main() {
    frame();
}
