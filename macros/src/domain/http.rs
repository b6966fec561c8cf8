//! `#[traced_http]`: a server span `{method} {route}` (`span.http.server`) or, with
//! `client`, a client span `{method}` (`span.http.client`).

use quote::quote;
use semtrace_semconv::keys;
use semtrace_semconv::spans::SpanKind;
use syn::Ident;
use syn::spanned::Spanned as _;

use super::{Context, Domain, Outcome, Plan, SpanName, field, lit_str};
use crate::ctxt::Ctxt;
use crate::model::{Field, FieldRecord, Opt, Options, Side, Takes};
use crate::private::PRIVATE;

const CLIENT: &str = "client";
const PARENT: &str = "parent";

pub(crate) struct Http;

impl Domain for Http {
    fn attr(&self) -> &'static str {
        "traced_http"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::new(CLIENT, Takes::Flag),
            Opt::field("method", "http.request.method", Takes::LiteralField).example("GET"),
            Opt::field("route", "http.route", Takes::LiteralField).only(
                Side::Server,
                "`route` is for server spans; a client span records `url.full` (`url = …`)",
            ),
            Opt::field("url", "url.full", Takes::Field).only(
                Side::Client,
                "`url` is for client spans (add `client`); a server span records `http.route`",
            ),
            Opt::new(PARENT, Takes::Expr).only(
                Side::Server,
                "`parent` is for server spans: a client span's parent is the current span",
            ),
        ];
        OPTIONS
    }

    fn plan(&self, _cx: &Ctxt, opts: &Options<'_>) -> Plan {
        let side = if opts.get(CLIENT).is_some() {
            Side::Client
        } else {
            Side::Server
        };
        let mut plan = match side {
            Side::Server => {
                let mut plan = Plan::new(SpanKind::Server).metric("http.server.request.duration");
                plan.definition = Some("span.http.server");
                // Known per request, from the request the handler serves.
                plan.per_call = &["url.path", "url.scheme"];
                plan.adopt_server = true;
                if let Some(headers) = opts.get(PARENT).and_then(|g| g.value()) {
                    plan.context = Context::Parent(headers.clone(), PARENT);
                }
                plan
            }
            Side::Client => {
                let mut plan = Plan::new(SpanKind::Client).metric("http.client.request.duration");
                plan.definition = Some("span.http.client");
                plan.per_call = &["url.full", "server.address", "server.port"];
                plan
            }
        };
        plan.side = Some(side);
        plan.outcome = outcome(side);
        plan.filled = &[keys::HTTP_RESPONSE_STATUS_CODE];
        plan
    }

    /// A client's `server.address` and `server.port` come from its `url` unless
    /// given: at compile time from a literal, else per call.
    fn fields(&self, _cx: &Ctxt, _opts: &Options<'_>, fields: &mut Vec<Field>, plan: &mut Plan) {
        if plan.side != Some(Side::Client)
            || field(fields, keys::SERVER_ADDRESS).is_some()
            || field(fields, keys::SERVER_PORT).is_some()
        {
            return;
        }
        let Some(url) = field(fields, keys::URL_FULL) else {
            return;
        };
        let derived = match &url.record {
            FieldRecord::Literal(expr) => {
                let Some((host, port)) = lit_str(url)
                    .as_deref()
                    .and_then(semtrace_semconv::url::server)
                    .map(|(h, p)| (h.to_owned(), p))
                else {
                    return;
                };
                let span = expr.span();
                let host = syn::LitStr::new(&host, span);
                let mut derived =
                    vec![Field::given(keys::SERVER_ADDRESS, syn::parse_quote!(#host))];
                if let Some(port) = port {
                    let port = syn::LitInt::new(&port.to_string(), span);
                    derived.push(Field::given(keys::SERVER_PORT, syn::parse_quote!(#port)));
                }
                derived
            }
            FieldRecord::Display(_) | FieldRecord::Checked { .. } => {
                plan.server_from_url = true;
                vec![
                    Field::empty(keys::SERVER_ADDRESS),
                    Field::empty(keys::SERVER_PORT),
                ]
            }
            // `?url` is its `Debug` form: not a URL to read.
            FieldRecord::Debug(_) | FieldRecord::Empty => return,
        };
        fields.extend(derived);
    }

    fn span_name(&self, fields: &[Field], plan: &Plan, _fn_name: &Ident) -> SpanName {
        let method = field(fields, "http.request.method")
            .and_then(lit_str)
            .unwrap_or_else(|| "HTTP".to_owned());
        match (plan.side, field(fields, "http.route").and_then(lit_str)) {
            (Some(Side::Server), Some(route)) => SpanName::Static(format!("{method} {route}")),
            _ => SpanName::Static(method),
        }
    }
}

/// The returned status code is `http.response.status_code`, on the span and the
/// metric; a server fails on 5xx, a client on 4xx and 5xx.
fn outcome(side: Side) -> Outcome {
    let server = side == Side::Server;
    let error = super::error_type();
    Outcome {
        status: quote! {
            (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_status(__semtrace_span, #server);
        },
        imports: quote!(StatusNone as _, StatusSome as _,),
        metric: quote!(#PRIVATE::MetricOutcome::http(
            #error,
            (&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_http_code(),
            #server,
        )),
    }
}
