//! The registry's groups as read from YAML, before resolution: what span and metric
//! definitions are both built from.
//!
//! [`crate::spans`] and [`crate::metrics`] each read files into one [`Raw`] and resolve
//! it their way; the attribute lists (`extends`, `ref`, `ref_group`) resolve here, the
//! way Weaver resolves them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_yaml_ng::Value;

use crate::load::{LoadError, one_line, parse_deprecation, parse_stability};
use crate::model::{
    Deprecation, Instrument, Requirement, SpanAttribute, SpanDefinition, SpanKind, Stability,
};

/// One entry of an `attributes:` list.
#[derive(Clone, Debug)]
enum Entry {
    /// `ref:` or `id:`/`key:` (a definition counts as a reference to itself), with its
    /// level when the entry states one.
    Attr(String, Option<Requirement>),
    /// `ref_group:`.
    Group(String),
}

/// A group as read, before resolution.
#[derive(Clone, Debug)]
struct Group {
    file: std::path::PathBuf,
    /// `extends` (groups) or `ref` (span refinements).
    base: Option<String>,
    /// Whether this is a span definition.
    span: bool,
    /// Its own kind (a refinement takes its base's).
    kind: Option<SpanKind>,
    /// For a metric definition: its name, instrument, unit and the rest.
    metric: Option<MetricMeta>,
    entries: Vec<Entry>,
}

/// Groups as read from one or more files, resolved on demand: span definitions by
/// [`Raw::resolve`], metric groups by [`Raw::metric_groups`] (which
/// [`crate::metrics`] turns into definitions).
#[derive(Default)]
pub(crate) struct Raw {
    groups: HashMap<String, Group>,
    /// Span ids in the order read.
    spans: Vec<String>,
    /// Metric group ids in the order read.
    metrics: Vec<String>,
}

impl Raw {
    pub(crate) fn read(&mut self, text: &str, origin: &Path) -> Result<(), LoadError> {
        let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| LoadError::yaml(origin, &e))?;
        let list = |name: &str| match doc.get(name) {
            Some(Value::Sequence(items)) => items.as_slice(),
            _ => &[],
        };
        for g in list("groups") {
            let ty = str_of(g, "type");
            let span = ty == Some("span");
            self.add(g, "id", "extends", span, origin)?;
            if ty == Some("metric") {
                self.add_metric(g, "metric_name", origin)?;
            }
        }
        for g in list("metrics") {
            // `definition/2`: the metric's name is its id.
            self.add(g, "name", "extends", false, origin)?;
            self.add_metric(g, "name", origin)?;
        }
        for g in list("attribute_groups") {
            self.add(g, "id", "extends", false, origin)?;
        }
        for g in list("spans") {
            self.add(g, "type", "extends", true, origin)?;
        }
        for g in list("span_refinements") {
            self.add(g, "id", "ref", true, origin)?;
        }
        Ok(())
    }

    fn add(
        &mut self,
        g: &Value,
        id_key: &str,
        base_key: &str,
        span: bool,
        origin: &Path,
    ) -> Result<(), LoadError> {
        let Some(id) = str_of(g, id_key) else {
            return Err(LoadError::new(origin, format!("a group has no `{id_key}`")));
        };
        let kind = match str_of(g, "span_kind").or_else(|| str_of(g, "kind")) {
            Some(k) if span => Some(SpanKind::from_registry(k).ok_or_else(|| {
                LoadError::new(
                    origin,
                    format!("span `{id}` has unknown kind `{k}`; expected client, server, producer, consumer or internal"),
                )
            })?),
            _ => None,
        };
        let mut entries = Vec::new();
        if let Some(Value::Sequence(items)) = g.get("attributes") {
            for item in items {
                if let Some(group) = str_of(item, "ref_group") {
                    entries.push(Entry::Group(group.to_owned()));
                    continue;
                }
                let Some(key) = str_of(item, "ref")
                    .or_else(|| str_of(item, "id"))
                    .or_else(|| str_of(item, "key"))
                else {
                    return Err(LoadError::new(
                        origin,
                        format!("an attribute of `{id}` has no `ref`, `ref_group`, `id` or `key`"),
                    ));
                };
                let level = match item.get("requirement_level") {
                    None => None,
                    Some(v) => Some(requirement(v).ok_or_else(|| {
                        LoadError::new(
                            origin,
                            format!("`{key}` in `{id}` has an unknown requirement level; expected required, conditionally_required, recommended or opt_in"),
                        )
                    })?),
                };
                entries.push(Entry::Attr(key.to_owned(), level));
            }
        }
        let group = Group {
            file: origin.to_path_buf(),
            base: str_of(g, base_key).map(str::to_owned),
            span,
            kind,
            metric: None,
            entries,
        };
        if let Some(first) = self.groups.get(id) {
            return Err(LoadError::new(
                origin,
                format!(
                    "group `{id}` is already defined in {}",
                    first.file.display()
                ),
            ));
        }
        if span {
            self.spans.push(id.to_owned());
        }
        self.groups.insert(id.to_owned(), group);
        Ok(())
    }

    /// Marks the group just added (`g`'s id) as a metric definition.
    fn add_metric(&mut self, g: &Value, name_key: &str, origin: &Path) -> Result<(), LoadError> {
        let id = str_of(g, "id")
            .or_else(|| str_of(g, "name"))
            .unwrap_or_default();
        let meta = MetricMeta::read(g, name_key, origin)?;
        if let Some(group) = self.groups.get_mut(id) {
            group.metric = Some(meta);
            self.metrics.push(id.to_owned());
        }
        Ok(())
    }

    /// The metric groups read, with their resolved attributes, in the order read.
    pub(crate) fn metric_groups(
        &self,
    ) -> Result<Vec<(&MetricMeta, &'static [SpanAttribute])>, LoadError> {
        let mut out = Vec::with_capacity(self.metrics.len());
        for id in &self.metrics {
            let Some(meta) = self.groups.get(id).and_then(|g| g.metric.as_ref()) else {
                continue;
            };
            out.push((meta, self.resolved(id)?));
        }
        Ok(out)
    }

    /// The attributes of group `id`, resolved and sorted by key.
    fn resolved(&self, id: &str) -> Result<&'static [SpanAttribute], LoadError> {
        let mut attrs: Vec<(String, Requirement)> = Vec::new();
        let mut seen = HashSet::new();
        self.attributes_of(id, &mut attrs, &mut seen)?;
        let mut attributes: Vec<SpanAttribute> = attrs
            .into_iter()
            .map(|(key, requirement)| SpanAttribute {
                key: leak(key),
                requirement,
            })
            .collect();
        attributes.sort_by(|a, b| a.key.cmp(b.key));
        Ok(Box::leak(attributes.into_boxed_slice()))
    }

    pub(crate) fn resolve(&self) -> Result<Vec<SpanDefinition>, LoadError> {
        let mut out = Vec::with_capacity(self.spans.len());
        for id in &self.spans {
            let attributes = self.resolved(id)?;
            let kind = self.kind_of(id);
            out.push(SpanDefinition {
                id: leak(id.clone()),
                kinds: match kind {
                    Some(k) => Box::leak(Box::new([k])),
                    None => &[],
                },
                attributes,
            });
        }
        out.sort_by(|a, b| a.id.cmp(b.id));
        Ok(out)
    }

    /// A span's kind, or the kind of the span it refines.
    fn kind_of(&self, id: &str) -> Option<SpanKind> {
        let mut at = self.groups.get(id)?;
        for _ in 0..16 {
            if let (true, Some(kind)) = (at.span, at.kind) {
                return Some(kind);
            }
            at = self.groups.get(at.base.as_deref()?)?;
        }
        None
    }

    /// Appends the resolved attributes of group `id`; a later entry of a key
    /// overrides an earlier one's level when it states one.
    fn attributes_of(
        &self,
        id: &str,
        out: &mut Vec<(String, Requirement)>,
        visiting: &mut HashSet<String>,
    ) -> Result<(), LoadError> {
        let Some(group) = self.groups.get(id) else {
            // A group of another registry (a user's file may extend an official one
            // that is not loaded with it): nothing to add.
            return Ok(());
        };
        if !visiting.insert(id.to_owned()) {
            return Err(LoadError::new(
                &group.file,
                format!("group `{id}` extends or includes itself"),
            ));
        }
        if let Some(base) = &group.base {
            self.attributes_of(base, out, visiting)?;
        }
        for entry in &group.entries {
            match entry {
                Entry::Group(g) => self.attributes_of(g, out, visiting)?,
                Entry::Attr(key, level) => {
                    if let Some(existing) = out.iter_mut().find(|(k, _)| k == key) {
                        if let Some(level) = level {
                            existing.1 = *level;
                        }
                    } else {
                        out.push((key.clone(), level.unwrap_or(Requirement::Recommended)));
                    }
                }
            }
        }
        visiting.remove(id);
        Ok(())
    }
}

pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `required`, `opt_in`, `recommended`, or a mapping `{conditionally_required: …}` /
/// `{recommended: …}` / `{opt_in: …}`.
fn requirement(v: &Value) -> Option<Requirement> {
    let name = match v {
        Value::String(s) => s.as_str(),
        Value::Mapping(m) if m.len() == 1 => m.keys().next()?.as_str()?,
        _ => return None,
    };
    Some(match name {
        "required" => Requirement::Required,
        "conditionally_required" => Requirement::ConditionallyRequired,
        "recommended" => Requirement::Recommended,
        "opt_in" => Requirement::OptIn,
        _ => return None,
    })
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// What a metric group says about the metric itself, before its attributes resolve.
#[derive(Clone, Debug)]
pub(crate) struct MetricMeta {
    pub(crate) name: String,
    pub(crate) instrument: Instrument,
    pub(crate) unit: String,
    pub(crate) brief: String,
    pub(crate) stability: Stability,
    pub(crate) deprecated: Option<Deprecation>,
}

impl MetricMeta {
    pub(crate) fn read(g: &Value, name_key: &str, origin: &Path) -> Result<Self, LoadError> {
        let Some(name) = str_of(g, name_key) else {
            return Err(LoadError::new(
                origin,
                format!("a metric group has no `{name_key}`"),
            ));
        };
        let instrument = match str_of(g, "instrument") {
            Some(i) => Instrument::from_registry(i).ok_or_else(|| {
                LoadError::new(
                    origin,
                    format!(
                        "metric `{name}` has unknown instrument `{i}`; expected counter, updowncounter, histogram or gauge"
                    ),
                )
            })?,
            None => {
                return Err(LoadError::new(
                    origin,
                    format!("metric `{name}` has no `instrument`"),
                ));
            }
        };
        let unit = str_of(g, "unit").unwrap_or("1");
        let brief = str_of(g, "brief").map(one_line).unwrap_or_default();
        let stability = g
            .get("stability")
            .and_then(parse_stability)
            .unwrap_or(Stability::Development);
        let deprecated = match g.get("deprecated") {
            None => None,
            Some(v) => parse_deprecation(v, name).map_err(|m| LoadError::new(origin, m))?,
        };
        Ok(Self {
            name: name.to_owned(),
            instrument,
            unit: unit.to_owned(),
            brief,
            stability,
            deprecated,
        })
    }
}
