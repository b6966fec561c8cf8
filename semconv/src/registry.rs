//! Lookups over one or more sorted attribute tables.

use crate::model::{Attribute, MetricDefinition};

/// The result of a successful lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// The attribute that matched.
    pub attribute: &'static Attribute,
    /// `true` when the key matched a template attribute by prefix.
    pub by_template: bool,
}

/// A set of attribute tables, each sorted by key, searched in order.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    tables: Vec<&'static [Attribute]>,
    metrics: Vec<&'static [MetricDefinition]>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The OpenTelemetry table plus semtrace's own registry. The GenAI registry comes
    /// first: v1.44.0 keeps deprecated copies of the attributes that moved to it.
    pub fn builtin() -> Self {
        Self::new()
            .with_table(crate::generated::GENAI)
            .with_table(crate::generated::OTEL)
            .with_table(crate::generated::SEMTRACE)
            .with_metrics(crate::generated::GENAI_METRICS)
            .with_metrics(crate::generated::METRICS)
            .with_metrics(crate::generated::SEMTRACE_METRICS)
    }

    /// Adds a table of metric definitions, sorted by name.
    #[must_use]
    pub fn with_metrics(mut self, table: &'static [MetricDefinition]) -> Self {
        debug_assert!(table.windows(2).all(|w| w[0].name < w[1].name));
        self.metrics.push(table);
        self
    }

    /// The metric definition `name`, searching the tables in the order they were added.
    pub fn metric(&self, name: &str) -> Option<&'static MetricDefinition> {
        self.metrics
            .iter()
            .find_map(|t| crate::metrics::find(t, name))
    }

    /// Every metric definition of every table.
    pub fn metrics(&self) -> impl Iterator<Item = &'static MetricDefinition> + '_ {
        self.metrics.iter().flat_map(|t| t.iter())
    }

    /// The closest known metric name to `name`, if any is close enough; a deprecated
    /// metric that was renamed is suggested by its new name.
    pub fn suggest_metric(&self, name: &str) -> Option<&'static str> {
        let (score, def) = self
            .metrics()
            .map(|d| (similarity(name, d.name), d))
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        if score < SUGGESTION_THRESHOLD {
            return None;
        }
        Some(
            def.deprecated
                .and_then(|d| d.renamed_to)
                .unwrap_or(def.name),
        )
    }

    /// Adds a table. It must be sorted by key and free of duplicates.
    #[must_use]
    pub fn with_table(mut self, table: &'static [Attribute]) -> Self {
        debug_assert!(table.windows(2).all(|w| w[0].key < w[1].key));
        self.tables.push(table);
        self
    }

    /// Every attribute of every table.
    pub fn iter(&self) -> impl Iterator<Item = &'static Attribute> + '_ {
        self.tables.iter().flat_map(|t| t.iter())
    }

    /// The attribute `key` names exactly.
    pub fn exact(&self, key: &str) -> Option<&'static Attribute> {
        self.tables.iter().find_map(|table| {
            table
                .binary_search_by(|a| a.key.cmp(key))
                .ok()
                .map(|i| &table[i])
        })
    }

    /// Looks `key` up: an exact non-template match first, then the longest template
    /// prefix (`http.request.header.content-type` matches `http.request.header`).
    pub fn lookup(&self, key: &str) -> Option<Match> {
        if let Some(attribute) = self.exact(key).filter(|a| !a.template) {
            return Some(Match {
                attribute,
                by_template: false,
            });
        }
        // Try each proper prefix ending before a `.`, longest first.
        key.rmatch_indices('.').find_map(|(dot, _)| {
            let suffix = &key[dot + 1..];
            if suffix.is_empty() {
                return None;
            }
            self.exact(&key[..dot])
                .filter(|a| a.template)
                .map(|attribute| Match {
                    attribute,
                    by_template: true,
                })
        })
    }

    /// The closest known key to a key that is not in the registry, if any is close enough.
    ///
    /// Keys in the same namespace (first segment) are preferred; a deprecated attribute
    /// that was renamed is suggested by its new name.
    pub fn suggest(&self, key: &str) -> Option<&'static str> {
        let namespace = key.split('.').next().unwrap_or(key);
        let mut best: Option<(f64, &'static Attribute)> = None;
        for attr in self.iter() {
            let mut score = similarity(key, attr.key);
            // Compare against the last segments too, so `db.sytem` finds `db.system`.
            if attr.key.split('.').next() == Some(namespace) {
                score += 0.05;
            }
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, attr));
            }
        }
        let (score, attr) = best?;
        if score < SUGGESTION_THRESHOLD {
            return None;
        }
        Some(self.replacement(attr))
    }

    /// Follows `renamed_to` links to the attribute's current name.
    fn replacement(&self, mut attr: &'static Attribute) -> &'static str {
        // The chain is short; bound it anyway against a cycle in a user registry.
        for _ in 0..8 {
            match attr.deprecated.and_then(|d| d.renamed_to) {
                Some(next) => match self.exact(next) {
                    Some(a) => attr = a,
                    None => return next,
                },
                None => break,
            }
        }
        attr.key
    }
}

/// Jaro-Winkler similarity (plus the namespace bonus) below which nothing is suggested.
const SUGGESTION_THRESHOLD: f64 = 0.88;

/// String similarity in `0.0..=1.0` used for every "did you mean" (Jaro-Winkler).
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}
