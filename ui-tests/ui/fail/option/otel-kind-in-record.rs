fn work() {
    semtrace::record!(otel.kind = "client");
}

fn main() {
    work();
}
