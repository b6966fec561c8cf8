#[semtrace::traced(zzz.qqq_xxx = 1)]
fn work() {}

fn main() {
    work();
}
