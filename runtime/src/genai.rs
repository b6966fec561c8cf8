//! What a GenAI call's response says about itself: [`GenAiResponse`], which
//! `#[traced_genai]` reads from the function's return value (for a `Result`, from its
//! `Ok` value) to record `gen_ai.usage.*` and `gen_ai.response.*` on the span.
//!
//! Content — `gen_ai.input.messages`, `gen_ai.output.messages`,
//! `gen_ai.system_instructions` — is opt-in: nothing of it is recorded, or even
//! computed, until [`capture_content`] turns it on for the process.

use std::sync::atomic::{AtomicBool, Ordering};

static CAPTURE_CONTENT: AtomicBool = AtomicBool::new(false);

/// Turns the recording of GenAI content (messages, system instructions) on or off
/// for the whole process; it is off by default. `init()`/`build()` set it when the
/// settings name it (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
/// `[genai] capture_content`). The content is JSON following the
/// GenAI registry's schemas (`gen-ai-input-messages.json`, …), given by you.
pub fn capture_content(on: bool) {
    CAPTURE_CONTENT.store(on, Ordering::Relaxed);
}

/// Whether GenAI content is recorded (see [`capture_content`]).
#[inline]
pub fn capturing_content() -> bool {
    CAPTURE_CONTENT.load(Ordering::Relaxed)
}

/// Records `gen_ai.input.messages` (JSON, per the registry's input-messages schema)
/// on the current `#[traced_genai]` span when content is captured; `json` is not
/// called otherwise.
pub fn record_input_messages<S: AsRef<str>>(json: impl FnOnce() -> S) {
    record_content("gen_ai.input.messages", json);
}

/// Records `gen_ai.system_instructions` (JSON, per the registry's schema) on the
/// current `#[traced_genai]` span when content is captured; `json` is not called
/// otherwise.
pub fn record_system_instructions<S: AsRef<str>>(json: impl FnOnce() -> S) {
    record_content("gen_ai.system_instructions", json);
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
    /// `gen_ai.output.messages`: the response's messages as JSON (per the registry's
    /// output-messages schema). Called only when content is captured
    /// ([`capture_content`]).
    fn output_messages(&self) -> Option<String> {
        None
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
    fn output_messages(&self) -> Option<String> {
        self.as_ref().ok()?.output_messages()
    }
}
