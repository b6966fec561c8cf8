#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o", gen_ai.request.temprature = 0.2)]
fn complete() {}

fn main() {
    complete();
}
