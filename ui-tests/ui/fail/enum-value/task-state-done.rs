fn finish() {
    semtrace::record!(task.state = "done");
}

fn main() {
    finish();
}
