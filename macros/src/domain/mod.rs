//! One description per macro. A domain says which options it takes and the keys they
//! stand for, which span kind and registry span definition it produces, how the span
//! is named, which fields it declares for `record!` and the outcome, and how the
//! outcome and trace context are handled. Everything else (parsing, the checks,
//! the expansion) is shared, so a new domain is one file here plus an entry point.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote};
use semtrace_semconv::spans::SpanKind;
use syn::{Expr, Ident};

use crate::ctxt::Ctxt;
use crate::model::{Field, FieldRecord, Opt, Options, Side, Takes};
use crate::parse;
use crate::private::PRIVATE;

pub(crate) mod db;
pub(crate) mod genai;
pub(crate) mod graphql;
pub(crate) mod http;
pub(crate) mod messaging;
pub(crate) mod rpc;
pub(crate) mod task;
pub(crate) mod traced;

// Options every macro takes.
pub(crate) const NAME: &str = "name";
pub(crate) const LEVEL: &str = "level";
pub(crate) const LINKS: &str = "links";
pub(crate) const METRICS: &str = "metrics";
pub(crate) const COMMON: [Opt; 4] = [
    Opt::new(NAME, Takes::Str),
    Opt::new(LEVEL, Takes::Str),
    Opt::new(LINKS, Takes::Expr),
    Opt::new(METRICS, Takes::Bool),
];

/// How the span meets trace context from elsewhere.
pub(crate) enum Context {
    None,
    /// The carrier's context becomes the parent (read before the span starts); the
    /// option's name, for messages.
    Parent(Expr, &'static str),
    /// The span's context is written into the carrier.
    Inject(Expr),
    /// Each received carrier becomes a link.
    LinkReceived(Expr),
}

/// What the expansion records from the call's outcome beyond the error every span
/// records. Domains build it ([`Outcome::errors`], or their own in their file, as
/// `http.rs` and `rpc.rs` do), so the expansion knows no protocol's rules.
///
/// The tokens run where the expansion has bound `__semtrace_span` (the `&Span`) and
/// `__semtrace_out` (a reference to the call's output).
pub(crate) struct Outcome {
    /// Statements before the error is recorded: the protocol's status on the span. A
    /// `return` skips recording the error.
    pub(crate) status: TokenStream,
    /// The `__private` traits `status` calls, each as `Name as _,`, for the
    /// expansion's `use` list.
    pub(crate) imports: TokenStream,
    /// The metric's outcome: a `MetricOutcome` expression.
    pub(crate) metric: TokenStream,
}

impl Outcome {
    /// Errors only: the span's error status and `error.type`, the metric's error type.
    pub(crate) fn errors() -> Self {
        let error = error_type();
        Self {
            status: TokenStream::new(),
            imports: TokenStream::new(),
            metric: quote!(#PRIVATE::MetricOutcome::of(#error)),
        }
    }
}

/// The output's error type (`None` when the call succeeded): what every metric
/// outcome starts from.
pub(crate) fn error_type() -> TokenStream {
    quote!((&&&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_error_type())
}

/// What a domain decided from its options.
pub(crate) struct Plan {
    pub(crate) side: Option<Side>,
    /// `Internal` spans declare no `otel.kind` (tracing-opentelemetry's default).
    pub(crate) kind: SpanKind,
    /// The registry span definition the span follows.
    pub(crate) definition: Option<&'static str>,
    pub(crate) context: Context,
    pub(crate) outcome: Outcome,
    /// Keys semtrace fills in from the outcome: declared empty, and given as far as
    /// the definition's requirements go.
    pub(crate) filled: &'static [&'static str],
    /// More fields declared empty for `record!`.
    pub(crate) declared: Vec<&'static str>,
    /// Required keys the macro cannot know (per request: the URL's path), with why;
    /// they are not demanded at compile time.
    pub(crate) per_call: &'static [&'static str],
    /// Fields the domain adds, spanned on the option that decided them and naming it.
    pub(crate) fields: Vec<(parse::FieldArg, &'static str)>,
    /// A database query recorded at run time.
    pub(crate) query: Option<db::query::RuntimeQuery>,
    /// The registry metric (a duration histogram) each call records, with the
    /// option that chose it when one did (`metric = "…"` on `#[traced]`).
    pub(crate) metric: Option<(String, Option<Expr>)>,
    /// An HTTP client's `server.address` / `server.port` come from its `url`, known
    /// only per call.
    pub(crate) server_from_url: bool,
    /// An HTTP server span: while `semtrace::http::ServerLayer`'s span for the
    /// request is current, the function adds to it instead of making a second one.
    pub(crate) adopt_server: bool,
}

impl Plan {
    /// Records the conventions' metric `name` for each call.
    pub(crate) fn metric(mut self, name: &str) -> Self {
        self.metric = Some((name.to_owned(), None));
        self
    }

    pub(crate) fn new(kind: SpanKind) -> Self {
        Self {
            side: None,
            kind,
            definition: None,
            context: Context::None,
            outcome: Outcome::errors(),
            filled: &[],
            declared: Vec::new(),
            per_call: &[],
            fields: Vec::new(),
            query: None,
            metric: None,
            server_from_url: false,
            adopt_server: false,
        }
    }
}

/// The span's name.
pub(crate) enum SpanName {
    Static(String),
    /// Known only at run time: a static name for `tracing` plus `otel.name`.
    Dynamic {
        fallback: String,
        format: TokenStream,
        /// How the name is made, for the catalogue: each part a literal or `{key}`.
        rule: String,
    },
}

/// One macro.
pub(crate) trait Domain {
    /// The attribute's name, for messages: `traced_db`.
    fn attr(&self) -> &'static str;
    /// Its own options ([`COMMON`] ones come on top).
    fn options(&self) -> &'static [Opt];
    /// Side, kind, span definition, context and outcome, from the options.
    fn plan(&self, cx: &Ctxt, opts: &Options<'_>) -> Plan;
    /// Rules over the checked fields (the database query).
    fn fields(&self, _cx: &Ctxt, _opts: &Options<'_>, _fields: &mut Vec<Field>, _plan: &mut Plan) {}
    /// The span-name rule, when the `name` option is not given.
    fn span_name(&self, fields: &[Field], plan: &Plan, fn_name: &Ident) -> SpanName;
}

/// The field `key` among `fields`.
pub(crate) fn field<'a>(fields: &'a [Field], key: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.key == key)
}

/// The string literal a field was given, if it was.
pub(crate) fn lit_str(field: &Field) -> Option<String> {
    match &field.record {
        FieldRecord::Literal(e) => parse::literal(e).and_then(parse::Lit::str_value),
        _ => None,
    }
}

/// A name made of `parts` joined by spaces: static when every part is a literal,
/// else formatted at run time with `fallback` as the static name.
pub(crate) fn joined_name(parts: &[&Field], fallback: String) -> SpanName {
    let lits: Option<Vec<String>> = parts.iter().map(|f| lit_str(f)).collect();
    if let Some(lits) = lits {
        return SpanName::Static(lits.join(" "));
    }
    let args = parts.iter().map(|f| match &f.record {
        FieldRecord::Literal(e)
        | FieldRecord::Display(e)
        | FieldRecord::Checked { expr: e, .. } => e.to_token_stream(),
        FieldRecord::Debug(e) => quote!(#PRIVATE::tracing::field::debug(&#e)),
        FieldRecord::Empty => quote!(""),
    });
    let fmt = vec!["{}"; parts.len()].join(" ");
    let rule = parts
        .iter()
        .map(|f| lit_str(f).unwrap_or_else(|| format!("{{{}}}", f.key)))
        .collect::<Vec<_>>()
        .join(" ");
    SpanName::Dynamic {
        fallback,
        rule,
        format: quote!(#PRIVATE::format_args!(#fmt, #(#args),*)),
    }
}

/// The function's name, as the span's default name.
pub(crate) fn fn_name(ident: &Ident) -> String {
    use syn::ext::IdentExt as _;
    ident.unraw().to_string()
}
