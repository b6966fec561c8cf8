#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o", gen_ai.request.temperature = "hot")]
fn complete() {}

fn main() {
    complete();
}
