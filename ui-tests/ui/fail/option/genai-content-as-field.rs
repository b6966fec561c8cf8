#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o", gen_ai.input.messages = %messages)]
fn complete(messages: &str) {
    let _ = messages;
}

fn main() {
    complete("[]");
}
