//! Checks the arguments against the registry and the domain's rules and turns them
//! into a [`Spec`] ready for expansion: a flat list of small named checks. Every
//! mistake is reported through the [`Ctxt`], spanned on the user's token; checking
//! goes on after a mistake so one compile shows them all.

use semtrace_semconv::spans::SpanKind;
use semtrace_semconv::{Registry, keys};
use syn::{Expr, Ident};

use crate::ctxt::Ctxt;
use crate::domain::{self, Context, Domain, LINKS, NAME, Outcome, Plan, SpanName};
use crate::model::Field;
use crate::parse::{Args, Fields};

pub(crate) mod catalogue;
mod fields;
pub(crate) mod metric;
mod options;
mod required;

pub(crate) use fields::article;

/// tracing's limit on the fields of one callsite.
const MAX_FIELDS: usize = 32;

/// Everything the expansion needs.
pub(crate) struct Spec {
    pub(crate) name: SpanName,
    /// `otel.kind`, or `None` for internal (tracing-opentelemetry's default).
    pub(crate) kind: Option<&'static str>,
    pub(crate) level: Ident,
    pub(crate) fields: Vec<Field>,
    pub(crate) outcome: Outcome,
    pub(crate) context: Context,
    /// `links = …`.
    pub(crate) links: Option<Expr>,
    /// A database query recorded at run time.
    pub(crate) query: Option<domain::db::query::RuntimeQuery>,
    /// The metric each call records.
    pub(crate) metric: Option<metric::MetricSpec>,
    /// An HTTP client's server comes from its `url` per call.
    pub(crate) server_from_url: bool,
    /// See `Plan::adopt_server`.
    pub(crate) adopt_server: bool,
    /// The function's entry in the telemetry catalogue.
    pub(crate) catalogue: catalogue::CatalogueSpec,
}

/// Checks a macro's arguments; `fn_name` is the default span name.
pub(crate) fn check(
    cx: &Ctxt,
    registry: &Registry,
    domain: &dyn Domain,
    args: &Args,
    fn_name: &Ident,
) -> Spec {
    let (opts, mut field_args) = options::collect(cx, registry, domain, args);
    let level = options::level(cx, &opts);
    let mut plan = domain.plan(cx, &opts);
    options::misplaced(cx, &opts, &plan);
    field_args.extend(options::fields(&opts, &plan));
    // Fields the domain decided (`messaging.operation.type`) come from an option.
    field_args.extend(plan.fields.drain(..).map(|(f, option)| (f, Some(option))));
    let mut fields = fields::check_all(cx, registry, &field_args);
    domain.fields(cx, &opts, &mut fields, &mut plan);
    // A key counts as given even when its value failed a check: that mistake is
    // already reported.
    let named: Vec<&str> = field_args
        .iter()
        .map(|(f, _)| f.key.text.as_str())
        .collect();
    required::check(cx, domain, &plan, &named);
    let name = match opts.get(NAME) {
        Some(g) => SpanName::Static(
            g.literal()
                .map_or_else(|| domain::fn_name(fn_name), |(s, _)| s),
        ),
        None => domain.span_name(&fields, &plan, fn_name),
    };
    let metric = metric::check(cx, registry, &opts, &plan, &fields);
    declare(&mut fields, &plan);
    let kind = (plan.kind != SpanKind::Internal).then(|| plan.kind.as_str());
    too_many_fields(cx, &fields, kind, &name, &plan);
    let catalogue = catalogue::entry(
        registry,
        domain.attr(),
        &plan,
        &name,
        &fields,
        metric.as_ref(),
    );
    Spec {
        name,
        kind,
        level,
        fields,
        outcome: plan.outcome,
        context: plan.context,
        links: opts.get(LINKS).and_then(|g| g.value()).cloned(),
        query: plan.query,
        metric,
        server_from_url: plan.server_from_url,
        adopt_server: plan.adopt_server,
        catalogue,
    }
}

/// Declares, empty, the fields semtrace fills from the outcome and those the domain
/// declares for `record!`, unless given.
fn declare(fields: &mut Vec<Field>, plan: &Plan) {
    let keys = plan
        .declared
        .iter()
        .chain(plan.filled)
        .copied()
        .chain(keys::OUTCOME);
    for key in keys {
        if !fields.iter().any(|f| f.key == key) {
            fields.push(Field::empty(key));
        }
    }
}

/// A span holds at most [`MAX_FIELDS`] fields, `otel.*` ones included.
fn too_many_fields(cx: &Ctxt, fields: &[Field], kind: Option<&str>, name: &SpanName, plan: &Plan) {
    let extra = usize::from(kind.is_some())
        + usize::from(matches!(name, SpanName::Dynamic { .. }))
        + usize::from(plan.query.as_ref().is_some_and(|q| q.name));
    let total = fields.len() + extra;
    if total > MAX_FIELDS {
        cx.syn_error(syn::Error::new(
            proc_macro2::Span::call_site(),
            format_args!(
                "too many fields: a span holds at most {MAX_FIELDS} fields, and this one would have {total}"
            ),
        ));
    }
}

/// Checks the fields of `record!`: the same checks as the attributes' fields.
pub(crate) fn check_record(cx: &Ctxt, registry: &Registry, input: &Fields) -> Vec<Field> {
    let args: Vec<_> = input.0.iter().cloned().map(|f| (f, None)).collect();
    fields::check_all(cx, registry, &args)
}
