//! `#[traced]`: a span of any kind, named after the function unless `name` says.

use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Domain, Plan, SpanName};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options, Takes, one_of};

const KIND: &str = "kind";
const METRIC: &str = "metric";

const KINDS: [SpanKind; 5] = [
    SpanKind::Internal,
    SpanKind::Server,
    SpanKind::Client,
    SpanKind::Producer,
    SpanKind::Consumer,
];

pub(crate) struct Traced;

impl Domain for Traced {
    fn attr(&self) -> &'static str {
        "traced"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[Opt::new(KIND, Takes::Str), Opt::new(METRIC, Takes::Str)];
        OPTIONS
    }

    fn plan(&self, cx: &Ctxt, opts: &Options<'_>) -> Plan {
        let mut kind = SpanKind::Internal;
        if let Some((given, expr)) = opts.get(KIND).and_then(|g| g.literal()) {
            if let Some(k) = KINDS.iter().find(|k| k.as_str() == given) {
                kind = *k;
            } else {
                let names: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
                cx.error_spanned_by(expr, one_of("span kind", &given, &names));
            }
        }
        let mut plan = Plan::new(kind);
        if let Some((name, expr)) = opts.get(METRIC).and_then(|g| g.literal()) {
            plan.metric = Some((name, Some(expr.clone())));
        }
        plan
    }

    fn span_name(&self, _fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        SpanName::Static(super::fn_name(fn_name))
    }
}
