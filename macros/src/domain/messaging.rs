//! `#[traced_messaging]`: a span of one messaging operation, named
//! `{operation} {destination}`. The operation's type picks the registry span
//! definition, the kind, and what the `carrier` does with trace context.

use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Context, Domain, Plan, SpanName, field, joined_name, lit_str};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options, Takes, one_of};
use crate::parse::{DottedKey, FieldArg, FieldValue, Sigil};

const OPERATION: &str = "operation";
const CARRIER: &str = "carrier";

/// `messaging.operation.type`, and what follows from it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpType {
    Create,
    Send,
    Receive,
    Process,
    Settle,
}

impl OpType {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Send => "send",
            Self::Receive => "receive",
            Self::Process => "process",
            Self::Settle => "settle",
        }
    }

    /// The span definition and the kind.
    ///
    /// `receive` is a consumer span, as semtrace's messaging spans have always been
    /// and as the consumers' tools expect; the v1.44.0 definition
    /// `messaging.receive.client` says client.
    const fn span(self) -> (&'static str, SpanKind) {
        match self {
            Self::Create => ("messaging.create.producer", SpanKind::Producer),
            Self::Send => ("messaging.send.producer", SpanKind::Producer),
            Self::Receive => ("messaging.receive.client", SpanKind::Consumer),
            Self::Process => ("messaging.process.consumer", SpanKind::Consumer),
            Self::Settle => ("messaging.settle.client", SpanKind::Client),
        }
    }
}

/// Operation names and their types: the five types, and the names the registry
/// gives as examples for them.
const OPERATIONS: &[(&str, OpType)] = &[
    ("send", OpType::Send),
    ("receive", OpType::Receive),
    ("process", OpType::Process),
    ("create", OpType::Create),
    ("settle", OpType::Settle),
    ("publish", OpType::Send),
    ("poll", OpType::Receive),
    ("consume", OpType::Process),
    ("ack", OpType::Settle),
    ("nack", OpType::Settle),
];

pub(crate) struct Messaging;

impl Domain for Messaging {
    fn attr(&self) -> &'static str {
        "traced_messaging"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::field("system", "messaging.system", Takes::Field).example("kafka"),
            Opt::field(OPERATION, "messaging.operation.name", Takes::LiteralField).example("send"),
            Opt::field("destination", "messaging.destination.name", Takes::Field).example("orders"),
            Opt::field(
                "destination_template",
                "messaging.destination.template",
                Takes::Field,
            ),
            Opt::new(CARRIER, Takes::Expr),
        ];
        OPTIONS
    }

    fn plan(&self, cx: &Ctxt, opts: &Options<'_>) -> Plan {
        let given = opts.get(OPERATION);
        let op = given.and_then(|g| {
            let (name, expr) = g.literal()?;
            if let Some((_, t)) = OPERATIONS.iter().find(|(n, _)| *n == name) {
                Some((*t, g))
            } else {
                let names: Vec<&str> = OPERATIONS.iter().map(|(n, _)| *n).collect();
                cx.error_spanned_by(expr, one_of("messaging operation", &name, &names));
                None
            }
        });
        // Every messaging definition requires the same keys: without an operation,
        // checking against `send` reports the same missing ones.
        let (definition, kind) = op.map_or(OpType::Send, |(t, _)| t).span();
        let metric = match op {
            Some((OpType::Process, _)) => "messaging.process.duration",
            _ => "messaging.client.operation.duration",
        };
        let mut plan = Plan::new(kind).metric(metric);
        plan.definition = Some(definition);
        if let Some((t, g)) = op {
            let type_name = t.as_str();
            plan.fields.push((
                FieldArg {
                    key: DottedKey {
                        tokens: quote::ToTokens::to_token_stream(g.name()),
                        text: "messaging.operation.type".to_owned(),
                    },
                    value: Some(FieldValue {
                        sigil: Sigil::Value,
                        expr: syn::parse_quote!(#type_name),
                        literal_only: true,
                    }),
                },
                OPERATION,
            ));
            if let Some(carrier) = opts.get(CARRIER).and_then(|g| g.value()) {
                let carrier = carrier.clone();
                plan.context = match t {
                    OpType::Send | OpType::Create => Context::Inject(carrier),
                    OpType::Process => Context::Parent(carrier, CARRIER),
                    OpType::Receive | OpType::Settle => Context::LinkReceived(carrier),
                };
            }
        }
        plan
    }

    fn span_name(&self, fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        let op = field(fields, "messaging.operation.name");
        let destination = field(fields, "messaging.destination.template")
            .or_else(|| field(fields, "messaging.destination.name"));
        let parts: Vec<&Field> = op.into_iter().chain(destination).collect();
        // When the destination is known only at run time, the operation alone is the
        // static name.
        let fallback = op
            .and_then(lit_str)
            .unwrap_or_else(|| super::fn_name(fn_name));
        if parts.is_empty() {
            return SpanName::Static(fallback);
        }
        joined_name(&parts, fallback)
    }
}
