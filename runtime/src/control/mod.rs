//! Run-time control: change sampling and levels while the program runs, and see
//! what tracing costs and drops.
//!
//! [`Guard::control`](crate::Guard::control) gives a [`Control`] handle (cheap to
//! clone, usable from any thread). With it an operator can
//!
//! - switch the [mode](SamplingMode) (`off`, `ratio`, `full`) and the ratio;
//! - add **on-demand rules** that sample the traces matching a span name, attribute
//!   values known when the local root starts (`http.route`, `task.type`, any
//!   registry attribute) or a baggage entry, at a higher rate for a while — each gets
//!   an id and an expiry and ends by itself;
//! - replace the console, file and export filters (`EnvFilter` syntax);
//! - read a serializable [`Status`]: mode, rules, latency triggers, the span counts
//!   with their drop reasons, and the queue's fill.
//!
//! Latency-triggered sampling (`[sampling.adaptive]`) and error- and latency-keeping
//! (`[sampling.tail]`) are configured in the [config file](crate::config) and can be
//! changed here too. The same operations are HTTP endpoints with the `admin` cargo
//! feature ([`admin::router`]), and edits of the config file named by
//! `SEMTRACE_CONFIG` apply while running.
//!
//! A trace is sampled when the base sampler keeps it, or a live rule that matches
//! its local root keeps it (each rule tests the trace id against its own rate, so a
//! trace is kept at the highest rate of the rules that match), or its root's name is
//! latency-triggered; else, with `[sampling.tail]`, it is held until its local root
//! ends and kept only if it failed or was slow.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::config::rules;
use crate::config::{
    AdaptiveSettings, SamplingMode, SamplingSettings, Settings, TailSettings, check_ratio,
};
use crate::traces::adaptive::AdaptivePolicy;
use crate::traces::queue::Queue;
use crate::traces::ratio::nanos;
use crate::traces::sampler::{Origin, Rule, Sampler};
use crate::traces::stats::SpanStats;

#[cfg(feature = "admin")]
pub mod admin;
pub(crate) mod levels;
pub(crate) mod reload;
mod status;

pub use status::{
    AdaptiveName, AdaptiveStatus, LevelsStatus, QueueStatus, RuleInfo, Status, TailStatus,
};
use status::{ms, rfc3339, rule_info};

/// The handle for changing sampling and levels at run time; see the
/// [module docs](self). Obtained from [`Guard::control`](crate::Guard::control).
#[derive(Clone)]
pub struct Control {
    inner: Arc<Inner>,
}

struct Inner {
    sampler: Arc<Sampler>,
    queue: Arc<Queue>,
    levels: Levels,
    max_rules: AtomicUsize,
    next_id: AtomicU64,
    /// The subscriber these filters belong to (see [`Control::rebuild`]).
    dispatch: std::sync::OnceLock<tracing::dispatcher::WeakDispatch>,
    /// The Prometheus text of the metrics, when that exporter is on (`/metrics`).
    prometheus: std::sync::OnceLock<Arc<crate::metrics::prometheus::Text>>,
    /// The log queue, when log records are exported (their counts for `semtrace.logs.*`).
    logs: std::sync::OnceLock<Arc<Queue<crate::logs::record::LogBatch>>>,
    /// The service's objectives (`[[slo]]`), replaced when the config file changes.
    objectives: std::sync::RwLock<Arc<[crate::catalogue::Slo]>>,
}

/// The replaceable filters of each output.
#[derive(Debug, Clone)]
pub(crate) struct Levels {
    pub(crate) console: Option<levels::LevelFilter>,
    pub(crate) file: Option<levels::LevelFilter>,
    pub(crate) traces: levels::LevelFilter,
    /// The log records' (exported over OTLP), when log export is on.
    pub(crate) logs: Option<levels::LevelFilter>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("mode", &self.mode())
            .finish_non_exhaustive()
    }
}

/// A value an operator gave that is not allowed: names the field, the value and what
/// is allowed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("`{field}`: `{value}` is not allowed: {allowed}")]
#[non_exhaustive]
pub struct ControlError {
    /// The field or setting, e.g. `rate`, `mode`, `console`.
    pub field: String,
    /// The value as given.
    pub value: String,
    /// What is allowed instead.
    pub allowed: String,
}

impl From<rules::RuleError> for ControlError {
    fn from(e: rules::RuleError) -> Self {
        Self::new(e.field, e.value, e.allowed)
    }
}

impl ControlError {
    pub(crate) fn new(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

impl Control {
    pub(crate) fn new(
        sampler: Arc<Sampler>,
        queue: Arc<Queue>,
        levels: Levels,
        sampling: &SamplingSettings,
    ) -> Self {
        let control = Self {
            inner: Arc::new(Inner {
                sampler,
                queue,
                levels,
                max_rules: AtomicUsize::new(sampling.max_rules),
                next_id: AtomicU64::new(1),
                dispatch: std::sync::OnceLock::new(),
                prometheus: std::sync::OnceLock::new(),
                logs: std::sync::OnceLock::new(),
                objectives: std::sync::RwLock::new(Arc::from([])),
            }),
        };
        control.replace_config_rules(sampling);
        control
    }

    pub(crate) fn set_dispatch(&self, dispatch: &tracing::Dispatch) {
        let _ = self.inner.dispatch.set(dispatch.downgrade());
    }

    /// Spans held by the export queue, and its capacity.
    pub(crate) fn queue_fill(&self) -> (usize, usize) {
        (self.inner.queue.fill(), self.inner.queue.capacity())
    }

    pub(crate) fn set_prometheus(&self, text: Arc<crate::metrics::prometheus::Text>) {
        let _ = self.inner.prometheus.set(text);
    }

    /// The metrics in the Prometheus text format, when the `prometheus` metrics
    /// exporter is on (served as `/metrics` by the admin endpoints).
    pub fn metrics_text(&self) -> Option<String> {
        self.inner.prometheus.get().map(|t| t.render())
    }

    /// The metrics in the OpenMetrics text format, with the duration histograms'
    /// exemplars on their `_bucket` lines, when the `prometheus` metrics exporter is
    /// on (what `/metrics` serves to a scraper that asks for OpenMetrics).
    pub fn metrics_openmetrics(&self) -> Option<String> {
        self.inner.prometheus.get().map(|t| t.render_openmetrics())
    }

    /// `/metrics`' content type and body for a request's `Accept` header.
    #[cfg_attr(not(feature = "admin"), allow(dead_code))]
    pub(crate) fn metrics_response(&self, accept: Option<&str>) -> Option<(&'static str, String)> {
        self.inner.prometheus.get().map(|t| t.respond(accept))
    }

    /// Makes every callsite ask the filters again. tracing-core asks only the
    /// calling thread's default subscriber when one subscriber exists, and the admin
    /// and reload threads have none when `build()` is used with `set_default`; so the
    /// rebuild runs with this control's subscriber as the default.
    fn rebuild(&self) {
        match self
            .inner
            .dispatch
            .get()
            .and_then(tracing::dispatcher::WeakDispatch::upgrade)
        {
            Some(dispatch) => tracing::dispatcher::with_default(&dispatch, levels::rebuild),
            None => levels::rebuild(),
        }
    }

    fn now(&self) -> u64 {
        self.inner.sampler.clock.nanos()
    }

    /// The sampling mode now.
    pub fn mode(&self) -> SamplingMode {
        self.inner.sampler.snapshot().mode
    }

    /// Switches the mode, and with `Some(ratio)` the base ratio (0.0 ..= 1.0).
    /// `off` also takes the pipeline's filter out of `tracing`'s interest, so
    /// annotated calls cost only the disabled path (unless the console or a file
    /// wants them).
    pub fn set_mode(&self, mode: SamplingMode, ratio: Option<f64>) -> Result<(), ControlError> {
        if let Some(r) = ratio {
            check_ratio(r, "ratio")
                .map_err(|_| ControlError::new("ratio", r, "a number from 0.0 to 1.0"))?;
        }
        let before = self.inner.sampler.update(|p| {
            let before = p.mode;
            p.mode = mode;
            if let Some(r) = ratio {
                p.set_ratio(r);
            }
            before
        });
        if (before == SamplingMode::Off) != (mode == SamplingMode::Off) {
            self.rebuild();
        }
        Ok(())
    }

    /// Adds an on-demand rule: local roots whose span name (`span.name`), attribute
    /// values or baggage entries equal every one of `conditions` are sampled at
    /// `rate` (0.0 ..= 1.0) for `duration` (1 s to 24 h).
    pub fn add_rule<K, V>(
        &self,
        conditions: impl IntoIterator<Item = (K, V)>,
        rate: f64,
        duration: Duration,
    ) -> Result<RuleInfo, ControlError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let conditions: Vec<(String, String)> = conditions
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        rules::check(&conditions, rate, Some(duration)).map_err(ControlError::from)?;
        let now = self.now();
        let max_rules = self.inner.max_rules.load(Ordering::Relaxed);
        let id = format!("r{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let expires = now.saturating_add(nanos(duration));
        let rule = Rule::new(id, conditions, rate, Some(expires), Origin::Api);
        let info = rule_info(&rule);
        // Checked and added under the policy's lock: the limit holds under races.
        self.inner.sampler.update(|p| {
            let mut rules: Vec<Rule> = p.rules.iter().filter(|r| r.live(now)).cloned().collect();
            if rules.len() >= max_rules {
                return Err(ControlError::new(
                    "rules",
                    format!("{} active rules", rules.len() + 1),
                    format!(
                        "at most {max_rules} (`sampling.max_rules`): delete one or wait for one to expire"
                    ),
                ));
            }
            rules.push(rule);
            p.set_rules(rules);
            Ok(())
        })?;
        Ok(info)
    }

    /// Removes a rule; false when no live rule has this id.
    pub fn remove_rule(&self, id: &str) -> bool {
        let now = self.now();
        self.inner.sampler.update(|p| {
            let before = p.rules.len();
            let rules: Vec<Rule> = p
                .rules
                .iter()
                .filter(|r| r.live(now) && r.id != id)
                .cloned()
                .collect();
            // Expired rules go too; the id was live only if one more went.
            let live_before = p.rules.iter().filter(|r| r.live(now)).count();
            let removed = rules.len() < live_before;
            if rules.len() != before {
                p.set_rules(rules);
            }
            removed
        })
    }

    /// The live rules, oldest first.
    pub fn rules(&self) -> Vec<RuleInfo> {
        let now = self.now();
        self.inner
            .sampler
            .snapshot()
            .rules
            .iter()
            .filter(|r| r.live(now))
            .map(rule_info)
            .collect()
    }

    /// Replaces the console filter (`EnvFilter` syntax). A bad directive is an error
    /// naming it, and the old filter stays.
    pub fn set_console_level(&self, directives: &str) -> Result<(), ControlError> {
        self.set_levels(Some(directives), None, None)
    }

    /// Replaces the log files' filter.
    pub fn set_file_level(&self, directives: &str) -> Result<(), ControlError> {
        self.set_levels(None, Some(directives), None)
    }

    /// Replaces the span pipeline's filter (what is exported).
    pub fn set_traces_level(&self, directives: &str) -> Result<(), ControlError> {
        self.set_levels(None, None, Some(directives))
    }

    /// Replaces several filters at once: all are checked first, and on any error
    /// none changes.
    pub fn set_levels(
        &self,
        console: Option<&str>,
        file: Option<&str>,
        traces: Option<&str>,
    ) -> Result<(), ControlError> {
        self.set_every_level(console, file, traces, None)
    }

    /// Replaces the filter of the events exported as log records (`EnvFilter`
    /// syntax), as [`set_levels`](Self::set_levels) the others'; an error when log
    /// export is off.
    pub fn set_logs_level(&self, directives: &str) -> Result<(), ControlError> {
        self.set_every_level(None, None, None, Some(directives))
    }

    /// The filters given, checked all before any is replaced.
    pub(crate) fn set_every_level(
        &self,
        console: Option<&str>,
        file: Option<&str>,
        traces: Option<&str>,
        logs: Option<&str>,
    ) -> Result<(), ControlError> {
        let levels = &self.inner.levels;
        let mut changes = Vec::new();
        for (field, value, filter) in [
            ("console", console, levels.console.as_ref()),
            ("file", file, levels.file.as_ref()),
            ("traces", traces, Some(&levels.traces)),
            ("logs", logs, levels.logs.as_ref()),
        ] {
            let Some(value) = value else { continue };
            let Some(filter) = filter else {
                return Err(ControlError::new(
                    field,
                    value,
                    format!("{field} output is not on, so it has no filter to replace"),
                ));
            };
            levels::check(value).map_err(|bad| {
                ControlError::new(
                    field,
                    value,
                    format!(
                        "`EnvFilter` directives such as `info` or `warn,my_crate=debug`; `{}` does not parse ({})",
                        bad.directive, bad.reason
                    ),
                )
            })?;
            changes.push((filter, value));
        }
        for (filter, value) in &changes {
            filter
                .store(value)
                .map_err(|bad| ControlError::new("level", value, bad.reason))?;
        }
        if !changes.is_empty() {
            self.rebuild();
        }
        Ok(())
    }

    /// Turns error- and latency-keeping on (with its settings) or off.
    pub fn set_tail(&self, tail: Option<TailSettings>) {
        self.inner.sampler.update(|p| p.tail = tail);
    }

    /// Turns latency-triggered sampling on (with its settings) or off.
    pub fn set_adaptive(&self, adaptive: Option<AdaptiveSettings>) -> Result<(), ControlError> {
        if let Some(a) = &adaptive {
            if !(0.0..=1.0).contains(&a.sample_rate) {
                return Err(ControlError::new(
                    "sample_rate",
                    a.sample_rate,
                    "a number from 0.0 to 1.0",
                ));
            }
            for (field, d) in [
                ("latency_threshold", a.latency_threshold),
                ("window", a.window),
            ] {
                if d.is_zero() {
                    return Err(ControlError::new(field, "0s", "a duration above zero"));
                }
            }
        }
        let compiled = adaptive.as_ref().map(AdaptivePolicy::new);
        self.inner.sampler.update(|p| p.adaptive = compiled);
        Ok(())
    }

    /// Applies the sampling settings of a reloaded config file: mode, ratio,
    /// parent-based, the file's rules (rules added at run time stay), adaptive and
    /// tail settings.
    pub(crate) fn apply_sampling(&self, s: &SamplingSettings) {
        let before = self.inner.sampler.update(|p| {
            let before = p.mode;
            p.mode = s.mode;
            p.set_ratio(s.ratio);
            p.parent_based = s.parent_based;
            p.adaptive = s.adaptive.as_ref().map(AdaptivePolicy::new);
            p.tail = s.tail;
            before
        });
        self.inner.max_rules.store(s.max_rules, Ordering::Relaxed);
        self.replace_config_rules(s);
        if (before == SamplingMode::Off) != (s.mode == SamplingMode::Off) {
            self.rebuild();
        }
    }

    fn replace_config_rules(&self, s: &SamplingSettings) {
        let now = self.now();
        let fresh: Vec<Rule> = s
            .rules
            .iter()
            .map(|r| {
                let id = format!("r{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
                let expires = r.duration.map(|d| now.saturating_add(nanos(d)));
                let conditions = r
                    .conditions
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Rule::new(id, conditions, r.rate, expires, Origin::Config)
            })
            .collect();
        self.inner.sampler.update(|p| {
            let mut rules: Vec<Rule> = p
                .rules
                .iter()
                .filter(|r| r.origin == Origin::Api && r.live(now))
                .cloned()
                .collect();
            rules.extend(fresh);
            p.set_rules(rules);
        });
    }

    /// Applies the levels of a reloaded config file (those of outputs that are on).
    /// The service's objectives: `[[slo]]` in the config file (as of its last
    /// reload), or those declared with [`TelemetryBuilder::slo`](crate::TelemetryBuilder::slo).
    pub fn objectives(&self) -> Vec<crate::catalogue::Slo> {
        self.inner
            .objectives
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .to_vec()
    }

    /// The Prometheus rule file for [the objectives](Self::objectives) over the
    /// program's catalogue ([`catalogue::prometheus_rules`](crate::catalogue::prometheus_rules)),
    /// or `None` when none are declared.
    pub fn prometheus_rules(&self) -> Option<Result<String, crate::catalogue::SloError>> {
        let objectives = self.objectives();
        (!objectives.is_empty()).then(|| crate::catalogue::prometheus_rules(&objectives))
    }

    pub(crate) fn set_log_queue(&self, queue: Arc<Queue<crate::logs::record::LogBatch>>) {
        let _ = self.inner.logs.set(queue);
    }

    /// The log record counts, when log records are exported.
    pub(crate) fn log_stats(&self) -> Option<crate::logs::LogStats> {
        let queue = self.inner.logs.get()?;
        Some(crate::logs::LogStats::of(queue.totals(), &queue.shared))
    }

    pub(crate) fn apply_objectives(&self, objectives: &[crate::catalogue::Slo]) {
        *self
            .inner
            .objectives
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::from(objectives);
    }

    pub(crate) fn apply_levels(&self, settings: &Settings) -> Result<(), ControlError> {
        let console = settings.console.as_ref().map(|c| c.level.as_str());
        let file = settings.file.as_ref().map(|f| f.level.as_str());
        let levels = &self.inner.levels;
        self.set_every_level(
            console.filter(|_| levels.console.is_some()),
            file.filter(|_| levels.file.is_some()),
            Some(&settings.traces.level),
            Some(settings.logs.level.as_str()).filter(|_| levels.logs.is_some()),
        )
    }

    /// What the pipeline counted so far.
    pub fn stats(&self) -> SpanStats {
        self.inner.queue.stats(false)
    }

    /// A snapshot of sampling, levels and the span counts.
    pub fn status(&self) -> Status {
        let now = self.now();
        let policy = self.inner.sampler.snapshot();
        let adaptive = policy.adaptive.as_ref().map(|a| AdaptiveStatus {
            latency_threshold_ms: ms(a.threshold_ns),
            window_s: ms(a.window_ns) / 1e3,
            sample_rate: a.rate,
            cooldown_s: ms(a.cooldown_ns) / 1e3,
            names: self
                .inner
                .sampler
                .adaptive
                .states(now, Some(a))
                .into_iter()
                .map(|s| AdaptiveName {
                    name: s.name,
                    triggered: s.triggered,
                    p99_ms: ms(s.p99_ns),
                    samples: s.samples,
                    triggered_until: s.triggered_until.map(rfc3339),
                })
                .collect(),
        });
        let tail = policy.tail.map(|t| TailStatus {
            keep_errors: t.keep_errors,
            keep_slower_than_ms: t.keep_slower_than.map(|d| d.as_secs_f64() * 1e3),
            max_buffered_spans: t.max_buffered_spans,
            buffered_spans: self.inner.sampler.tail_buffered.load(Ordering::Relaxed),
        });
        let levels = &self.inner.levels;
        let queue = &self.inner.queue;
        let (used, capacity) = (queue.fill(), queue.capacity());
        #[allow(clippy::cast_precision_loss)] // a ratio for display
        let fill = used as f64 / capacity.max(1) as f64;
        Status {
            mode: policy.mode,
            ratio: policy.ratio,
            parent_based: policy.parent_based,
            rules: policy
                .rules
                .iter()
                .filter(|r| r.live(now))
                .map(rule_info)
                .collect(),
            max_rules: self.inner.max_rules.load(Ordering::Relaxed),
            adaptive,
            tail,
            levels: LevelsStatus {
                console: levels.console.as_ref().map(levels::LevelFilter::directives),
                file: levels.file.as_ref().map(levels::LevelFilter::directives),
                traces: levels.traces.directives(),
                logs: levels.logs.as_ref().map(levels::LevelFilter::directives),
            },
            spans: queue.stats(false),
            queue: QueueStatus {
                used,
                capacity,
                fill,
            },
        }
    }
}

impl crate::metrics::PipelineReadings for Control {
    fn stats(&self) -> SpanStats {
        Control::stats(self)
    }

    fn queue_fill(&self) -> (usize, usize) {
        Control::queue_fill(self)
    }

    fn active_rules(&self) -> usize {
        self.rules().len()
    }

    fn log_stats(&self) -> Option<crate::logs::LogStats> {
        Control::log_stats(self)
    }
}
