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

use crate::groups::Raw;
use crate::load::LoadError;

// The metric definition types live in the leaf `model`, which the generated tables also
// use; this module is their public home.
pub use crate::model::{Instrument, MetricDefinition};

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

/// The built-in metric `name`: the GenAI registry's ([`crate::generated::GENAI_METRICS`],
/// before v1.44.0's deprecated copies), an official one ([`crate::generated::METRICS`]) or
/// semtrace's own ([`crate::generated::SEMTRACE_METRICS`]).
pub fn builtin(name: &str) -> Option<&'static MetricDefinition> {
    find(crate::generated::GENAI_METRICS, name)
        .or_else(|| find(crate::generated::METRICS, name))
        .or_else(|| find(crate::generated::SEMTRACE_METRICS, name))
}
