//! Loading registries written in OpenTelemetry Weaver's YAML format.
//!
//! Two layouts are understood, as in the official registry:
//!
//! - files with `groups:`, whose `attribute_group`s define attributes with `id:` (entries
//!   with only `ref:` point at attributes defined elsewhere and are skipped);
//! - `file_format: definition/2` files with a top-level `attributes:` list whose entries
//!   use `key:`.
//!
//! Anything else in a file (span definitions, which [`crate::spans`] reads; metrics,
//! events, `brief`, `note`, `examples`, …) is ignored. Strings are leaked to
//! `&'static str` so loaded attributes share the static [`Attribute`] type of the
//! built-in tables; this runs once per compiler process.
//!
//! ```
//! use semtrace_semconv::{load, AttrType, ValueType};
//! use std::path::Path;
//!
//! let yaml = "
//! groups:
//!   - id: registry.app
//!     type: attribute_group
//!     brief: Application attributes.
//!     attributes:
//!       - id: app.user.tier
//!         type: string
//!         stability: development
//!         brief: The user's subscription tier.
//! ";
//! let attrs = load::parse_str(yaml, Path::new("semconv/app.yaml"))?;
//! assert_eq!(attrs[0].key, "app.user.tier");
//! assert_eq!(attrs[0].ty, AttrType::Value(ValueType::String));
//! # Ok::<(), load::LoadError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_yaml_ng::Value;

use crate::model::{
    AttrType, Attribute, Deprecation, DeprecationReason, EnumMember, Stability, ValueType,
};

/// What [`load_dir`] read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Every attribute defined in the directory, sorted by key, without duplicates.
    pub attributes: Vec<Attribute>,
    /// Every file read, in the order read (sorted paths). A build that depends on the
    /// registry should be re-run when one of them changes.
    pub files: Vec<PathBuf>,
}

/// Why a registry could not be loaded: names the file, the position when known, and the
/// problem.
///
/// Displays as `file:line:column: message` (or `file: message` without a position).
#[derive(Debug)]
pub struct LoadError {
    file: PathBuf,
    location: Option<(usize, usize)>,
    message: String,
    source: Option<std::io::Error>,
}

impl LoadError {
    pub(crate) fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            location: None,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(file: &Path, what: &str, err: std::io::Error) -> Self {
        Self {
            message: format!("cannot {what}: {err}"),
            source: Some(err),
            ..Self::new(file, "")
        }
    }

    pub(crate) fn yaml(file: &Path, err: &serde_yaml_ng::Error) -> Self {
        let location = err.location().map(|l| (l.line(), l.column()));
        let mut message = err.to_string();
        // The position goes in front, like a compiler's; drop serde_yaml_ng's own copy.
        if let Some((line, column)) = location {
            let position = format!(" at line {line} column {column}");
            if let Some(at) = message.find(&position) {
                message.replace_range(at..at + position.len(), "");
            }
        }
        // serde_yaml_ng prefixes the path inside the document (`groups[0].attributes[2]: `);
        // the position already says where, and our own messages name the attribute.
        if let Some((first, rest)) = message.split_once(": ")
            && !first.contains([' ', '`'])
            && (first.contains('[') || first.contains('.'))
        {
            let prefix = message.len() - rest.len();
            message.drain(..prefix);
        }
        Self {
            location,
            message,
            ..Self::new(file, "")
        }
    }

    /// The file the problem is in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The 1-based line and column of the problem, when known.
    pub fn location(&self) -> Option<(usize, usize)> {
        self.location
    }

    /// The problem, without the file name and position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Parses one registry file's text. `origin` names the file in errors.
///
/// Returns the attributes the file defines, sorted by key; a key defined twice is an
/// error. An empty file defines nothing.
pub fn parse_str(text: &str, origin: &Path) -> Result<Vec<Attribute>, LoadError> {
    let attrs = parse_unsorted(text, origin)?;
    sort_unique(attrs.into_iter().map(|a| (a, origin)).collect())
}

/// Reads every `*.yaml` / `*.yml` file under `dir`, recursively, in sorted path order.
///
/// Returns the attributes sorted by key (a key defined twice, in one file or two, is an
/// error) and the files read. Paths in errors and in [`Loaded::files`] start with `dir`
/// as given.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let files = registry_files(dir)?;
    let mut texts = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| LoadError::io(file, "read", e))?;
        texts.push(parse_unsorted(&text, file)?);
    }
    let tagged = texts
        .into_iter()
        .zip(&files)
        .flat_map(|(attrs, file)| attrs.into_iter().map(move |a| (a, file.as_path())))
        .collect();
    Ok(Loaded {
        attributes: sort_unique(tagged)?,
        files,
    })
}

/// Every `*.yaml` / `*.yml` file under `dir`, recursively, in sorted path order.
pub(crate) fn registry_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    Ok(files)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError::io(dir, "read directory", e))?;
    let mut paths = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LoadError::io(dir, "read directory", e))?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            out.push(path);
        }
    }
    Ok(())
}

fn sort_unique(mut attrs: Vec<(Attribute, &Path)>) -> Result<Vec<Attribute>, LoadError> {
    // Stable sort: of two duplicates, the one read first comes first.
    attrs.sort_by(|a, b| a.0.key.cmp(b.0.key));
    if let Some(w) = attrs.windows(2).find(|w| w[0].0.key == w[1].0.key) {
        let (first, second) = (w[0].1, w[1].1);
        let message = if first == second {
            format!("attribute `{}` is defined twice", w[1].0.key)
        } else {
            format!(
                "attribute `{}` is already defined in {}",
                w[1].0.key,
                first.display()
            )
        };
        return Err(LoadError::new(second, message));
    }
    Ok(attrs.into_iter().map(|(a, _)| a).collect())
}

fn parse_unsorted(text: &str, origin: &Path) -> Result<Vec<Attribute>, LoadError> {
    let file: Option<File> =
        serde_yaml_ng::from_str(text).map_err(|e| LoadError::yaml(origin, &e))?;
    let Some(file) = file else {
        return Ok(Vec::new());
    };
    Ok(file
        .groups
        .into_iter()
        .flat_map(|g| g.attributes)
        .chain(file.attributes)
        .filter_map(|entry| match entry {
            Entry::Definition(a) => Some(a),
            Entry::Reference => None,
        })
        .collect())
}

/// A registry file; unknown sections are ignored.
#[derive(Deserialize)]
#[serde(expecting = "a registry (a mapping with `groups:` or `attributes:`)")]
struct File {
    #[serde(default)]
    groups: Vec<Group>,
    /// `definition/2` files list attributes at the top level.
    #[serde(default)]
    attributes: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(expecting = "a group (a mapping with `id`, `type` and `attributes`)")]
struct Group {
    #[serde(default)]
    attributes: Vec<Entry>,
}

/// One item of an `attributes:` list.
enum Entry {
    Definition(Attribute),
    /// `ref:` to an attribute defined elsewhere.
    Reference,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute (a mapping with `id` or `key`, or a `ref`)")
    }

    // Validation happens here rather than after deserializing so that serde_yaml_ng
    // attaches the entry's line and column to the error.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut key: Option<String> = None;
        let mut reference = false;
        let mut ty: Option<Value> = None;
        let mut stability: Option<Value> = None;
        let mut deprecated: Option<Value> = None;
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                "id" | "key" => {
                    if key.is_some() {
                        return Err(de::Error::custom(
                            "attribute has both `id` and `key`; use one",
                        ));
                    }
                    key = Some(map.next_value()?);
                }
                "ref" => {
                    reference = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "type" => ty = Some(map.next_value()?),
                "stability" => stability = Some(map.next_value()?),
                "deprecated" => deprecated = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(key) = key else {
            if reference {
                return Ok(Entry::Reference);
            }
            return Err(de::Error::custom(
                "attribute has no `id` (or `key` in `definition/2` files)",
            ));
        };
        definition(key, ty, stability.as_ref(), deprecated.as_ref())
            .map(Entry::Definition)
            .map_err(de::Error::custom)
    }
}

fn definition(
    key: String,
    ty: Option<Value>,
    stability: Option<&Value>,
    deprecated: Option<&Value>,
) -> Result<Attribute, String> {
    if key.is_empty()
        || key.starts_with('.')
        || key.ends_with('.')
        || key.contains("..")
        || key.contains(char::is_whitespace)
    {
        return Err(format!(
            "invalid attribute key `{key}`; expected dot-separated lowercase names"
        ));
    }
    let ty = ty.ok_or_else(|| format!("attribute `{key}` has no `type`"))?;
    let (ty, template) = attr_type(&ty, &key)?;
    let stability = match stability {
        None => Stability::Development,
        Some(v) => parse_stability(v).ok_or_else(|| {
            format!(
                "unknown stability `{}` for `{key}`; expected stable, release_candidate or development",
                scalar(v)
            )
        })?,
    };
    let deprecated = match deprecated {
        None => None,
        Some(v) => parse_deprecation(v, &key)?,
    };
    Ok(Attribute {
        key: leak(key),
        ty,
        template,
        stability,
        deprecated,
    })
}

const EXPECTED_TYPES: &str = "string, int, double, boolean, any, string[], int[], double[], boolean[], template[...], or an enum";

fn attr_type(ty: &Value, key: &str) -> Result<(AttrType, bool), String> {
    let unknown = || {
        format!(
            "unknown attribute type `{}` for `{key}`; expected one of {EXPECTED_TYPES}",
            scalar(ty)
        )
    };
    match ty {
        Value::String(s) => {
            if let Some(inner) = s
                .strip_prefix("template[")
                .and_then(|rest| rest.strip_suffix(']'))
            {
                let v = ValueType::from_registry(inner).ok_or_else(unknown)?;
                Ok((AttrType::Value(v), true))
            } else {
                let v = ValueType::from_registry(s).ok_or_else(unknown)?;
                Ok((AttrType::Value(v), false))
            }
        }
        Value::Mapping(m) => {
            let members = m.get("members").ok_or_else(unknown)?;
            let (base, members) = enum_members(members, key)?;
            Ok((AttrType::Enum { base, members }, false))
        }
        _ => Err(unknown()),
    }
}

fn enum_members(members: &Value, key: &str) -> Result<(ValueType, &'static [EnumMember]), String> {
    let Value::Sequence(items) = members else {
        return Err(format!("enum `{key}`: `members` must be a list"));
    };
    if items.is_empty() {
        return Err(format!("enum `{key}` has no members"));
    }
    let mut base: Option<ValueType> = None;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = match item.get("id") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(format!("enum `{key}`: member {} has no `id`", i + 1)),
        };
        let (value, kind) = match item.get("value") {
            Some(Value::String(s)) => (s.clone(), ValueType::String),
            Some(Value::Number(n)) if n.is_f64() => (n.to_string(), ValueType::Double),
            Some(Value::Number(n)) => (n.to_string(), ValueType::Int),
            Some(other) => {
                return Err(format!(
                    "enum `{key}`: member `{id}` has value `{}`; expected a string, int or double",
                    scalar(other)
                ));
            }
            None => return Err(format!("enum `{key}`: member `{id}` has no `value`")),
        };
        base = Some(match (base, kind) {
            (None, k) => k,
            (Some(b), k) if b == k => b,
            // Ints among doubles are doubles.
            (Some(ValueType::Int | ValueType::Double), ValueType::Int | ValueType::Double) => {
                ValueType::Double
            }
            (Some(_), _) => {
                return Err(format!(
                    "enum `{key}` mixes string and numeric member values (member `{id}`)"
                ));
            }
        });
        let deprecated = !matches!(
            item.get("deprecated"),
            None | Some(Value::Null | Value::Bool(false))
        );
        out.push(EnumMember {
            id: leak(id),
            value: leak(value),
            deprecated,
        });
    }
    let base = base.unwrap_or(ValueType::String);
    Ok((base, Box::leak(out.into_boxed_slice())))
}

pub(crate) fn parse_stability(v: &Value) -> Option<Stability> {
    Some(match v.as_str()? {
        "stable" => Stability::Stable,
        "release_candidate" => Stability::ReleaseCandidate,
        // Older registries say `experimental` (and a few `alpha`/`beta`) for `development`.
        "development" | "experimental" | "alpha" | "beta" => Stability::Development,
        _ => return None,
    })
}

pub(crate) fn parse_deprecation(v: &Value, key: &str) -> Result<Option<Deprecation>, String> {
    match v {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(Deprecation {
            reason: DeprecationReason::Uncategorized,
            renamed_to: None,
            note: "",
        })),
        // Older registries give a free-text reason.
        Value::String(note) => Ok(Some(Deprecation {
            reason: DeprecationReason::Uncategorized,
            renamed_to: None,
            note: leak(one_line(note)),
        })),
        Value::Mapping(m) => {
            let renamed_to = match m.get("renamed_to") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(leak(s.trim().to_owned())),
                Some(other) => {
                    return Err(format!(
                        "`deprecated.renamed_to` of `{key}` must be an attribute key, not `{}`",
                        scalar(other)
                    ));
                }
            };
            let reason = match m.get("reason").map(Value::as_str) {
                None if renamed_to.is_some() => DeprecationReason::Renamed,
                Some(Some("renamed")) => DeprecationReason::Renamed,
                Some(Some("obsoleted")) => DeprecationReason::Obsoleted,
                None | Some(Some("uncategorized")) => DeprecationReason::Uncategorized,
                Some(_) => {
                    return Err(format!(
                        "unknown deprecation reason `{}` for `{key}`; expected renamed, obsoleted or uncategorized",
                        scalar(&m["reason"])
                    ));
                }
            };
            let note = match m.get("note") {
                Some(Value::String(s)) => leak(one_line(s)),
                _ => "",
            };
            Ok(Some(Deprecation {
                reason,
                renamed_to,
                note,
            }))
        }
        other => Err(format!(
            "`deprecated` of `{key}` must be a mapping (reason, renamed_to, note) or a string, not `{}`",
            scalar(other)
        )),
    }
}

/// A short rendering of a YAML value for messages.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Sequence(_) => "[...]".to_owned(),
        Value::Mapping(_) => "{...}".to_owned(),
        Value::Tagged(t) => scalar(&t.value),
    }
}

/// Collapses a (possibly folded, multi-line) note to one trimmed line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_notes() {
        assert_eq!(one_line("  a\n  b  c\n"), "a b c");
    }

    #[test]
    fn empty_file_defines_nothing() {
        assert_eq!(parse_str("", Path::new("x.yaml")).unwrap(), vec![]);
        assert_eq!(
            parse_str("# only a comment\n", Path::new("x.yaml")).unwrap(),
            vec![]
        );
    }
}
