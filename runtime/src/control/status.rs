//! What [`Control::status`](super::Control::status) and the admin endpoints report:
//! serializable snapshots of sampling, levels, the span counts and the queue.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::clock::time_at;
use crate::config::SamplingMode;
use crate::traces::sampler::{Origin, Rule};
use crate::traces::stats::SpanStats;

/// An on-demand rule as the status shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RuleInfo {
    /// The id to remove it by.
    pub id: String,
    /// The conditions: attribute name (or `span.name`, or a baggage key) → value.
    #[serde(rename = "match")]
    pub conditions: BTreeMap<String, String>,
    /// The share of matching traces kept.
    pub rate: f64,
    /// When it ends (RFC 3339, UTC); `None` for a config-file rule without a
    /// duration, which lasts while the file lists it.
    pub expires_at: Option<String>,
    /// `api` (added at run time) or `config` (listed in the config file).
    pub origin: &'static str,
}

/// One span name's latency trigger, as the status shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AdaptiveName {
    /// The local root's span name.
    pub name: &'static str,
    /// Whether its traces are sampled at the adaptive rate now.
    pub triggered: bool,
    /// The p99 duration over the window, in milliseconds (bucketed: within 25 %).
    pub p99_ms: f64,
    /// Local roots measured in the window.
    pub samples: u64,
    /// Until when it stays triggered (RFC 3339), if it is.
    pub triggered_until: Option<String>,
}

/// The latency-triggered sampling state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AdaptiveStatus {
    /// p99 above which a name is triggered, in milliseconds.
    pub latency_threshold_ms: f64,
    /// The window, in seconds.
    pub window_s: f64,
    /// The share of a triggered name's traces kept.
    pub sample_rate: f64,
    /// The cooldown, in seconds.
    pub cooldown_s: f64,
    /// Every name seen, sorted.
    pub names: Vec<AdaptiveName>,
}

/// The error- and latency-keeping state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TailStatus {
    /// Traces with an error are kept.
    pub keep_errors: bool,
    /// Traces slower than this many milliseconds are kept.
    pub keep_slower_than_ms: Option<f64>,
    /// Spans held at most.
    pub max_buffered_spans: usize,
    /// Spans held now.
    pub buffered_spans: usize,
}

/// The filters in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LevelsStatus {
    /// The console's, if console output is on.
    pub console: Option<String>,
    /// The log files', if file output is on.
    pub file: Option<String>,
    /// The span pipeline's (what is exported).
    pub traces: String,
    /// The log records', if log export is on.
    pub logs: Option<String>,
}

/// The export queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QueueStatus {
    /// Spans held (queued, buffered, in flight, or room reserved by threads).
    pub used: usize,
    /// `max_queue_size`.
    pub capacity: usize,
    /// `used / capacity`.
    pub fill: f64,
}

/// A snapshot of sampling, levels and the span counts; serializes to the JSON that
/// `GET /tracing/status` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Status {
    /// The mode.
    pub mode: SamplingMode,
    /// The base ratio (mode `ratio`).
    pub ratio: f64,
    /// Whether a remote parent's decision is followed (mode `ratio`).
    pub parent_based: bool,
    /// Live on-demand rules.
    pub rules: Vec<RuleInfo>,
    /// Rules allowed at once.
    pub max_rules: usize,
    /// Latency-triggered sampling, if on.
    pub adaptive: Option<AdaptiveStatus>,
    /// Error- and latency-keeping, if on.
    pub tail: Option<TailStatus>,
    /// Filters.
    pub levels: LevelsStatus,
    /// Span counts with drop reasons.
    pub spans: SpanStats,
    /// The export queue.
    pub queue: QueueStatus,
}

/// RFC 3339 in UTC, to the second.
pub(super) fn rfc3339(nanos: u64) -> String {
    humantime::format_rfc3339_seconds(time_at(nanos)).to_string()
}

#[allow(clippy::cast_precision_loss)] // display values
pub(super) fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// A rule as the status shows it.
pub(super) fn rule_info(rule: &Rule) -> RuleInfo {
    RuleInfo {
        id: rule.id.clone(),
        conditions: rule
            .conditions()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        rate: rule.rate,
        expires_at: rule.expires_at.map(rfc3339),
        origin: match rule.origin {
            Origin::Api => "api",
            Origin::Config => "config",
        },
    }
}
