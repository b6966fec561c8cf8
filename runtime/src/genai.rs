//! What a GenAI call's response says about itself: [`GenAiResponse`], which
//! `#[traced_genai]` reads from the function's return value (for a `Result`, from its
//! `Ok` value) to record `gen_ai.usage.*` and `gen_ai.response.*` on the span.
//!
//! Content — `gen_ai.input.messages`, `gen_ai.output.messages`,
//! `gen_ai.system_instructions` — is opt-in: nothing of it is recorded, or even
//! computed, until [`capture_content`] turns it on for the process. It is JSON in the
//! registry's shapes: build it from [`InputMessage`], [`OutputMessage`] and [`Part`]
//! ([`record_input`], [`record_system`], [`GenAiResponse::output`]), or give the JSON
//! yourself ([`record_input_messages`], …), which must then follow the schemas.
//!
//! ```
//! use semtrace::genai::{InputMessage, OutputMessage, Part};
//! use serde_json::json;
//!
//! struct Reply { text: String }
//!
//! impl semtrace::GenAiResponse for Reply {
//!     fn output(&self) -> Option<Vec<OutputMessage>> {
//!         Some(vec![OutputMessage::assistant(vec![Part::text(&self.text)])])
//!     }
//! }
//!
//! #[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o")]
//! fn chat(question: &str) -> Reply {
//!     semtrace::genai::record_system(|| [Part::text("Answer briefly.")]);
//!     semtrace::genai::record_input(|| {
//!         [
//!             InputMessage::user(question),
//!             InputMessage::new(
//!                 semtrace::genai::Role::Tool,
//!                 vec![Part::tool_call_response("call_1", json!({"temperature": 12}))],
//!             ),
//!         ]
//!     });
//!     Reply { text: "12 °C".into() }
//! }
//! # chat("Weather?");
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

mod messages;

pub use messages::{FinishReason, InputMessage, Modality, OutputMessage, Part, Role};

static CAPTURE_CONTENT: AtomicBool = AtomicBool::new(false);

/// Turns the recording of GenAI content (messages, system instructions) on or off
/// for the whole process; it is off by default. `init()`/`build()` set it when the
/// settings name it (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
/// `[genai] capture_content`). The content is JSON in the GenAI registry's shapes
/// (`gen-ai-input-messages.json`, …), built from the message types of this module.
pub fn capture_content(on: bool) {
    CAPTURE_CONTENT.store(on, Ordering::Relaxed);
}

/// Whether GenAI content is recorded (see [`capture_content`]).
#[inline]
pub fn capturing_content() -> bool {
    CAPTURE_CONTENT.load(Ordering::Relaxed)
}

/// Records `gen_ai.input.messages` on the current `#[traced_genai]` span when content
/// is captured, serialised from `messages` in the registry's input-messages shape;
/// `messages` is not called otherwise.
pub fn record_input<M: AsRef<[InputMessage]>>(messages: impl FnOnce() -> M) {
    record_content("gen_ai.input.messages", || to_json(messages().as_ref()));
}

/// Records `gen_ai.system_instructions` on the current `#[traced_genai]` span when
/// content is captured: the instructions' parts (as a rule [`Part::text`]), in the
/// registry's system-instructions shape; `parts` is not called otherwise.
pub fn record_system<P: AsRef<[Part]>>(parts: impl FnOnce() -> P) {
    record_content("gen_ai.system_instructions", || to_json(parts().as_ref()));
}

/// Records `gen_ai.input.messages` given as JSON text on the current
/// `#[traced_genai]` span when content is captured; `json` is not called otherwise.
/// The text must follow the registry's input-messages schema
/// (`gen-ai-input-messages.json`): nothing checks it. [`record_input`] builds it.
pub fn record_input_messages<S: AsRef<str>>(json: impl FnOnce() -> S) {
    record_content("gen_ai.input.messages", json);
}

/// Records `gen_ai.system_instructions` given as JSON text on the current
/// `#[traced_genai]` span when content is captured; `json` is not called otherwise.
/// The text must follow the registry's system-instructions schema
/// (`gen-ai-system-instructions.json`): nothing checks it. [`record_system`] builds it.
pub fn record_system_instructions<S: AsRef<str>>(json: impl FnOnce() -> S) {
    record_content("gen_ai.system_instructions", json);
}

/// The content's JSON; the types serialise to JSON whatever their values.
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn record_content<S: AsRef<str>>(key: &'static str, json: impl FnOnce() -> S) {
    if !capturing_content() {
        return;
    }
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    span.record(key, json().as_ref());
}

/// A model client's response, as `#[traced_genai]` records it. Implement it for your
/// client's response type; every method defaults to `None` (nothing recorded).
///
/// ```
/// struct Reply { model: String, prompt_tokens: u32, completion_tokens: u32 }
///
/// impl semtrace::GenAiResponse for Reply {
///     fn input_tokens(&self) -> Option<u64> { Some(self.prompt_tokens.into()) }
///     fn output_tokens(&self) -> Option<u64> { Some(self.completion_tokens.into()) }
///     fn response_model(&self) -> Option<&str> { Some(&self.model) }
/// }
/// ```
pub trait GenAiResponse {
    /// `gen_ai.usage.input_tokens`: every input token, cached ones included.
    fn input_tokens(&self) -> Option<u64> {
        None
    }
    /// `gen_ai.usage.output_tokens`: every output token, reasoning ones included.
    fn output_tokens(&self) -> Option<u64> {
        None
    }
    /// `gen_ai.response.model`: the model that answered.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// `gen_ai.response.id`: the completion's identifier.
    fn response_id(&self) -> Option<&str> {
        None
    }
    /// `gen_ai.response.finish_reasons`: why each choice stopped.
    fn finish_reasons(&self) -> Option<Vec<String>> {
        None
    }
    /// `gen_ai.usage.cache_read.input_tokens`: input tokens served from the provider's cache.
    fn cache_read_input_tokens(&self) -> Option<u64> {
        None
    }
    /// `gen_ai.usage.cache_creation.input_tokens`: input tokens written to the provider's cache.
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        None
    }
    /// `gen_ai.usage.reasoning.output_tokens`: output tokens spent on reasoning.
    fn reasoning_output_tokens(&self) -> Option<u64> {
        None
    }
    /// `gen_ai.output.messages`: the response's messages, one per choice or candidate,
    /// serialised in the registry's output-messages shape. Called only when content is
    /// captured ([`capture_content`]).
    fn output(&self) -> Option<Vec<OutputMessage>> {
        None
    }
    /// `gen_ai.output.messages` as JSON text, which must follow the registry's
    /// output-messages schema (`gen-ai-output-messages.json`): nothing checks it. By
    /// default, [`output`](Self::output) serialised. Called only when content is
    /// captured ([`capture_content`]).
    fn output_messages(&self) -> Option<String> {
        self.output().map(|messages| to_json(&messages))
    }
}

impl<T: GenAiResponse + ?Sized> GenAiResponse for &T {
    fn input_tokens(&self) -> Option<u64> {
        (**self).input_tokens()
    }
    fn output_tokens(&self) -> Option<u64> {
        (**self).output_tokens()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn response_id(&self) -> Option<&str> {
        (**self).response_id()
    }
    fn finish_reasons(&self) -> Option<Vec<String>> {
        (**self).finish_reasons()
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        (**self).cache_read_input_tokens()
    }
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        (**self).cache_creation_input_tokens()
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        (**self).reasoning_output_tokens()
    }
    fn output(&self) -> Option<Vec<OutputMessage>> {
        (**self).output()
    }
    fn output_messages(&self) -> Option<String> {
        (**self).output_messages()
    }
}

/// The `Ok` value's response; an error has none.
impl<T: GenAiResponse, E> GenAiResponse for Result<T, E> {
    fn input_tokens(&self) -> Option<u64> {
        self.as_ref().ok()?.input_tokens()
    }
    fn output_tokens(&self) -> Option<u64> {
        self.as_ref().ok()?.output_tokens()
    }
    fn response_model(&self) -> Option<&str> {
        self.as_ref().ok()?.response_model()
    }
    fn response_id(&self) -> Option<&str> {
        self.as_ref().ok()?.response_id()
    }
    fn finish_reasons(&self) -> Option<Vec<String>> {
        self.as_ref().ok()?.finish_reasons()
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        self.as_ref().ok()?.cache_read_input_tokens()
    }
    fn cache_creation_input_tokens(&self) -> Option<u64> {
        self.as_ref().ok()?.cache_creation_input_tokens()
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        self.as_ref().ok()?.reasoning_output_tokens()
    }
    fn output(&self) -> Option<Vec<OutputMessage>> {
        self.as_ref().ok()?.output()
    }
    fn output_messages(&self) -> Option<String> {
        self.as_ref().ok()?.output_messages()
    }
}
