fn finish() {
    semtrace::record!();
}

fn main() {
    finish();
}
