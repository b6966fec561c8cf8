//! The metric a call records: the domain's conventions histogram, or the registry
//! metric `#[traced(metric = "…")]` names, checked like a field (an unknown name is
//! an error with "did you mean"); and its attributes known at compile time.

use semtrace_semconv::metrics::Instrument;
use semtrace_semconv::spans::Requirement;
use semtrace_semconv::{Registry, ValueType};

use crate::ctxt::Ctxt;
use crate::domain::{METRICS, Plan};
use crate::model::{Field, FieldRecord, Options};
use crate::parse;

/// What the expansion writes into the call site's `static`.
pub(crate) struct MetricSpec {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) millis: bool,
    pub(crate) brief: &'static str,
    /// Attributes of the metric given as literals: `(key, literal)`.
    pub(crate) attributes: Vec<(String, syn::Expr)>,
    /// Attributes of the metric known only per call (`%value`, a checked string or
    /// int): their keys.
    pub(crate) dynamic: Vec<String>,
}

pub(crate) fn check(
    cx: &Ctxt,
    registry: &Registry,
    opts: &Options<'_>,
    plan: &Plan,
    fields: &[Field],
) -> Option<MetricSpec> {
    let (name, expr) = plan.metric.as_ref()?;
    if opts.get(METRICS).and_then(|g| g.bool()) == Some(false) {
        if let Some(expr) = expr {
            cx.error_spanned_by(
                expr,
                "`metric` names a metric to record, and `metrics = false` turns it off: give one of them",
            );
        }
        return None;
    }
    let Some(def) = registry.metric(name) else {
        let expr = expr.as_ref()?;
        let hint = registry
            .suggest_metric(name)
            .map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
        cx.error_spanned_by(
            expr,
            format_args!(
                "unknown metric `{name}`: not in the semantic-conventions registry or the crate's `semconv/` registry{hint}"
            ),
        );
        return None;
    };
    let millis = def.unit == "ms";
    if let Some(expr) = expr {
        if def.instrument != Instrument::Histogram {
            cx.error_spanned_by(
                expr,
                format_args!(
                    "metric `{name}` is {}: an annotated call records a duration histogram",
                    match def.instrument {
                        Instrument::UpDownCounter => "an up-down counter",
                        Instrument::Counter => "a counter",
                        Instrument::Gauge => "a gauge",
                        Instrument::Histogram => "a histogram",
                    }
                ),
            );
            return None;
        }
        if !millis && def.unit != "s" {
            cx.error_spanned_by(
                expr,
                format_args!(
                    "metric `{name}` is in `{}`: an annotated call records its duration, in `s` or `ms`",
                    def.unit
                ),
            );
            return None;
        }
    }
    let recorded = || {
        fields.iter().filter(|f| {
            def.requirement(&f.key)
                .is_some_and(|r| r != Requirement::OptIn)
        })
    };
    let attributes = recorded()
        .filter_map(|f| match &f.record {
            FieldRecord::Literal(e) if parse::literal(e).is_some() => {
                Some((f.key.clone(), e.clone()))
            }
            _ => None,
        })
        .collect();
    let dynamic = recorded()
        .filter(|f| match &f.record {
            FieldRecord::Display(_) => true,
            FieldRecord::Checked { ty, .. } => matches!(ty, ValueType::String | ValueType::Int),
            _ => false,
        })
        .map(|f| f.key.clone())
        .collect();
    Some(MetricSpec {
        name: def.name,
        unit: def.unit,
        millis,
        brief: def.brief,
        attributes,
        dynamic,
    })
}
