//! The service's telemetry catalogue: every span and metric its annotated functions
//! can emit, known at compile time.
//!
//! Each `#[traced_task]`, `#[traced_db]`, `#[traced_http]`, `#[traced_rpc]`,
//! `#[traced_messaging]`, `#[traced]`, `#[traced_genai]` and `#[traced_graphql]`
//! function registers one [`Entry`]: its domain, its span's name (or the rule the name
//! follows when it is known only per call), kind and registry span definition, every
//! attribute it declares (key, type, requirement level, literal value or "per call"),
//! the metric each call records with that metric's attributes, and where the function
//! is written. [`catalogue()`] lists them; `GET /tracing/catalogue` on the admin
//! routes (cargo feature `admin`) serves the same list as JSON.
//!
//! ```
//! #[semtrace::traced_task(task.type = "import")]
//! fn import() {}
//!
//! let entry = semtrace::catalogue()
//!     .iter()
//!     .find(|e| e.function == "import")
//!     .expect("registered");
//! assert_eq!(entry.domain, "task");
//! assert_eq!(entry.metric.map(|m| m.name), Some("task.duration"));
//! ```
//!
//! # How entries are gathered: at link time
//!
//! An entry is a `static` the macro writes next to the function, placed in a
//! `linkme` distributed slice: the linker gathers every
//! crate's entries into one contiguous section, and [`catalogue()`] reads that
//! section. Nothing runs before `main` (unlike `inventory`, whose entries are linked
//! into a list by constructors that run at program start, one per entry), and an
//! annotated call does nothing for its entry: the entry is data in the binary, not
//! code on the call's path. A function whose `cfg` is off has no entry.
//!
//! linkme works on Linux, macOS, Windows, illumos and the BSDs. As with any
//! link-time registration, a crate the final binary links none of (no function or
//! static of it is referenced) may be left out by the linker with its entries.
//!
//! # As a registry
//!
//! [`to_registry_yaml`] writes the catalogue as a Weaver-format registry
//! (`file_format: definition/2`) of spans and metrics that reference the
//! conventions' attributes, so a team can diff what a release emits against the last
//! one; semtrace's own registry loader reads it back.
//!
//! # A dashboard and alert rules
//!
//! [`grafana_dashboard`] writes a Grafana dashboard with a row per HTTP route, RPC
//! method, database operation and collection, messaging destination and task type
//! (rate, error ratio by `error.type`, p50/p95/p99), and [`prometheus_rules`] the
//! multi-window, multi-burn-rate alerts for the [`Slo`]s you declare on the HTTP
//! routes; both over the series names the Prometheus exporter writes.

use std::sync::OnceLock;

use serde::Serialize;
use serde::ser::{SerializeMap as _, Serializer};

pub use semtrace_semconv::ValueType;
pub use semtrace_semconv::spans::{Requirement, SpanKind};

mod dashboard;
mod exposition;
mod registry;
mod slo;
pub use dashboard::{DashboardOptions, TraceDatasource, grafana_dashboard};
pub use registry::to_registry_yaml;
pub use slo::{Slo, SloError, prometheus_rules};

/// The linker-gathered entries, in link order. (The declaration's `extern` block and
/// the elements' `#[link_section]`s are linkme's, expanded from its attribute, which
/// `unsafe_code` does not look into: the crate still forbids unsafe code of its own,
/// and so may a user crate.)
mod slice {
    use linkme::distributed_slice;

    #[distributed_slice]
    #[doc(hidden)]
    pub static CATALOGUE: [super::Entry];
}

#[doc(hidden)]
pub use slice::CATALOGUE;

/// One annotated function: the span it makes and the metric it records.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Entry {
    /// The domain: `task`, `db`, `http`, `rpc`, `messaging`, `traced`, `genai` or
    /// `graphql` (the macro's name without `traced_`).
    pub domain: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// The span's name, or the rule it is made by.
    pub span_name: SpanName,
    /// The span's kind.
    #[serde(serialize_with = "as_str::kind")]
    pub kind: SpanKind,
    /// The conventions' span definition the span follows (`span.db.client`), if any.
    pub definition: Option<&'static str>,
    /// The span's `tracing` level (`INFO`, `DEBUG`, …).
    pub level: &'static str,
    /// Every attribute the span declares, in the order the span declares them.
    pub attributes: &'static [Attribute],
    /// The metric each call records.
    pub metric: Option<Metric>,
    /// Where the function is written.
    pub location: Location,
}

/// A span's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanName {
    /// The same for every call.
    Static(&'static str),
    /// Made per call from attributes: `rule` writes each attribute as `{key}`
    /// (`"{db.operation.name} {db.collection.name}"`); `fallback` is the name of
    /// the `tracing` callsite, used where the rule's values are missing.
    Rule {
        /// How the name is made.
        rule: &'static str,
        /// The static name.
        fallback: &'static str,
    },
}

impl SpanName {
    /// The name, or the rule it is made by.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Static(s) => s,
            Self::Rule { rule, .. } => rule,
        }
    }
}

impl Serialize for SpanName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        match self {
            Self::Static(name) => map.serialize_entry("static", name)?,
            Self::Rule { rule, fallback } => {
                map.serialize_entry("rule", rule)?;
                map.serialize_entry("fallback", fallback)?;
            }
        }
        map.end()
    }
}

/// One attribute a span declares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attribute {
    /// The attribute's key.
    pub key: &'static str,
    /// Its type in the registry.
    #[serde(rename = "type", serialize_with = "as_str::value_type")]
    pub ty: ValueType,
    /// How strongly the conventions' span definition asks for it (`recommended`, the
    /// registry's default, when the definition does not name it).
    #[serde(serialize_with = "as_str::requirement")]
    pub requirement: Requirement,
    /// Its value.
    pub value: Value,
}

/// An attribute's value: a literal the annotation gives, or known per call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Known only per call: an argument, the outcome, or `record!` in the body.
    PerCall,
    /// A string literal.
    Str(&'static str),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Double(f64),
    /// `true` or `false`.
    Bool(bool),
}

impl Value {
    /// Whether the value is known only per call.
    pub const fn is_per_call(&self) -> bool {
        matches!(self, Self::PerCall)
    }
}

/// `"per call"`, or the literal as JSON.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::PerCall => s.serialize_str("per call"),
            Self::Str(v) => s.serialize_map(Some(1)).and_then(|mut m| {
                m.serialize_entry("literal", v)?;
                m.end()
            }),
            Self::Int(v) => s.serialize_map(Some(1)).and_then(|mut m| {
                m.serialize_entry("literal", &v)?;
                m.end()
            }),
            Self::Double(v) => s.serialize_map(Some(1)).and_then(|mut m| {
                m.serialize_entry("literal", &v)?;
                m.end()
            }),
            Self::Bool(v) => s.serialize_map(Some(1)).and_then(|mut m| {
                m.serialize_entry("literal", &v)?;
                m.end()
            }),
        }
    }
}

/// The duration histogram a function's calls record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// The metric's name in the registry (`http.server.request.duration`).
    pub name: &'static str,
    /// Its unit (`s` or `ms`).
    pub unit: &'static str,
    /// The registry's description.
    pub brief: &'static str,
    /// The attributes it is recorded with.
    pub attributes: &'static [MetricAttribute],
}

/// One attribute of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MetricAttribute {
    /// The attribute's key.
    pub key: &'static str,
    /// How strongly the metric's definition asks for it.
    #[serde(serialize_with = "as_str::requirement")]
    pub requirement: Requirement,
}

/// Where an annotated function is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The function's module (`my_service::db`).
    pub module_path: &'static str,
    /// The source file, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the function's annotation.
    pub line: u32,
}

/// Every annotated function linked into this program, sorted by module path, file,
/// line and function name.
///
/// The list is gathered by the linker (see the [module](self)); the first call sorts
/// it once.
pub fn catalogue() -> &'static [Entry] {
    static SORTED: OnceLock<Vec<Entry>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut entries = CATALOGUE.to_vec();
        entries.sort_by(|a, b| {
            (a.location, a.function, a.span_name.as_str()).cmp(&(
                b.location,
                b.function,
                b.span_name.as_str(),
            ))
        });
        entries
    })
}

/// The registry enums as the registry spells them.
#[allow(clippy::trivially_copy_pass_by_ref)] // `serialize_with` passes a reference
mod as_str {
    use serde::Serializer;

    use super::{Requirement, SpanKind, ValueType};

    pub(super) fn kind<S: Serializer>(k: &SpanKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.as_str())
    }

    pub(super) fn value_type<S: Serializer>(t: &ValueType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }

    pub(super) fn requirement<S: Serializer>(r: &Requirement, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.as_str())
    }
}
