//! Catalogue entries of semtrace's own middleware (`http::ServerLayer`,
//! `http::ClientLayer`, `http::ReqwestMiddleware`, `rpc::ServerLayer`,
//! `rpc::ClientLayer`). Unlike an annotated function's, a layer's entry is not
//! linked in: it is built once from the conventions' span and metric definitions,
//! for the attributes the layer records, and [registered](super::entry::register)
//! when the layer first wraps a service, so a program lists only the middleware it
//! applies. Its route or method is per call.

use semtrace_semconv::Registry;
use semtrace_semconv::spans::{Requirement, SpanKind};

use super::entry::{Attribute, Entry, Location, Metric, MetricAttribute, SpanName, Value};

/// What a middleware records, named by the conventions' definitions.
pub(crate) struct Middleware {
    /// The layer's type name (`ServerLayer`).
    pub(crate) function: &'static str,
    /// `http` or `rpc`.
    pub(crate) domain: &'static str,
    /// The naming rule of its spans.
    pub(crate) rule: &'static str,
    /// The name when the rule's parts are unknown.
    pub(crate) fallback: &'static str,
    pub(crate) kind: SpanKind,
    /// The registry's span definition (`span.http.server`).
    pub(crate) definition: &'static str,
    /// Attribute keys of the span, each per call unless in `literals`.
    pub(crate) attributes: &'static [&'static str],
    /// Attributes of the same value on every span.
    pub(crate) literals: &'static [(&'static str, &'static str)],
    /// The duration histogram.
    pub(crate) metric: &'static str,
    /// Attribute keys of the metric.
    pub(crate) metric_attributes: &'static [&'static str],
}

/// The entry of `m`, its types and requirement levels from the conventions; the
/// slices are leaked: one entry per middleware type, built once per process.
pub(crate) fn entry(m: &Middleware, location: Location) -> Entry {
    let registry = Registry::builtin();
    let definition = semtrace_semconv::spans::official(m.definition);
    let requirement = |key: &str| {
        definition
            .and_then(|d| d.requirement(key))
            .unwrap_or(Requirement::Recommended)
    };
    let attributes: Vec<Attribute> = m
        .attributes
        .iter()
        .map(|&key| Attribute {
            key,
            ty: registry
                .lookup(key)
                .map_or(semtrace_semconv::ValueType::String, |found| {
                    found.attribute.ty.value_type()
                }),
            requirement: requirement(key),
            value: m
                .literals
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Value::PerCall, |(_, v)| Value::Str(v)),
        })
        .collect();
    let metric = semtrace_semconv::metrics::builtin(m.metric).map(|d| {
        let attributes: Vec<MetricAttribute> = m
            .metric_attributes
            .iter()
            .map(|&key| MetricAttribute {
                key,
                requirement: d
                    .attributes
                    .iter()
                    .find(|a| a.key == key)
                    .map_or(Requirement::Recommended, |a| a.requirement),
            })
            .collect();
        Metric {
            name: d.name,
            unit: d.unit,
            brief: d.brief,
            attributes: Vec::leak(attributes),
        }
    });
    Entry {
        domain: m.domain,
        function: m.function,
        span_name: SpanName::Rule {
            rule: m.rule,
            fallback: m.fallback,
        },
        kind: m.kind,
        definition: definition.map(|d| d.id),
        level: "INFO",
        attributes: Vec::leak(attributes),
        metric,
        location,
    }
}

/// `fn register_entry()`: adds the middleware's entry (built from `$middleware` and
/// located where the macro is invoked) to the catalogue, the first time it is called;
/// later calls cost one atomic load.
macro_rules! middleware_entry {
    ($middleware:expr) => {
        fn register_entry() {
            static ENTRY: std::sync::LazyLock<$crate::catalogue::Entry> =
                std::sync::LazyLock::new(|| {
                    $crate::catalogue::middleware::entry(
                        &$middleware,
                        $crate::catalogue::Location {
                            module_path: module_path!(),
                            file: file!(),
                            line: line!(),
                        },
                    )
                });
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| $crate::catalogue::register(&ENTRY));
        }
    };
}
pub(crate) use middleware_entry;
