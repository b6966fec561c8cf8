//! The registry's metric definitions: each metric's name, instrument, unit and the
//! attributes it is recorded with (with their requirement levels).
//!
//! Both ways the official registry writes them are read: `groups:` entries with
//! `type: metric` (`metric_name`, `instrument`, `unit`, `extends` an attribute group)
//! and `file_format: definition/2` files with a `metrics:` list (`name`). Attribute
//! lists resolve like span definitions' ([`crate::spans`]). `metric_refinements`
//! refine an existing metric name and add none, so they are not read.
//!
//! ```
//! use semtrace_semconv::metrics::{self, Instrument};
//! use semtrace_semconv::spans::Requirement;
//! use std::path::Path;
//!
//! let yaml = "
//! groups:
//!   - id: metric.app.checkout.duration
//!     type: metric
//!     metric_name: app.checkout.duration
//!     brief: Duration of a checkout.
//!     instrument: histogram
//!     unit: s
//!     stability: development
//!     attributes:
//!       - ref: app.tenant
//!         requirement_level: required
//! ";
//! let defs = metrics::parse_str(yaml, Path::new("shop.yaml"))?;
//! assert_eq!(defs[0].name, "app.checkout.duration");
//! assert_eq!(defs[0].instrument, Instrument::Histogram);
//! assert_eq!(defs[0].unit, "s");
//! assert_eq!(defs[0].requirement("app.tenant"), Some(Requirement::Required));
//! # Ok::<(), semtrace_semconv::load::LoadError>(())
//! ```

use std::path::Path;

use serde_yaml_ng::Value;

use crate::load::{LoadError, one_line, parse_deprecation, parse_stability};
use crate::spans::{Raw, Requirement, SpanAttribute, str_of};
use crate::{Deprecation, Stability};

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

/// What a metric group says about the metric itself, before its attributes resolve.
#[derive(Clone, Debug)]
pub(crate) struct MetricMeta {
    name: String,
    instrument: Instrument,
    unit: String,
    brief: String,
    stability: Stability,
    deprecated: Option<Deprecation>,
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

/// Parses one file's metric definitions, resolved against that file alone.
pub fn parse_str(text: &str, origin: &Path) -> Result<Vec<MetricDefinition>, LoadError> {
    let mut raw = Raw::default();
    raw.read(text, origin)?;
    resolve(&raw)
}

/// Reads the metric definitions of every `*.yaml` / `*.yml` file under `dir`, resolved
/// against each other, sorted by name. A name defined twice is an error.
pub fn load_dir(dir: &Path) -> Result<Vec<MetricDefinition>, LoadError> {
    let mut raw = Raw::default();
    for file in crate::load::registry_files(dir)? {
        let text = std::fs::read_to_string(&file).map_err(|e| LoadError::io(&file, "read", e))?;
        raw.read(&text, &file)?;
    }
    resolve(&raw)
}

fn resolve(raw: &Raw) -> Result<Vec<MetricDefinition>, LoadError> {
    let mut out: Vec<MetricDefinition> = raw
        .metric_groups()?
        .into_iter()
        .map(|(meta, attributes)| MetricDefinition {
            name: leak(meta.name.clone()),
            instrument: meta.instrument,
            unit: leak(meta.unit.clone()),
            brief: leak(meta.brief.clone()),
            stability: meta.stability,
            deprecated: meta.deprecated,
            attributes,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(b.name));
    if let Some(w) = out.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(LoadError::new(
            Path::new("metrics"),
            format!("metric `{}` is defined twice", w[0].name),
        ));
    }
    Ok(out)
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The metric `name` in a table sorted by name.
pub fn find(table: &'static [MetricDefinition], name: &str) -> Option<&'static MetricDefinition> {
    table
        .binary_search_by(|d| d.name.cmp(name))
        .ok()
        .map(|i| &table[i])
}

/// The built-in metric `name`: an official one ([`crate::generated::METRICS`]) or
/// semtrace's own ([`crate::generated::SEMTRACE_METRICS`]).
pub fn builtin(name: &str) -> Option<&'static MetricDefinition> {
    find(crate::generated::METRICS, name).or_else(|| find(crate::generated::SEMTRACE_METRICS, name))
}
