//! `#[traced_genai]`: the GenAI registry's spans as the exporter sees them — each
//! operation's name, kind and attributes, usage and finish reasons from the returned
//! `GenAiResponse`, a failing call, and `gen_ai.client.operation.duration` through the
//! SDK's in-memory metric reader. Thread-scoped subscribers only.

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::{Array, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};
use semtrace_tests::capture::{self, Capture, Kind, attr, double, int, string};

/// A fake model client's reply.
#[derive(Debug)]
struct Reply {
    model: &'static str,
    prompt_tokens: u32,
    completion_tokens: u32,
    cached: Option<u32>,
}

impl semtrace::GenAiResponse for Reply {
    fn input_tokens(&self) -> Option<u64> {
        Some(self.prompt_tokens.into())
    }
    fn output_tokens(&self) -> Option<u64> {
        Some(self.completion_tokens.into())
    }
    fn response_model(&self) -> Option<&str> {
        Some(self.model)
    }
    fn response_id(&self) -> Option<&str> {
        Some("chatcmpl-1")
    }
    fn finish_reasons(&self) -> Option<Vec<String>> {
        Some(vec!["stop".to_owned()])
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        self.cached.map(u64::from)
    }
}

#[derive(Debug)]
struct RateLimited;

impl std::fmt::Display for RateLimited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rate limited")
    }
}

#[semtrace::traced_genai(
    operation = "chat",
    provider = "openai",
    model = model,
    gen_ai.request.temperature = temperature,
    gen_ai.request.max_tokens = 256
)]
fn chat(model: &str, temperature: f64, fail: bool) -> Result<Reply, RateLimited> {
    if fail {
        return Err(RateLimited);
    }
    Ok(Reply {
        model: "gpt-4o-2024-08-06",
        prompt_tokens: 12,
        completion_tokens: 30,
        cached: Some(4),
    })
}

#[semtrace::traced_genai(operation = "embeddings", provider = "cohere", model = "embed-v4")]
fn embed(text: &str) -> Reply {
    Reply {
        model: "embed-v4",
        prompt_tokens: u32::try_from(text.len()).unwrap(),
        completion_tokens: 0,
        cached: None,
    }
}

#[semtrace::traced_genai(operation = "execute_tool", tool = "get_weather", gen_ai.tool.call.id = %id)]
fn get_weather(id: &str) -> String {
    format!("rainy ({id})")
}

#[semtrace::traced_genai(
    operation = "invoke_agent",
    provider = "anthropic",
    agent = "Math Tutor"
)]
fn tutor() -> usize {
    chat("claude-sonnet", 0.0, false).map_or(0, |r| r.completion_tokens as usize)
        + get_weather("call_1").len()
}

#[semtrace::traced_genai(operation = "invoke_agent", client, provider = "openai")]
fn remote_assistant() {}

#[test]
fn a_chat_call_is_a_client_span_named_after_operation_and_model() {
    let cap = Capture::start();
    chat("gpt-4o", 0.2, false).unwrap();
    let span = cap.span("chat gpt-4o");
    assert_eq!(capture::kind(&span), Kind::Client);
    assert_eq!(attr(&span, "gen_ai.operation.name"), string("chat"));
    assert_eq!(attr(&span, "gen_ai.provider.name"), string("openai"));
    assert_eq!(attr(&span, "gen_ai.request.model"), string("gpt-4o"));
    assert_eq!(attr(&span, "gen_ai.request.temperature"), double(0.2));
    assert_eq!(attr(&span, "gen_ai.request.max_tokens"), int(256));
}

#[test]
fn usage_and_the_response_come_from_the_returned_value() {
    let cap = Capture::start();
    chat("gpt-4o", 0.2, false).unwrap();
    let span = cap.span("chat gpt-4o");
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), int(12));
    assert_eq!(attr(&span, "gen_ai.usage.output_tokens"), int(30));
    assert_eq!(attr(&span, "gen_ai.usage.cache_read.input_tokens"), int(4));
    assert_eq!(
        attr(&span, "gen_ai.usage.reasoning.output_tokens"),
        None,
        "not reported"
    );
    assert_eq!(
        attr(&span, "gen_ai.response.model"),
        string("gpt-4o-2024-08-06")
    );
    assert_eq!(attr(&span, "gen_ai.response.id"), string("chatcmpl-1"));
    assert_eq!(
        attr(&span, "gen_ai.response.finish_reasons"),
        Some(Value::Array(Array::String(vec!["stop".into()])))
    );
    assert_eq!(
        attr(&span, "gen_ai.input.messages"),
        None,
        "content is opt-in"
    );
}

#[test]
fn a_failed_call_fails_its_span_with_the_error_type() {
    let cap = Capture::start();
    chat("gpt-4o", 0.2, true).unwrap_err();
    let span = cap.span("chat gpt-4o");
    assert!(
        capture::is_error(&span, "rate limited"),
        "{:?}",
        span.status
    );
    let error_type = attr(&span, "error.type").expect("error.type");
    assert!(
        error_type.as_str().ends_with("RateLimited"),
        "{error_type:?}"
    );
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), None);
}

#[test]
fn embeddings_record_input_tokens_and_the_response_model() {
    let cap = Capture::start();
    embed("hello");
    let span = cap.span("embeddings embed-v4");
    assert_eq!(capture::kind(&span), Kind::Client);
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), int(5));
    assert_eq!(attr(&span, "gen_ai.response.model"), string("embed-v4"));
    assert_eq!(
        attr(&span, "gen_ai.usage.output_tokens"),
        None,
        "the embeddings definition has no output tokens"
    );
}

#[test]
fn a_tool_call_under_an_agent_is_an_internal_child() {
    let cap = Capture::start();
    tutor();
    let agent = cap.span("invoke_agent Math Tutor");
    assert_eq!(capture::kind(&agent), Kind::Internal);
    assert_eq!(attr(&agent, "gen_ai.agent.name"), string("Math Tutor"));
    let tool = cap.span("execute_tool get_weather");
    assert_eq!(capture::kind(&tool), Kind::Internal);
    assert_eq!(attr(&tool, "gen_ai.tool.name"), string("get_weather"));
    assert_eq!(attr(&tool, "gen_ai.tool.call.id"), string("call_1"));
    let model = cap.span("chat claude-sonnet");
    for child in [&tool, &model] {
        assert_eq!(child.parent_span_id, agent.span_context.span_id());
        assert_eq!(child.span_context.trace_id(), agent.span_context.trace_id());
    }
}

#[test]
fn a_remote_agent_is_a_client_span_named_by_its_operation_alone() {
    let cap = Capture::start();
    remote_assistant();
    let span = cap.span("invoke_agent");
    assert_eq!(capture::kind(&span), Kind::Client);
}

#[test]
fn model_calls_record_the_operation_duration_and_token_usage() {
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (dispatch, guard) = semtrace::Telemetry::builder("genai-test")
        .env_lookup(|_| None)
        .console(false)
        .metric_reader(reader)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        chat("gpt-4o", 0.2, false).unwrap();
        chat("gpt-4o", 0.2, true).unwrap_err();
        get_weather("call_2");
    });
    guard.shutdown().unwrap();
    let all = exporter.get_finished_metrics().unwrap();
    let (unit, points) = histogram(&all, "gen_ai.client.operation.duration");
    assert_eq!(unit, "s");
    let ok: BTreeMap<String, Value> = [
        ("gen_ai.operation.name", Value::from("chat")),
        ("gen_ai.provider.name", Value::from("openai")),
        ("gen_ai.request.model", Value::from("gpt-4o")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut failed = ok.clone();
    let failed_type = points
        .iter()
        .find_map(|(a, _)| a.get("error.type").cloned())
        .expect("a point with error.type");
    failed.insert("error.type".to_owned(), failed_type);
    let mut got: Vec<_> = points.into_iter().collect();
    got.sort_by_key(|(a, _)| a.len());
    assert_eq!(got, vec![(ok, 1), (failed, 1)]);
    let (unit, tokens) = token_usage(&all);
    assert_eq!(unit, "{token}");
    let with_type = |t: &str| {
        let mut a: BTreeMap<String, Value> = [
            ("gen_ai.operation.name", Value::from("chat")),
            ("gen_ai.provider.name", Value::from("openai")),
            ("gen_ai.request.model", Value::from("gpt-4o")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        a.insert("gen_ai.token.type".to_owned(), Value::from(t.to_owned()));
        a
    };
    let mut tokens = tokens;
    tokens.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
    assert_eq!(
        tokens,
        vec![(with_type("input"), 1, 12), (with_type("output"), 1, 30)],
        "one call reported usage; the failed one none"
    );
    let (_, tool_points) = histogram(&all, "gen_ai.execute_tool.duration");
    assert!(
        tool_points
            .iter()
            .all(|(a, _)| !a.contains_key("gen_ai.token.type")),
        "a tool call has its own duration, no token usage"
    );
}

#[semtrace::traced_genai(operation = "execute_tool", tool = "lookup", gen_ai.tool.type = "function")]
fn failing_tool() -> Result<String, RateLimited> {
    Err(RateLimited)
}

#[semtrace::traced_genai(
    operation = "invoke_agent",
    provider = "openai",
    agent = "Reporter",
    model = "gpt-4o"
)]
fn reporter() -> Reply {
    Reply {
        model: "gpt-4o",
        prompt_tokens: 1,
        completion_tokens: 2,
        cached: None,
    }
}

#[semtrace::traced_genai(operation = "invoke_workflow", workflow = "nightly")]
fn nightly() -> usize {
    tutor() + reporter().completion_tokens as usize
}

fn attrs(pairs: &[(&str, &str)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from((*v).to_owned())))
        .collect()
}

#[test]
fn agents_tools_and_workflows_record_the_registry_durations_with_their_attributes() {
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let (dispatch, guard) = semtrace::Telemetry::builder("genai-test")
        .env_lookup(|_| None)
        .console(false)
        .metric_reader(reader)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        nightly();
        failing_tool().unwrap_err();
    });
    guard.shutdown().unwrap();
    let all = exporter.get_finished_metrics().unwrap();

    let (unit, points) = histogram(&all, "gen_ai.workflow.duration");
    assert_eq!(unit, "s");
    assert_eq!(
        points,
        vec![(attrs(&[("gen_ai.workflow.name", "nightly")]), 1)]
    );

    let (unit, mut points) = histogram(&all, "gen_ai.invoke_agent.duration");
    assert_eq!(unit, "s");
    points.sort_by_key(|(a, _)| format!("{a:?}"));
    assert_eq!(
        points,
        vec![
            (attrs(&[("gen_ai.agent.name", "Math Tutor")]), 1),
            (
                attrs(&[
                    ("gen_ai.agent.name", "Reporter"),
                    ("gen_ai.request.model", "gpt-4o")
                ]),
                1
            ),
        ],
        "the agent's name and model; not its provider or operation, which the metric does not carry"
    );

    let (unit, mut points) = histogram(&all, "gen_ai.execute_tool.duration");
    assert_eq!(unit, "s");
    points.sort_by_key(|(a, _)| a.len());
    let failed = points[1].0.get("error.type").cloned().expect("error.type");
    let mut lookup = attrs(&[
        ("gen_ai.tool.name", "lookup"),
        ("gen_ai.tool.type", "function"),
    ]);
    lookup.insert("error.type".to_owned(), failed);
    assert_eq!(
        points,
        vec![
            (attrs(&[("gen_ai.tool.name", "get_weather")]), 1),
            (lookup, 1)
        ]
    );

    // Tokens only for model calls, with the client metrics' attributes: the agent
    // returning a response records none.
    let (_, tokens) = token_usage(&all);
    assert!(
        tokens
            .iter()
            .all(|(a, _, _)| a.get("gen_ai.operation.name") == Some(&Value::from("chat"))),
        "{tokens:?}"
    );
    assert_eq!(tokens.len(), 2, "input and output of the one chat call");
}

/// A data point's attributes.
type Attrs = BTreeMap<String, Value>;

fn metric_names(all: &[ResourceMetrics]) -> Vec<String> {
    all.iter()
        .flat_map(ResourceMetrics::scope_metrics)
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .map(|m| m.name().to_owned())
        .collect()
}

/// The last export's `gen_ai.client.token.usage`: its unit and (attributes, count, sum)
/// per point.
fn token_usage(all: &[ResourceMetrics]) -> (String, Vec<(Attrs, u64, u64)>) {
    let name = "gen_ai.client.token.usage";
    let last = all.last().expect("an export");
    let metric = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no metric `{name}` among {:?}", metric_names(all)));
    let AggregatedMetrics::U64(MetricData::Histogram(h)) = metric.data() else {
        panic!("`{name}` is not a u64 histogram");
    };
    let points = h
        .data_points()
        .map(|dp| {
            (
                dp.attributes()
                    .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                    .collect(),
                dp.count(),
                dp.sum(),
            )
        })
        .collect();
    (metric.unit().to_owned(), points)
}

/// The last export's f64 histogram `name`: its unit and (attributes, count) per point.
fn histogram(all: &[ResourceMetrics], name: &str) -> (String, Vec<(Attrs, u64)>) {
    let last = all.last().expect("an export");
    let metric = last
        .scope_metrics()
        .flat_map(opentelemetry_sdk::metrics::data::ScopeMetrics::metrics)
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no metric `{name}` among {:?}", metric_names(all)));
    let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
        panic!("`{name}` is not an f64 histogram");
    };
    let points = h
        .data_points()
        .map(|dp| {
            (
                dp.attributes()
                    .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                    .collect(),
                dp.count(),
            )
        })
        .collect();
    (metric.unit().to_owned(), points)
}

#[test]
fn live_check_finds_nothing_in_genai_spans() {
    let ((), spans) = semtrace::testing::capture(|| {
        chat("gpt-4o", 0.2, false).unwrap();
        chat("gpt-4o", 0.2, true).unwrap_err();
        embed("hello");
        tutor();
        remote_assistant();
    });
    assert!(spans.iter().count() >= 7);
    assert_eq!(semtrace::testing::live_check(&spans), []);
}
