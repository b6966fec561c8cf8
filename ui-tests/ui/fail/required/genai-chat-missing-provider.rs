#[semtrace::traced_genai(operation = "chat", model = "gpt-4o")]
fn complete() {}

fn main() {
    complete();
}
