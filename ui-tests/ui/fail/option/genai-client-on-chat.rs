#[semtrace::traced_genai(operation = "chat", client, provider = "openai", model = "gpt-4o")]
fn complete() {}

fn main() {
    complete();
}
