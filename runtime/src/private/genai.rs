//! Recording a GenAI response on its span, chosen by autoref specialisation like the
//! other outcomes: a return value that implements [`GenAiResponse`] records its
//! usage and response attributes; anything else records nothing.

use tracing::Span;

use super::outcome::Outcome;
use crate::genai::GenAiResponse;

/// A return value that is a GenAI response.
pub trait GenAiSome {
    /// Records `gen_ai.usage.*` and `gen_ai.response.*` on `span`.
    fn __semtrace_genai(&self, span: &Span);
    /// The input and output token counts, for the token-usage metric.
    fn __semtrace_genai_tokens(&self) -> (Option<u64>, Option<u64>);
}
/// Any other return value.
pub trait GenAiNone {
    /// Does nothing.
    fn __semtrace_genai(&self, span: &Span);
    /// No counts.
    fn __semtrace_genai_tokens(&self) -> (Option<u64>, Option<u64>);
}

impl<T: GenAiResponse + ?Sized> GenAiSome for &Outcome<'_, T> {
    fn __semtrace_genai(&self, span: &Span) {
        if span.is_disabled() {
            return;
        }
        record(span, self.0);
    }
    #[inline]
    fn __semtrace_genai_tokens(&self) -> (Option<u64>, Option<u64>) {
        (self.0.input_tokens(), self.0.output_tokens())
    }
}
impl<T: ?Sized> GenAiNone for Outcome<'_, T> {
    #[inline]
    fn __semtrace_genai(&self, _span: &Span) {}
    #[inline]
    fn __semtrace_genai_tokens(&self) -> (Option<u64>, Option<u64>) {
        (None, None)
    }
}

fn record<T: GenAiResponse + ?Sized>(span: &Span, response: &T) {
    let counts = [
        ("gen_ai.usage.input_tokens", response.input_tokens()),
        ("gen_ai.usage.output_tokens", response.output_tokens()),
        (
            "gen_ai.usage.cache_read.input_tokens",
            response.cache_read_input_tokens(),
        ),
        (
            "gen_ai.usage.cache_creation.input_tokens",
            response.cache_creation_input_tokens(),
        ),
        (
            "gen_ai.usage.reasoning.output_tokens",
            response.reasoning_output_tokens(),
        ),
    ];
    for (key, count) in counts {
        if let Some(n) = count {
            // Token counts fit an `int` attribute (i64) unless absurd; saturate.
            span.record(key, i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
    if let Some(model) = response.response_model() {
        span.record("gen_ai.response.model", model);
    }
    if let Some(id) = response.response_id() {
        span.record("gen_ai.response.id", id);
    }
    if let Some(reasons) = response.finish_reasons() {
        super::record::record_array(span, "gen_ai.response.finish_reasons", &reasons);
    }
    if crate::genai::capturing_content()
        && let Some(json) = response.output_messages()
    {
        span.record("gen_ai.output.messages", json.as_str());
    }
}
