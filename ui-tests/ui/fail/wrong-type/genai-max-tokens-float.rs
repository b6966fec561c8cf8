#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o", gen_ai.request.max_tokens = tokens)]
fn complete(tokens: f64) {
    let _ = tokens;
}

fn main() {
    complete(1.0);
}
