//! The shapes of the registry's definitions: attributes, span definitions and metric
//! definitions.
//!
//! A leaf: it imports nothing of the crate, so the generated tables, the loaders and the
//! lookups all point here and never at each other.
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

/// How strongly a span definition asks for an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Requirement {
    /// `required`: every span of this definition carries it.
    Required,
    /// `conditionally_required`: required when its condition holds.
    ConditionallyRequired,
    /// `recommended` (also the default).
    Recommended,
    /// `opt_in`: recorded only when asked for.
    OptIn,
}

impl Requirement {
    /// The level as the registry spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::ConditionallyRequired => "conditionally_required",
            Self::Recommended => "recommended",
            Self::OptIn => "opt_in",
        }
    }
}

/// A span kind, as the registry and OpenTelemetry name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpanKind {
    /// `client`
    Client,
    /// `server`
    Server,
    /// `producer`
    Producer,
    /// `consumer`
    Consumer,
    /// `internal`
    Internal,
}

impl SpanKind {
    /// The kind as the registry (and `otel.kind`) spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Producer => "producer",
            Self::Consumer => "consumer",
            Self::Internal => "internal",
        }
    }

    /// Parses a registry kind name.
    pub fn from_registry(s: &str) -> Option<Self> {
        Some(match s {
            "client" => Self::Client,
            "server" => Self::Server,
            "producer" => Self::Producer,
            "consumer" => Self::Consumer,
            "internal" => Self::Internal,
            _ => return None,
        })
    }
}

/// One attribute of a span definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanAttribute {
    /// The attribute key.
    pub key: &'static str,
    /// How strongly the definition asks for it.
    pub requirement: Requirement,
}

/// One span definition, its attributes resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanDefinition {
    /// The definition's id (`span.db.client`, `messaging.send.producer`).
    pub id: &'static str,
    /// The kinds a span of this definition may have (one, in today's registry).
    pub kinds: &'static [SpanKind],
    /// Every attribute, sorted by key.
    pub attributes: &'static [SpanAttribute],
}

impl SpanDefinition {
    /// The requirement level of `key`, when the definition names it.
    pub fn requirement(&self, key: &str) -> Option<Requirement> {
        self.attributes
            .binary_search_by(|a| a.key.cmp(key))
            .ok()
            .map(|i| self.attributes[i].requirement)
    }

    /// The keys every span of this definition must carry.
    pub fn required(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.requirement == Requirement::Required)
            .map(|a| a.key)
    }
}

/// The kind of instrument a metric is recorded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// `counter`: a monotonic sum.
    Counter,
    /// `updowncounter`: a sum that can go down.
    UpDownCounter,
    /// `histogram`: a distribution of measurements.
    Histogram,
    /// `gauge`: the last value.
    Gauge,
}

impl Instrument {
    /// The instrument as the registry spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::UpDownCounter => "updowncounter",
            Self::Histogram => "histogram",
            Self::Gauge => "gauge",
        }
    }

    /// Parses a registry instrument name.
    pub fn from_registry(s: &str) -> Option<Self> {
        Some(match s {
            "counter" => Self::Counter,
            "updowncounter" => Self::UpDownCounter,
            "histogram" => Self::Histogram,
            "gauge" => Self::Gauge,
            _ => return None,
        })
    }
}

/// One metric definition, its attributes resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricDefinition {
    /// The metric's name (`http.server.request.duration`).
    pub name: &'static str,
    /// Its instrument.
    pub instrument: Instrument,
    /// Its unit in UCUM (`s`, `By`, `{request}`).
    pub unit: &'static str,
    /// The registry's one-line description, used as the instrument's description.
    pub brief: &'static str,
    /// Maturity.
    pub stability: Stability,
    /// Present when the metric is deprecated.
    pub deprecated: Option<Deprecation>,
    /// Every attribute, sorted by key.
    pub attributes: &'static [SpanAttribute],
}

impl MetricDefinition {
    /// The requirement level of `key`, when the definition names it.
    pub fn requirement(&self, key: &str) -> Option<Requirement> {
        self.attributes
            .binary_search_by(|a| a.key.cmp(key))
            .ok()
            .map(|i| self.attributes[i].requirement)
    }

    /// The attributes recorded by default: every level but `opt_in`.
    pub fn default_attributes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.requirement != Requirement::OptIn)
            .map(|a| a.key)
    }
}
