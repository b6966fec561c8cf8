//! `#[traced_genai]`: a span of one GenAI operation (a model call, a tool call, an
//! agent invocation, …). The operation (`gen_ai.operation.name`, a member of the
//! GenAI registry) picks the registry span definition, its kind and its name rule:
//! `{operation} {model}` for inference and embeddings, `{operation} {subject}` for the
//! others (the agent, tool, data source or workflow), the operation alone when the
//! subject is not given. The return value's [`GenAiResponse`] fills the usage and
//! response attributes.
//!
//! [`GenAiResponse`]: ../../semtrace/trait.GenAiResponse.html

use quote::quote;
use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Domain, Outcome, Plan, SpanName, field, joined_name, lit_str};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options, Takes};
use crate::private::PRIVATE;

const OPERATION: &str = "operation";
const CLIENT: &str = "client";
const OPERATION_KEY: &str = "gen_ai.operation.name";
const MODEL_KEY: &str = "gen_ai.request.model";

/// The metric every client-kind operation records.
const DURATION: &str = "gen_ai.client.operation.duration";

/// The duration metric the registry defines for an internal operation (an agent
/// running in this process, a tool, a workflow); `plan` has none.
fn internal_duration(definition: &str) -> Option<&'static str> {
    match definition {
        "gen_ai.invoke_agent.internal" => Some("gen_ai.invoke_agent.duration"),
        "gen_ai.execute_tool.internal" => Some("gen_ai.execute_tool.duration"),
        "gen_ai.invoke_workflow.internal" => Some("gen_ai.workflow.duration"),
        _ => None,
    }
}

/// What the outcome fills in from a [`GenAiResponse`] return value.
const FILLED: &[&str] = &[
    "gen_ai.response.model",
    "gen_ai.response.id",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
];

/// Content: opt-in, recorded only through the runtime's capture switch
/// (`semtrace::genai`), never from the attribute's arguments.
const CONTENT: &[&str] = &[
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
];

/// Each `gen_ai.operation.name` member: its span definition, kind, and the attribute
/// that follows the operation in the span name.
const OPERATIONS: &[(&str, &str, SpanKind, &str)] = &[
    (
        "chat",
        "gen_ai.inference.client",
        SpanKind::Client,
        MODEL_KEY,
    ),
    (
        "text_completion",
        "gen_ai.inference.client",
        SpanKind::Client,
        MODEL_KEY,
    ),
    (
        "generate_content",
        "gen_ai.inference.client",
        SpanKind::Client,
        MODEL_KEY,
    ),
    (
        "embeddings",
        "gen_ai.embeddings.client",
        SpanKind::Client,
        MODEL_KEY,
    ),
    (
        "retrieval",
        "gen_ai.retrieval.client",
        SpanKind::Client,
        "gen_ai.data_source.id",
    ),
    (
        "create_agent",
        "gen_ai.create_agent.client",
        SpanKind::Client,
        "gen_ai.agent.name",
    ),
    (
        "invoke_agent",
        "gen_ai.invoke_agent.internal",
        SpanKind::Internal,
        "gen_ai.agent.name",
    ),
    (
        "execute_tool",
        "gen_ai.execute_tool.internal",
        SpanKind::Internal,
        "gen_ai.tool.name",
    ),
    (
        "invoke_workflow",
        "gen_ai.invoke_workflow.internal",
        SpanKind::Internal,
        "gen_ai.workflow.name",
    ),
    (
        "plan",
        "gen_ai.plan.internal",
        SpanKind::Internal,
        "gen_ai.agent.name",
    ),
    (
        "search_memory",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "create_memory",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "update_memory",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "upsert_memory",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "delete_memory",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "create_memory_store",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
    (
        "delete_memory_store",
        "gen_ai.memory.client",
        SpanKind::Client,
        "",
    ),
];

pub(crate) struct GenAi;

impl Domain for GenAi {
    fn attr(&self) -> &'static str {
        "traced_genai"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::field(OPERATION, OPERATION_KEY, Takes::LiteralField).example("chat"),
            Opt::field("provider", "gen_ai.provider.name", Takes::Field).example("openai"),
            Opt::field("model", MODEL_KEY, Takes::Field).example("gpt-4o"),
            Opt::field("agent", "gen_ai.agent.name", Takes::Field).example("Math Tutor"),
            Opt::field("tool", "gen_ai.tool.name", Takes::Field).example("get_weather"),
            Opt::field("data_source", "gen_ai.data_source.id", Takes::Field),
            Opt::field("workflow", "gen_ai.workflow.name", Takes::Field),
            Opt::new(CLIENT, Takes::Flag),
        ];
        OPTIONS
    }

    fn plan(&self, cx: &Ctxt, opts: &Options<'_>) -> Plan {
        // An operation that is not a member is reported by the enum check; without
        // one, checking against `chat` reports what a model call needs.
        let op = opts
            .get(OPERATION)
            .and_then(|g| g.literal())
            .and_then(|(name, _)| OPERATIONS.iter().find(|o| o.0 == name));
        let (name, mut definition, mut kind, _) = *op.unwrap_or(&OPERATIONS[0]);
        if let Some(flag) = opts.get(CLIENT) {
            if name == "invoke_agent" {
                // An agent behind a remote service (an assistants API) rather than
                // one running in this process.
                definition = "gen_ai.invoke_agent.client";
                kind = SpanKind::Client;
            } else {
                cx.error_spanned_by(
                    flag.name(),
                    "`client` is for `operation = \"invoke_agent\"` (a remote agent service); the other operations' kinds are fixed by the conventions",
                );
            }
        }
        let mut plan = Plan::new(kind);
        let client = kind == SpanKind::Client;
        if client {
            plan = plan.metric(DURATION);
        } else if let Some(metric) = internal_duration(definition) {
            plan = plan.metric(metric);
        }
        plan.definition = Some(definition);
        plan.filled = filled(definition);
        plan.declared = named_by(definition, CONTENT).to_vec();
        plan.outcome = outcome(client);
        plan
    }

    /// Content given as a field would be recorded whatever the capture setting.
    fn fields(&self, cx: &Ctxt, _opts: &Options<'_>, fields: &mut Vec<Field>, _plan: &mut Plan) {
        for f in fields.iter() {
            if CONTENT.contains(&f.key.as_str())
                && !matches!(f.record, crate::model::FieldRecord::Empty)
            {
                cx.error_spanned_by(
                    &f.key_tokens,
                    format_args!(
                        "`{}` is content, opt-in and off by default: record it in the body with `semtrace::genai::{}(|| json)` (or, for output messages, `GenAiResponse::output_messages`), which records only when `semtrace::genai::capture_content(true)` turned it on",
                        f.key,
                        if f.key == "gen_ai.system_instructions" {
                            "record_system_instructions"
                        } else {
                            "record_input_messages"
                        }
                    ),
                );
            }
        }
    }

    fn span_name(&self, fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        let Some(op) = field(fields, OPERATION_KEY) else {
            return SpanName::Static(super::fn_name(fn_name));
        };
        let op_name = lit_str(op).unwrap_or_else(|| super::fn_name(fn_name));
        let subject = OPERATIONS
            .iter()
            .find(|o| o.0 == op_name)
            .map(|o| o.3)
            .filter(|key| !key.is_empty())
            .and_then(|key| field(fields, key))
            .filter(|f| !matches!(f.record, crate::model::FieldRecord::Empty));
        match subject {
            Some(subject) => joined_name(&[op, subject], op_name),
            None => SpanName::Static(op_name),
        }
    }
}

/// The keys of [`FILLED`] that `definition` names (a tool call has no usage).
fn filled(definition: &str) -> &'static [&'static str] {
    named_by(definition, FILLED)
}

/// The keys of `keys` that `definition` names.
fn named_by(definition: &str, keys: &[&'static str]) -> &'static [&'static str] {
    let Some(def) = semtrace_semconv::spans::official(definition) else {
        return &[];
    };
    let keys: Vec<&'static str> = keys
        .iter()
        .copied()
        .filter(|k| def.requirement(k).is_some())
        .collect();
    // Once per annotated function, in the compiler's process.
    Box::leak(keys.into_boxed_slice())
}

/// The response's usage and response attributes on the span; for a client operation,
/// its token counts on `gen_ai.client.token.usage` (whose attributes are the client
/// metrics' — an agent's or a tool's duration has other ones); errors as every span.
fn outcome(client: bool) -> Outcome {
    let error = super::error_type();
    let mut outcome = Outcome::errors();
    outcome.metric = if client {
        quote!(#PRIVATE::MetricOutcome::genai(
            #error,
            (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_genai_tokens(),
        ))
    } else {
        quote!(#PRIVATE::MetricOutcome::of(#error))
    };
    outcome.status = quote! {
        (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_genai(__semtrace_span);
    };
    outcome.imports = quote!(GenAiSome as _, GenAiNone as _,);
    outcome
}
