//! The catalogue's entries: what one annotated function registers, the linker-gathered
//! slice of them, and [`catalogue()`] that lists them.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use serde::ser::{SerializeMap as _, Serializer};

use semtrace_semconv::ValueType;
use semtrace_semconv::spans::{Requirement, SpanKind};

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

/// Every annotated function linked into this program, and every semtrace middleware
/// it has applied (`http::ServerLayer`, `http::ClientLayer`, `http::ReqwestMiddleware`,
/// `rpc::ServerLayer`, `rpc::ClientLayer`: an entry each, its route or method per
/// call), sorted by module path, file, line and function name.
///
/// The list is gathered by the linker (see the [module](mod@crate::catalogue)); the first call sorts
/// it once.
pub fn catalogue() -> &'static [Entry] {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(current) = state.current {
        return current;
    }
    let mut entries = CATALOGUE.to_vec();
    entries.sort_by(order);
    let current: &'static [Entry] = Vec::leak(entries);
    state.current = Some(current);
    current
}

fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    (a.location, a.function, a.span_name.as_str()).cmp(&(
        b.location,
        b.function,
        b.span_name.as_str(),
    ))
}

/// The sorted list [`catalogue()`] returns, and the middleware entries in it.
struct State {
    current: Option<&'static [Entry]>,
    #[cfg_attr(not(any(feature = "tower", feature = "tonic")), allow(dead_code))]
    registered: Vec<&'static Entry>,
}

/// The list is sorted once, and again each time a middleware type is first
/// applied (at most five times per process). Each list is leaked, and stays
/// valid, so that [`catalogue()`] can hand out `&'static` slices.
static STATE: Mutex<State> = Mutex::new(State {
    current: None,
    registered: Vec::new(),
});

/// Adds a middleware's entry to the catalogue, once however often it is called.
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) fn register(entry: &'static Entry) {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if state.registered.iter().any(|e| std::ptr::eq(*e, entry)) {
        return;
    }
    state.registered.push(entry);
    let mut entries = CATALOGUE.to_vec();
    entries.extend(state.registered.iter().copied().copied());
    entries.sort_by(order);
    state.current = Some(Vec::leak(entries));
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
