//! GenAI spans through semtrace's real OTLP pipeline to a real rotel collector: an
//! agent invocation that calls a model and a tool arrives as one trace, with the
//! conventions' names, kinds, parents and usage. One test in this binary.

use std::time::Duration;

use semtrace::config::Protocol;
use semtrace_tests::collector::{Collector, SpanKind, Value};

/// A fake model client's reply.
struct Reply {
    input: u64,
    output: u64,
}

impl semtrace::GenAiResponse for Reply {
    fn input_tokens(&self) -> Option<u64> {
        Some(self.input)
    }
    fn output_tokens(&self) -> Option<u64> {
        Some(self.output)
    }
    fn response_model(&self) -> Option<&str> {
        Some("gpt-4o-2024-08-06")
    }
    fn finish_reasons(&self) -> Option<Vec<String>> {
        Some(vec!["tool_calls".to_owned()])
    }
}

#[semtrace::traced_genai(operation = "chat", provider = "openai", model = model)]
fn chat(model: &str) -> Reply {
    Reply {
        input: model.len() as u64,
        output: 17,
    }
}

#[semtrace::traced_genai(operation = "execute_tool", tool = "get_weather", gen_ai.tool.call.id = %id)]
fn get_weather(id: &str) -> String {
    format!("rainy ({id})")
}

#[semtrace::traced_genai(operation = "invoke_agent", provider = "openai", agent = "Forecaster")]
fn forecaster() -> usize {
    let reply = chat("gpt-4o");
    usize::try_from(reply.output).unwrap_or(0) + get_weather("call_7").len()
}

#[test]
fn an_agent_s_model_and_tool_calls_arrive_as_one_trace() {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let (dispatch, guard) = semtrace::Telemetry::builder("e2e-genai")
        .env_lookup(|_| None)
        .console(false)
        .otlp_endpoint(collector.grpc_endpoint())
        .otlp_protocol(Protocol::Grpc)
        .scheduled_delay(Duration::from_secs(3600))
        .build()
        .expect("semtrace pipeline");
    tracing::dispatcher::with_default(&dispatch, forecaster);
    // The flush at shutdown is what exports: the batch delay is an hour.
    let stats = guard.shutdown().expect("shutdown");
    assert_eq!(stats.exported, 3, "{stats:?}");

    let spans = collector
        .wait_for_spans(3, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    let find = |name: &str| {
        spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span `{name}` in {spans:#?}"))
    };
    let agent = find("invoke_agent Forecaster");
    let model = find("chat gpt-4o");
    let tool = find("execute_tool get_weather");

    assert_eq!(agent.kind, SpanKind::Internal);
    assert_eq!(model.kind, SpanKind::Client);
    assert_eq!(tool.kind, SpanKind::Internal);
    assert_eq!(agent.parent_span_id, None);
    for child in [model, tool] {
        assert!(child.is_child_of(agent), "{child:#?} under {agent:#?}");
        assert_eq!(child.trace_id, agent.trace_id);
    }
    assert_eq!(
        agent.attr("gen_ai.agent.name"),
        Some(&Value::String("Forecaster".into()))
    );
    assert_eq!(
        model.attr("gen_ai.provider.name"),
        Some(&Value::String("openai".into()))
    );
    assert_eq!(
        model.attr("gen_ai.usage.input_tokens"),
        Some(&Value::Int(6))
    );
    assert_eq!(
        model.attr("gen_ai.usage.output_tokens"),
        Some(&Value::Int(17))
    );
    assert_eq!(
        model.attr("gen_ai.response.model"),
        Some(&Value::String("gpt-4o-2024-08-06".into()))
    );
    assert_eq!(
        tool.attr("gen_ai.tool.call.id"),
        Some(&Value::String("call_7".into()))
    );
    assert_eq!(
        agent.resource_attr("service.name"),
        Some(&Value::String("e2e-genai".into()))
    );
}
