//! What a GenAI call's response says about itself: [`GenAiResponse`], which
//! `#[traced_genai]` reads from the function's return value (for a `Result`, from its
//! `Ok` value) to record `gen_ai.usage.*` and `gen_ai.response.*` on the span.

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
}
