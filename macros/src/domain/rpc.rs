//! `#[traced_rpc]`: a server span (`span.rpc.call.server`) or, with `client`, a client
//! span (`span.rpc.call.client`), named after the fully qualified method.

use quote::quote;
use semtrace_semconv::keys;
use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Context, Domain, Outcome, Plan, SpanName, field, joined_name};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options, Side, Takes};
use crate::private::PRIVATE;

const CLIENT: &str = "client";
const METHOD: &str = "method";
const PARENT: &str = "parent";
const CARRIER: &str = "carrier";

pub(crate) struct Rpc;

impl Domain for Rpc {
    fn attr(&self) -> &'static str {
        "traced_rpc"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::new(CLIENT, Takes::Flag),
            Opt::field("system", "rpc.system.name", Takes::Field).example("grpc"),
            Opt::field(METHOD, "rpc.method", Takes::Field).example("helloworld.Greeter/SayHello"),
            Opt::new(PARENT, Takes::Expr).only(
                Side::Server,
                "`parent` is for server spans: a client span's parent is the current span (`carrier = …` writes it into the outgoing metadata)",
            ),
            Opt::new(CARRIER, Takes::Expr).only(
                Side::Client,
                "`carrier` is for client spans: a server span reads its caller's context with `parent = metadata`",
            ),
        ];
        OPTIONS
    }

    fn plan(&self, cx: &Ctxt, opts: &Options<'_>) -> Plan {
        if let Some(g) = opts.get(METHOD)
            && let Some((method, expr)) = g.literal()
            && !qualified(&method)
        {
            cx.error_spanned_by(
                expr,
                format_args!("`method` is the fully qualified `service/method`, such as `helloworld.Greeter/SayHello`, not `{method}`"),
            );
        }
        let side = if opts.get(CLIENT).is_some() {
            Side::Client
        } else {
            Side::Server
        };
        let (kind, definition, context) = match side {
            Side::Server => (SpanKind::Server, "span.rpc.call.server", PARENT),
            Side::Client => (SpanKind::Client, "span.rpc.call.client", CARRIER),
        };
        let metric = match side {
            Side::Server => "rpc.server.call.duration",
            Side::Client => "rpc.client.call.duration",
        };
        let mut plan = Plan::new(kind).metric(metric);
        plan.side = Some(side);
        plan.definition = Some(definition);
        plan.outcome = outcome(side);
        plan.filled = &[keys::RPC_RESPONSE_STATUS_CODE];
        if let Some(expr) = opts.get(context).and_then(|g| g.value()) {
            plan.context = match side {
                Side::Server => Context::Parent(expr.clone(), PARENT),
                Side::Client => Context::Inject(expr.clone()),
            };
        }
        plan
    }

    fn span_name(&self, fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        let system = field(fields, "rpc.system.name");
        let fallback = system
            .and_then(super::lit_str)
            .unwrap_or_else(|| super::fn_name(fn_name));
        match field(fields, "rpc.method").or(system) {
            Some(f) => joined_name(&[f], fallback),
            None => SpanName::Static(fallback),
        }
    }
}

/// A returned gRPC status is `rpc.response.status_code`, on the span and the metric;
/// its code decides the error by the side's gRPC rules. When the status has decided,
/// the generic error is not recorded on top.
fn outcome(side: Side) -> Outcome {
    let server = side == Side::Server;
    let error = super::error_type();
    Outcome {
        status: quote! {
            if (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_rpc(__semtrace_span, #server) {
                return;
            }
        },
        imports: quote!(RpcNone as _, RpcSome as _,),
        metric: quote!(#PRIVATE::MetricOutcome::rpc(
            #error,
            (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_rpc_code(),
            #server,
        )),
    }
}

/// `package.Service/Method` (or `_OTHER`, the conventions' unknown method).
fn qualified(method: &str) -> bool {
    method == "_OTHER"
        || method.split_once('/').is_some_and(|(service, name)| {
            !service.is_empty() && !name.is_empty() && !name.contains('/')
        })
}
