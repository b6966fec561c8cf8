//! `#[traced_genai]` on a fake model client (no network): an agent invocation that
//! calls a model, runs the tool the model asked for, and calls the model again. Run
//! with `cargo run -p semtrace --example genai`; the trace is printed on the console:
//!
//! ```text
//! invoke_agent Weather Helper        (internal)
//! ├── chat fake-model-1              (client, usage from the reply)
//! ├── execute_tool get_weather       (internal)
//! └── chat fake-model-1              (client)
//! ```
//!
//! With `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` the model calls also
//! record their messages (`gen_ai.input.messages`, `gen_ai.output.messages`), built
//! from `semtrace::genai`'s typed messages.

use semtrace::genai::{InputMessage, OutputMessage, Part};

/// What the fake model answers.
struct Reply {
    text: String,
    tool_call: Option<&'static str>,
    input_tokens: u64,
    output_tokens: u64,
}

impl semtrace::GenAiResponse for Reply {
    fn input_tokens(&self) -> Option<u64> {
        Some(self.input_tokens)
    }
    fn output_tokens(&self) -> Option<u64> {
        Some(self.output_tokens)
    }
    fn response_model(&self) -> Option<&str> {
        Some("fake-model-1-2026")
    }
    fn finish_reasons(&self) -> Option<Vec<String>> {
        let reason = if self.tool_call.is_some() {
            "tool_call"
        } else {
            "stop"
        };
        Some(vec![reason.to_owned()])
    }
    fn output(&self) -> Option<Vec<OutputMessage>> {
        let part = match self.tool_call {
            Some(city) => {
                Part::tool_call("call_1", "get_weather", serde_json::json!({ "city": city }))
            }
            None => Part::text(&self.text),
        };
        Some(vec![OutputMessage::assistant(vec![part])])
    }
}

#[derive(Debug)]
struct Overloaded;

impl std::fmt::Display for Overloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fake model is overloaded")
    }
}

impl std::error::Error for Overloaded {}

/// A model call: the prompt's words are its tokens.
#[semtrace::traced_genai(
    operation = "chat",
    provider = "openai",
    model = "fake-model-1",
    gen_ai.request.temperature = 0.0
)]
fn chat(prompt: &str) -> Result<Reply, Overloaded> {
    // Not even built unless content capture is on.
    semtrace::genai::record_input(|| [InputMessage::user(prompt)]);
    let input_tokens = prompt.split_whitespace().count() as u64;
    Ok(if prompt.contains("weather:") {
        Reply {
            text: "It rains in Paris; take an umbrella.".to_owned(),
            tool_call: None,
            input_tokens,
            output_tokens: 8,
        }
    } else {
        Reply {
            text: String::new(),
            tool_call: Some("Paris"),
            input_tokens,
            output_tokens: 3,
        }
    })
}

#[semtrace::traced_genai(operation = "execute_tool", tool = "get_weather")]
fn get_weather(city: &str) -> String {
    format!("rain in {city}")
}

#[semtrace::traced_genai(
    operation = "invoke_agent",
    provider = "openai",
    agent = "Weather Helper"
)]
fn weather_helper(question: &str) -> Result<String, Overloaded> {
    let first = chat(question)?;
    let Some(city) = first.tool_call else {
        return Ok(first.text);
    };
    let weather = get_weather(city);
    Ok(chat(&format!("{question} weather: {weather}"))?.text)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Each trace as a tree on the console.
    let guard = semtrace::Telemetry::builder("genai-example")
        .console_format(semtrace::config::ConsoleFormat::Tree)
        .init()?;
    println!(
        "{}",
        weather_helper("Do I need an umbrella in Paris today?")?
    );
    drop(guard);
    Ok(())
}
