struct Reply {
    model: String,
    input: u32,
    output: u32,
}

impl semtrace::GenAiResponse for Reply {
    fn input_tokens(&self) -> Option<u64> {
        Some(self.input.into())
    }
    fn output_tokens(&self) -> Option<u64> {
        Some(self.output.into())
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
}

#[semtrace::traced_genai(
    operation = "chat",
    provider = "anthropic",
    model = %model,
    gen_ai.request.temperature = temperature,
    gen_ai.request.max_tokens = 512,
    gen_ai.conversation.id = %conversation
)]
async fn chat(model: &str, temperature: f64, conversation: &str) -> Result<Reply, std::io::Error> {
    Ok(Reply {
        model: format!("{model}-20250101"),
        input: u32::try_from(conversation.len()).unwrap_or(0),
        output: 1,
    })
}

#[semtrace::traced_genai(operation = "embeddings", provider = "cohere", model = "embed-v4")]
fn embed(text: &str) -> Reply {
    Reply {
        model: "embed-v4".to_owned(),
        input: u32::try_from(text.len()).unwrap_or(0),
        output: 0,
    }
}

#[semtrace::traced_genai(operation = "execute_tool", tool = "get_weather")]
fn get_weather(city: &str) -> String {
    format!("rain in {city}")
}

#[semtrace::traced_genai(operation = "invoke_agent", provider = "openai", agent = %name)]
fn run_agent(name: &str) -> usize {
    get_weather(name).len() + embed(name).input as usize
}

#[semtrace::traced_genai(operation = "invoke_agent", client, provider = "openai")]
fn remote_agent() {}

#[semtrace::traced_genai(operation = "retrieval", data_source = "H7STPQYOND")]
fn retrieve() -> Vec<String> {
    Vec::new()
}

fn main() {
    drop(chat("claude", 0.5, "conv_1"));
    assert!(run_agent("Paris") > 0);
    remote_agent();
    assert!(retrieve().is_empty());
}
