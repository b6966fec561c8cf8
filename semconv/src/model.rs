//! The shape of one semantic-convention attribute.
//!
//! Every string is `&'static str`: the OpenTelemetry table is a `static`, and registries
//! loaded at compile time live for the whole compiler process (they are leaked once).

/// The value type an attribute is declared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `string`
    String,
    /// `int`
    Int,
    /// `double`
    Double,
    /// `boolean`
    Boolean,
    /// `any`: no constraint on the value.
    Any,
    /// `string[]`
    StringArray,
    /// `int[]`
    IntArray,
    /// `double[]`
    DoubleArray,
    /// `boolean[]`
    BooleanArray,
}

impl ValueType {
    /// The type as the registry spells it (`string`, `int[]`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Double => "double",
            Self::Boolean => "boolean",
            Self::Any => "any",
            Self::StringArray => "string[]",
            Self::IntArray => "int[]",
            Self::DoubleArray => "double[]",
            Self::BooleanArray => "boolean[]",
        }
    }

    /// Whether this is one of the array types.
    pub const fn is_array(self) -> bool {
        matches!(
            self,
            Self::StringArray | Self::IntArray | Self::DoubleArray | Self::BooleanArray
        )
    }

    /// Parses a registry type name (`string`, `int[]`, …).
    pub fn from_registry(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "int" => Self::Int,
            "double" => Self::Double,
            "boolean" => Self::Boolean,
            "any" => Self::Any,
            "string[]" => Self::StringArray,
            "int[]" => Self::IntArray,
            "double[]" => Self::DoubleArray,
            "boolean[]" => Self::BooleanArray,
            _ => return None,
        })
    }
}

/// One member of an enum attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumMember {
    /// The member's id (`postgresql`).
    pub id: &'static str,
    /// The member's value as written in the registry (`"postgresql"`, or `3` for int enums).
    pub value: &'static str,
    /// Whether the member itself is deprecated.
    pub deprecated: bool,
}

/// The declared type of an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// A primitive or array type.
    Value(ValueType),
    /// An enum. Enums are open: other values of `base` are allowed at run time.
    Enum {
        /// The members' value type (`string`, `int` or `double`).
        base: ValueType,
        /// The known members.
        members: &'static [EnumMember],
    },
}

impl AttrType {
    /// The type values are recorded with.
    pub const fn value_type(self) -> ValueType {
        match self {
            Self::Value(v) | Self::Enum { base: v, .. } => v,
        }
    }
}

/// Maturity of an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stability {
    /// `stable`
    Stable,
    /// `release_candidate`
    ReleaseCandidate,
    /// `development` (formerly `experimental`)
    Development,
}

/// Why an attribute is deprecated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeprecationReason {
    /// Replaced by another attribute (`renamed_to`).
    Renamed,
    /// Removed without a replacement.
    Obsoleted,
    /// Anything else; the note says more.
    Uncategorized,
}

/// A deprecation notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Deprecation {
    /// The category.
    pub reason: DeprecationReason,
    /// The replacement attribute, for [`DeprecationReason::Renamed`].
    pub renamed_to: Option<&'static str>,
    /// The registry's note, trimmed to one line (may be empty).
    pub note: &'static str,
}

/// One attribute of a registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// The attribute key. For a template attribute this is the prefix
    /// (`http.request.header`), matched by keys that continue with `.` and a suffix.
    pub key: &'static str,
    /// The declared type (for a template, the type of its values).
    pub ty: AttrType,
    /// Whether this is a `template[...]` attribute.
    pub template: bool,
    /// Maturity.
    pub stability: Stability,
    /// Present when the attribute is deprecated.
    pub deprecated: Option<Deprecation>,
}
