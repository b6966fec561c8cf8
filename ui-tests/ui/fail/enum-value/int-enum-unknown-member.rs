#[semtrace::traced(cpython.gc.generation = 7)]
fn collect() {}

fn main() {
    collect();
}
