fn finish() {
    semtrace::record!(task.state = "completed", task.state = "failed");
}

fn main() {
    finish();
}
