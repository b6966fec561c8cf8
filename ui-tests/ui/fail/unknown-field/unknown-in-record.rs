fn finish() {
    semtrace::record!(task.stat = "completed");
}

fn main() {
    finish();
}
