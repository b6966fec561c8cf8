const LEVEL: &str = "debug";

#[semtrace::traced(level = LEVEL)]
fn work() {}

fn main() {
    work();
}
