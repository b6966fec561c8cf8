fn finish() {
    semtrace::record!(state = "completed");
}

fn main() {
    finish();
}
