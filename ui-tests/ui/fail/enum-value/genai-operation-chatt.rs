#[semtrace::traced_genai(operation = "chatt", provider = "openai", model = "gpt-4o")]
fn complete() {}

fn main() {
    complete();
}
