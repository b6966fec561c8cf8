fn attempt() {
    semtrace::record!(task.attempt = "two");
}

fn main() {
    attempt();
}
