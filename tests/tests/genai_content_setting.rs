//! GenAI content capture turned on by a setting: with
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` (the variable other
//! languages' GenAI instrumentations read) the built pipeline exports the messages,
//! cut by the span limits in force. One test: the switch is process-wide.

use opentelemetry::Value;
use semtrace_tests::exporter::TestExporter;

const INPUT: &str = r#"[{"role":"user","parts":[{"type":"text","content":"Hello"}]}]"#;

#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat() {
    semtrace::genai::record_input_messages(|| INPUT);
}

/// Runs `chat` under a pipeline built by `builder` (console off, spans to a test
/// exporter); the exported `gen_ai.input.messages`, if any.
fn exported_input(builder: semtrace::TelemetryBuilder) -> Option<Value> {
    let exporter = TestExporter::default();
    let (dispatch, guard) = builder
        .console(false)
        .span_exporter(exporter.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, chat);
    guard.shutdown().unwrap();
    let spans = exporter.spans();
    let span = spans
        .iter()
        .find(|s| s.name == "chat gpt-4o")
        .expect("the chat span");
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == "gen_ai.input.messages")
        .map(|kv| kv.value.clone())
}

#[test]
fn the_standard_variable_turns_content_capture_on() {
    assert!(!semtrace::genai::capturing_content(), "off by default");
    let on = semtrace::Telemetry::builder("genai-content").env_lookup(|name| {
        (name == "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT").then(|| "true".to_owned())
    });
    assert_eq!(exported_input(on), Some(Value::from(INPUT)));
    assert!(semtrace::genai::capturing_content());

    // Content is a string attribute like any other: the span limits cut it.
    let mut limits = semtrace::config::SpanLimits::default();
    limits.attribute_value_length = Some(16);
    let limited = semtrace::Telemetry::builder("genai-content")
        .env_lookup(|_| None)
        .span_limits(limits);
    assert_eq!(exported_input(limited), Some(Value::from(&INPUT[..16])));
}
