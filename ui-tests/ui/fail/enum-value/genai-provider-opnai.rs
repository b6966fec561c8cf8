#[semtrace::traced_genai(operation = "chat", provider = "opnai", model = "gpt-4o")]
fn complete() {}

fn main() {
    complete();
}
