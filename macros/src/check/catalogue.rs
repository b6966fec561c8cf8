//! The function's entry in the service's telemetry catalogue: what the span and
//! metric carry, with each attribute's type and requirement level from the registry.
//! Expanded into a `static` by `expand::catalogue`.

use semtrace_semconv::spans::{self, Requirement};
use semtrace_semconv::{Registry, ValueType, keys};

use super::metric::MetricSpec;
use crate::domain::{Plan, SpanName};
use crate::model::{Field, FieldRecord};
use crate::parse;

/// A literal value, as the catalogue records it.
pub(crate) enum Literal {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// One attribute of the span.
pub(crate) struct Attribute {
    pub(crate) key: String,
    pub(crate) ty: ValueType,
    pub(crate) requirement: Requirement,
    /// `None`: known per call.
    pub(crate) value: Option<Literal>,
}

/// What the catalogue says of one function, beyond the rest of the `Spec`.
pub(crate) struct CatalogueSpec {
    /// `db`, `http`, …: the macro's name without `traced_`.
    pub(crate) domain: &'static str,
    pub(crate) definition: Option<&'static str>,
    /// How a name known per call is made (`{db.query.summary}`).
    pub(crate) rule: Option<String>,
    pub(crate) attributes: Vec<Attribute>,
    /// The metric's attribute keys with their requirement levels.
    pub(crate) metric_attributes: Vec<(String, Requirement)>,
}

/// The outcome's keys a metric may carry, when its definition names them.
const OUTCOME_KEYS: [&str; 2] = [
    keys::HTTP_RESPONSE_STATUS_CODE,
    keys::RPC_RESPONSE_STATUS_CODE,
];

pub(crate) fn entry(
    registry: &Registry,
    attr: &'static str,
    plan: &Plan,
    name: &SpanName,
    fields: &[Field],
    metric: Option<&MetricSpec>,
) -> CatalogueSpec {
    let definition = plan.definition.and_then(spans::official);
    // `otel.status_code` and the like are tracing-opentelemetry's spelling of the
    // span's status, not attributes of the conventions.
    let attributes = fields
        .iter()
        .filter(|f| !f.key.starts_with("otel."))
        .map(|f| Attribute {
            key: f.key.clone(),
            ty: registry
                .lookup(&f.key)
                .map_or(ValueType::Any, |m| m.attribute.ty.value_type()),
            requirement: definition
                .and_then(|d| d.requirement(&f.key))
                .unwrap_or(Requirement::Recommended),
            value: match &f.record {
                FieldRecord::Literal(e) => literal(e),
                _ => None,
            },
        })
        .collect();
    let rule = match name {
        SpanName::Dynamic { rule, .. } => Some(rule.clone()),
        SpanName::Static(_) if plan.query.as_ref().is_some_and(|q| q.name) => {
            Some(format!("{{{}}}", keys::DB_QUERY_SUMMARY))
        }
        SpanName::Static(_) => None,
    };
    let metric_attributes = metric
        .map(|m| metric_attributes(registry, m, plan))
        .unwrap_or_default();
    CatalogueSpec {
        domain: attr.strip_prefix("traced_").unwrap_or(attr),
        definition: plan.definition,
        rule,
        attributes,
        metric_attributes,
    }
}

/// The keys a call's metric is recorded with: the literal and per-call ones the
/// annotation gives, the URL's server, a run-time query's summary, and the outcome's.
fn metric_attributes(
    registry: &Registry,
    m: &MetricSpec,
    plan: &Plan,
) -> Vec<(String, Requirement)> {
    let Some(def) = registry.metric(m.name) else {
        return Vec::new();
    };
    let mut out: Vec<String> = m
        .attributes
        .iter()
        .map(|(k, _)| k.clone())
        .chain(m.dynamic.iter().cloned())
        .collect();
    if plan.server_from_url {
        out.extend([
            keys::SERVER_ADDRESS.to_owned(),
            keys::SERVER_PORT.to_owned(),
        ]);
    }
    if plan.query.is_some() {
        out.push(keys::DB_QUERY_SUMMARY.to_owned());
    }
    out.push(keys::ERROR_TYPE.to_owned());
    out.extend(
        OUTCOME_KEYS
            .iter()
            .filter(|k| def.requirement(k).is_some())
            .map(|k| (*k).to_owned()),
    );
    let mut seen = Vec::new();
    out.into_iter()
        .filter(|k| {
            let new = !seen.contains(k);
            seen.push(k.clone());
            new
        })
        .map(|k| {
            let r = def.requirement(&k).unwrap_or(Requirement::Recommended);
            (k, r)
        })
        .collect()
}

/// A literal as the catalogue records it; `None` for what is not one.
fn literal(expr: &syn::Expr) -> Option<Literal> {
    let lit = parse::literal(expr)?;
    let sign = if lit.negative { "-" } else { "" };
    Some(match lit.lit {
        syn::Lit::Str(s) if !lit.negative => Literal::Str(s.value()),
        syn::Lit::Int(i) => Literal::Int(format!("{sign}{}", i.base10_digits()).parse().ok()?),
        syn::Lit::Float(f) => {
            let v: f64 = format!("{sign}{}", f.base10_digits()).parse().ok()?;
            Literal::Double(v).finite()?
        }
        syn::Lit::Bool(b) if !lit.negative => Literal::Bool(b.value),
        _ => return None,
    })
}

impl Literal {
    fn finite(self) -> Option<Self> {
        match self {
            Self::Double(v) if !v.is_finite() => None,
            other => Some(other),
        }
    }
}
