//! Checking what a program emitted against the registry, in-process, in a test or on
//! a file: the same registry the macros check names against at compile time.
//! Findings are named as OpenTelemetry Weaver's `live-check` names them.
//!
//! ```
//! use semtrace_semconv::Registry;
//! use semtrace_semconv::live::{FindingKind, Observed, check_attribute};
//!
//! let registry = Registry::builtin();
//! let mut findings = Vec::new();
//! check_attribute(&registry, "GET /", "http.request.method", Observed::Int(1), &mut findings);
//! check_attribute(&registry, "GET /", "http.method", Observed::Str("GET"), &mut findings);
//! let kinds: Vec<_> = findings.iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, [FindingKind::TypeMismatch, FindingKind::Deprecated]);
//! ```

use std::fmt;

use crate::{AttrType, Registry, ValueType};

/// What is wrong with an attribute. Ordered by severity, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// The attribute is deprecated (the message names its replacement).
    Deprecated,
    /// The value is not a known member of an enum attribute (enums are open, so this
    /// may be fine).
    UndefinedEnumVariant,
    /// The attribute is in no registry.
    MissingAttribute,
    /// The value's type is not the attribute's.
    TypeMismatch,
    /// A span lacks an attribute its definition requires.
    RequiredAttributeNotPresent,
}

impl FindingKind {
    /// Every kind, lowest severity first.
    pub const ALL: [Self; 5] = [
        Self::Deprecated,
        Self::UndefinedEnumVariant,
        Self::MissingAttribute,
        Self::TypeMismatch,
        Self::RequiredAttributeNotPresent,
    ];

    /// The kind's name, as Weaver writes it (`type_mismatch`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deprecated => "deprecated",
            Self::UndefinedEnumVariant => "undefined_enum_variant",
            Self::MissingAttribute => "missing_attribute",
            Self::TypeMismatch => "type_mismatch",
            Self::RequiredAttributeNotPresent => "required_attribute_not_present",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: its kind, the attribute and the span it is about, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub kind: FindingKind,
    /// The attribute's key.
    pub attribute: String,
    /// The span's name.
    pub span: String,
    /// A sentence for people.
    pub message: String,
}

/// `kind attribute=KEY span="NAME": message`, one line.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} attribute={} span={:?}: {}",
            self.kind, self.attribute, self.span, self.message
        )
    }
}

/// An attribute value as it was emitted.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Observed<'a> {
    /// A string.
    Str(&'a str),
    /// An int.
    Int(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// A string array.
    StrArray,
    /// An int array.
    IntArray,
    /// A double array.
    DoubleArray,
    /// A boolean array.
    BoolArray,
    /// Bytes, maps or anything else the registry has no type for.
    Other,
}

impl Observed<'_> {
    /// The registry type this value has, if any.
    pub const fn value_type(&self) -> Option<ValueType> {
        Some(match self {
            Self::Str(_) => ValueType::String,
            Self::Int(_) => ValueType::Int,
            Self::Double(_) => ValueType::Double,
            Self::Bool(_) => ValueType::Boolean,
            Self::StrArray => ValueType::StringArray,
            Self::IntArray => ValueType::IntArray,
            Self::DoubleArray => ValueType::DoubleArray,
            Self::BoolArray => ValueType::BooleanArray,
            Self::Other => return None,
        })
    }
}

/// Checks one attribute of the span named `span` against `registry`, adding what is
/// wrong to `findings`.
pub fn check_attribute(
    registry: &Registry,
    span: &str,
    key: &str,
    value: Observed<'_>,
    findings: &mut Vec<Finding>,
) {
    let mut add = |kind, message: String| {
        findings.push(Finding {
            kind,
            attribute: key.to_owned(),
            span: span.to_owned(),
            message,
        });
    };
    let Some(found) = registry.lookup(key) else {
        let hint = registry
            .suggest(key)
            .map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
        add(
            FindingKind::MissingAttribute,
            format!("`{key}` is in no registry{hint}"),
        );
        return;
    };
    let attribute = found.attribute;
    if let Some(deprecation) = attribute.deprecated {
        let instead = match deprecation.renamed_to {
            Some(new) => format!("; use `{new}` instead"),
            None if deprecation.note.is_empty() => String::new(),
            None => format!(" ({})", deprecation.note),
        };
        add(
            FindingKind::Deprecated,
            format!("`{key}` is deprecated{instead}"),
        );
    }
    let declared = attribute.ty.value_type();
    let observed = value.value_type();
    if declared != ValueType::Any && observed != Some(declared) {
        let found = observed.map_or("a value of no registry type", ValueType::as_str);
        add(
            FindingKind::TypeMismatch,
            format!("`{key}` is {}, found {found}", article(declared)),
        );
        return;
    }
    // An enum whose only member is the `_OTHER` catch-all (`error.type`) lists no
    // values to hold others to.
    if let AttrType::Enum { members, .. } = attribute.ty
        && !members.iter().all(|m| m.value == "_OTHER")
    {
        let text = match value {
            Observed::Str(s) => s.to_owned(),
            Observed::Int(i) => i.to_string(),
            Observed::Double(d) => d.to_string(),
            _ => return,
        };
        if !members.iter().any(|m| m.value == text) {
            let known: Vec<_> = members
                .iter()
                .take(8)
                .map(|m| format!("`{}`", m.value))
                .collect();
            let more = if members.len() > 8 { ", …" } else { "" };
            add(
                FindingKind::UndefinedEnumVariant,
                format!(
                    "`{text}` is not a known value of `{key}` (known: {}{more})",
                    known.join(", ")
                ),
            );
        }
    }
}

fn article(ty: ValueType) -> String {
    match ty {
        ValueType::Int | ValueType::IntArray => format!("an `{}`", ty.as_str()),
        _ => format!("a `{}`", ty.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str, value: Observed<'_>) -> Vec<FindingKind> {
        let mut findings = Vec::new();
        check_attribute(&Registry::builtin(), "span", key, value, &mut findings);
        findings.into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn one_finding_per_mistake() {
        assert!(check("db.system.name", Observed::Str("postgresql")).is_empty());
        assert!(check("http.response.status_code", Observed::Int(200)).is_empty());
        assert!(check("http.request.header.x-id", Observed::StrArray).is_empty());
        assert_eq!(
            check("db.sytem", Observed::Str("x")),
            [FindingKind::MissingAttribute]
        );
        assert_eq!(
            check("http.response.status_code", Observed::Str("200")),
            [FindingKind::TypeMismatch]
        );
        assert_eq!(
            check("http.method", Observed::Str("GET")),
            [FindingKind::Deprecated]
        );
        assert_eq!(
            check("db.system.name", Observed::Str("postgress")),
            [FindingKind::UndefinedEnumVariant]
        );
        // `error.type` takes any type name; its enum only has the catch-all.
        assert!(check("error.type", Observed::Str("my::Error")).is_empty());
    }

    #[test]
    fn kinds_order_by_severity_and_round_trip() {
        assert!(FindingKind::Deprecated < FindingKind::TypeMismatch);
        for kind in FindingKind::ALL {
            assert_eq!(FindingKind::from_name(kind.as_str()), Some(kind));
        }
    }
}
