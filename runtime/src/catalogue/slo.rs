//! Service-level objectives for the catalogue's HTTP routes, as Prometheus alerting
//! and recording rules: the multi-window, multi-burn-rate alerts of the Google SRE
//! workbook over the exact series the Prometheus exporter writes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::exposition::{self, quote};
use semtrace_semconv::spans::SpanKind;

use super::entry::{Entry, Value};

/// An objective for one HTTP server route, or for every route of the catalogue.
///
/// ```
/// use std::time::Duration;
/// use semtrace::catalogue::Slo;
///
/// // 99.9% of requests without a 5xx; 99% of them answered within 250 ms.
/// let tasks = Slo::route("/api/tasks/{id}")
///     .availability(99.9)
///     .latency(Duration::from_millis(250), 99.0);
/// // Every other route: 99.5% without a 5xx.
/// let rest = Slo::every_route().availability(99.5);
/// # let _ = (tasks, rest);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    route: Option<String>,
    availability: Option<f64>,
    latency: Option<(Duration, f64)>,
}

impl Slo {
    /// An objective for the route `route` (as the annotation writes it).
    pub fn route(route: impl Into<String>) -> Self {
        Self {
            route: Some(route.into()),
            availability: None,
            latency: None,
        }
    }

    /// The default objective for every route no [`Slo::route`] names.
    pub fn every_route() -> Self {
        Self {
            route: None,
            availability: None,
            latency: None,
        }
    }

    /// `percent` of the requests answered without a 5xx status.
    #[must_use]
    pub fn availability(mut self, percent: f64) -> Self {
        self.availability = Some(percent);
        self
    }

    /// `percent` of the requests answered within `under`. `under` must be one of the
    /// histogram's bucket boundaries (5 ms, 10 ms, 25 ms, 50 ms, 75 ms, 100 ms,
    /// 250 ms, 500 ms, 750 ms, 1 s, 2.5 s, 5 s, 7.5 s, 10 s): the exposition counts
    /// requests only per bucket.
    #[must_use]
    pub fn latency(mut self, under: Duration, percent: f64) -> Self {
        self.latency = Some((under, percent));
        self
    }
}

/// Why objectives cannot be written as rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SloError {
    /// The route is not an HTTP server route of the catalogue.
    #[error("no HTTP server route `{route}` in the catalogue{}", closest.as_ref().map_or_else(|| "; it has no HTTP server routes".into(), |c| format!("; the closest is `{c}`")))]
    UnknownRoute {
        /// The route the objective names.
        route: String,
        /// The catalogue's most similar route, if it has any.
        closest: Option<String>,
    },
    /// A percentage that is not an objective.
    #[error("the {objective} objective `{percent}%` for {route} is refused: {reason}")]
    Percent {
        /// The route, or `every route`.
        route: String,
        /// `availability` or `latency`.
        objective: &'static str,
        /// The percentage given.
        percent: f64,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A latency threshold that is not a bucket boundary.
    #[error("the latency threshold {threshold:?} for {route} is not a bucket boundary of `{metric}`, so no series counts the requests under it; the nearest boundaries are {}", nearest.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join(" and "))]
    Threshold {
        /// The route, or `every route`.
        route: String,
        /// The threshold given.
        threshold: Duration,
        /// The histogram's family name.
        metric: String,
        /// The boundaries below and above it.
        nearest: Vec<Duration>,
    },
    /// An objective with neither availability nor latency.
    #[error("the objective for {route} declares neither availability nor latency")]
    Empty {
        /// The route, or `every route`.
        route: String,
    },
    /// Two objectives for the same route (or two defaults).
    #[error("two objectives for {route}")]
    Duplicate {
        /// The route, or `every route`.
        route: String,
    },
}

/// A burn-rate alert: both windows burn the budget `factor` times too fast.
struct Burn {
    long: &'static str,
    short: &'static str,
    factor: f64,
    severity: &'static str,
}

/// The SRE workbook's pairs: two that page (2% and 5% of a 30-day budget spent in
/// an hour and in six hours), two slower that file a ticket (10% in a day, 10% in
/// three days).
const BURNS: [Burn; 4] = [
    Burn {
        long: "1h",
        short: "5m",
        factor: 14.4,
        severity: "page",
    },
    Burn {
        long: "6h",
        short: "30m",
        factor: 6.0,
        severity: "page",
    },
    Burn {
        long: "1d",
        short: "2h",
        factor: 3.0,
        severity: "ticket",
    },
    Burn {
        long: "3d",
        short: "6h",
        factor: 1.0,
        severity: "ticket",
    },
];

/// Every window a recording rule is needed for.
const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Rule {
    Record {
        record: String,
        expr: String,
        labels: BTreeMap<&'static str, String>,
    },
    Alert {
        alert: String,
        expr: String,
        labels: BTreeMap<&'static str, String>,
        annotations: BTreeMap<&'static str, String>,
    },
}

/// The Prometheus rule file (YAML) for `slos` over this program's
/// [catalogue](super::catalogue): per route and objective, recording rules of the
/// ratio of bad requests over 5m, 30m, 1h, 2h, 6h, 1d and 3d, and alerts when both
/// windows of a pair burn the error budget too fast: 1h and 5m at 14.4 times
/// (`severity: page`), 6h and 30m at 6 times (`page`), 1d and 2h at 3 times
/// (`ticket`), 3d and 6h at once (`ticket`).
///
/// Series are summed by `job` and `http_route`: one alert per service (the scrape
/// job) and route.
///
/// A route objective must name a route of an annotated `#[traced_http]` function,
/// or else (any path beginning with `/`) the catalogue must hold a
/// `semtrace::http::ServerLayer`, whose routes are known only per request. With such
/// a layer, the objective for every route is one group of rules over every route
/// the other objectives do not name, alerting per route by its `http_route` label.
pub fn prometheus_rules(slos: &[Slo]) -> Result<String, SloError> {
    rules_for(super::entry::catalogue(), slos)
}

/// [`prometheus_rules`] over any entries.
pub(super) fn rules_for(entries: &[Entry], slos: &[Slo]) -> Result<String, SloError> {
    let Routes { literal, per_call } = routes(entries);
    let mut named: Vec<(HttpRoute, &Slo)> = Vec::new();
    let mut default = None;
    for slo in slos {
        let scope = scope_of(slo);
        check(slo, &scope)?;
        match slo.route.as_deref() {
            None if default.is_some() => return Err(SloError::Duplicate { route: scope }),
            None => default = Some(slo),
            Some(route) => {
                if named.iter().any(|(r, _)| r.route == route) {
                    return Err(SloError::Duplicate { route: scope });
                }
                let found = match literal.iter().find(|r| r.route == route) {
                    Some(found) => found.clone(),
                    // Middleware learns its routes per request: any route may be one.
                    None => match &per_call {
                        Some(any) if route.starts_with('/') => HttpRoute {
                            route: route.to_owned(),
                            ..any.clone()
                        },
                        _ => {
                            let closest = literal
                                .iter()
                                .map(|r| (semtrace_semconv::similarity(route, &r.route), &r.route))
                                .max_by(|a, b| a.0.total_cmp(&b.0))
                                .map(|(_, r)| r.clone());
                            return Err(SloError::UnknownRoute {
                                route: route.to_owned(),
                                closest,
                            });
                        }
                    },
                };
                named.push((found, slo));
            }
        }
    }
    let mut groups = Vec::new();
    for (route, slo) in &named {
        groups.push(group(&Scope::Route(route), route, slo)?);
    }
    if let Some(slo) = default {
        match &per_call {
            // Routes known only per request: one group over every route the
            // objectives do not name, per route by its label.
            Some(any) => {
                let named: Vec<&str> = named.iter().map(|(r, _)| r.route.as_str()).collect();
                groups.push(group(&Scope::EveryRouteBut(&named), any, slo)?);
            }
            None => {
                for route in &literal {
                    if !named.iter().any(|(r, _)| r.route == route.route) {
                        groups.push(group(&Scope::Route(route), route, slo)?);
                    }
                }
            }
        }
    }
    let file = RuleFile { groups };
    Ok(serde_yaml_ng::to_string(&file).expect("rules serialize"))
}

/// Checks what can be checked of `slos` before the program serves a request: each
/// objective's percentages, its latency threshold against the buckets of
/// `http.server.request.duration`, routes that are paths, one objective per route.
/// Whether a route is the service's is known when the rules are written.
pub(crate) fn validate(slos: &[Slo]) -> Result<(), SloError> {
    let any = HttpRoute {
        route: String::new(),
        family: "http_server_request_duration_seconds".to_owned(),
        unit: "s",
    };
    for (i, slo) in slos.iter().enumerate() {
        let scope = scope_of(slo);
        check(slo, &scope)?;
        if let Some(route) = slo.route.as_deref().filter(|r| !r.starts_with('/')) {
            return Err(SloError::UnknownRoute {
                route: route.to_owned(),
                closest: None,
            });
        }
        if slos[..i].iter().any(|s| s.route == slo.route) {
            return Err(SloError::Duplicate { route: scope });
        }
        if let Some((under, _)) = slo.latency {
            bucket(&any, under, &scope)?;
        }
    }
    Ok(())
}

/// "route `/x`" or "every route", for errors.
fn scope_of(slo: &Slo) -> String {
    slo.route
        .as_deref()
        .map_or("every route".to_owned(), |r| format!("route `{r}`"))
}

/// An HTTP server route of the catalogue and its histogram's family.
#[derive(Clone)]
struct HttpRoute {
    route: String,
    family: String,
    unit: &'static str,
}

/// The catalogue's HTTP server routes: those written in annotations, and whether
/// a middleware records routes known only per request (with its histogram).
struct Routes {
    literal: Vec<HttpRoute>,
    per_call: Option<HttpRoute>,
}

/// What one group of rules covers.
enum Scope<'a> {
    Route(&'a HttpRoute),
    /// Every route but these, each alerting on its own.
    EveryRouteBut(&'a [&'a str]),
}

/// How a group's rules name what they cover.
struct Parts {
    /// For errors: "route `/x`" or "every route".
    scope: String,
    /// The series' label matchers.
    selector: String,
    /// The rules' own labels.
    route_label: BTreeMap<&'static str, String>,
    /// The route in annotations: itself, or the alert's label.
    shown: String,
}

impl Scope<'_> {
    fn parts(&self) -> Parts {
        match self {
            Scope::Route(r) => Parts {
                scope: format!("route `{}`", r.route),
                selector: format!("http_route={}", quote(&r.route)),
                // The route again as the rules' own label: the series have it
                // already, and with it each route's rules differ from another
                // route's by name and labels (promtool's lint refuses rules that
                // do not).
                route_label: BTreeMap::from([("http_route", r.route.clone())]),
                shown: r.route.clone(),
            },
            Scope::EveryRouteBut(named) => Parts {
                scope: "every route".to_owned(),
                selector: if named.is_empty() {
                    "http_route=~\".*\"".to_owned()
                } else {
                    let alternatives: Vec<String> = named.iter().map(|r| regex_escape(r)).collect();
                    format!("http_route!~{}", quote(&alternatives.join("|")))
                },
                route_label: BTreeMap::new(),
                shown: "{{ $labels.http_route }}".to_owned(),
            },
        }
    }
}

fn routes(entries: &[Entry]) -> Routes {
    let mut out = Routes {
        literal: Vec::new(),
        per_call: None,
    };
    for e in entries {
        if e.domain != "http" || e.kind != SpanKind::Server {
            continue;
        }
        let (Some(metric), Some(route)) = (
            e.metric,
            e.attributes
                .iter()
                .find(|a| a.key == "http.route")
                .map(|a| a.value),
        ) else {
            continue;
        };
        let found = |route: &str| HttpRoute {
            route: route.to_owned(),
            family: exposition::family(&metric),
            unit: metric.unit,
        };
        match route {
            Value::Str(r) if !out.literal.iter().any(|l| l.route == r) => {
                out.literal.push(found(r));
            }
            Value::PerCall if out.per_call.is_none() => out.per_call = Some(found("")),
            _ => {}
        }
    }
    out
}

#[allow(clippy::float_cmp)] // exactly 100 and exactly 0 are what is refused
fn check(slo: &Slo, scope: &str) -> Result<(), SloError> {
    if slo.availability.is_none() && slo.latency.is_none() {
        return Err(SloError::Empty {
            route: scope.to_owned(),
        });
    }
    let percents = [
        slo.availability.map(|p| ("availability", p)),
        slo.latency.map(|(_, p)| ("latency", p)),
    ];
    for (objective, percent) in percents.into_iter().flatten() {
        let reason = if percent == 100.0 {
            Some(
                "100% leaves no error budget: a single bad request would breach it, and the burn rate (bad ratio / budget) divides by zero",
            )
        } else if percent == 0.0 {
            Some("0% is met by any service, however it fails: its alerts could never fire")
        } else if !(percent > 0.0 && percent < 100.0) {
            Some("an objective is a percentage strictly between 0 and 100")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(SloError::Percent {
                route: scope.to_owned(),
                objective,
                percent,
                reason,
            });
        }
    }
    Ok(())
}

/// A number as `PromQL` and YAML write it, without the noise of binary fractions.
fn number(x: f64) -> String {
    let rounded = (x * 1e12).round() / 1e12;
    format!("{rounded}")
}

/// The rules of one objective over `scope`, whose series are `route`'s family.
fn group(over: &Scope<'_>, route: &HttpRoute, slo: &Slo) -> Result<Group, SloError> {
    let Parts {
        scope,
        selector,
        route_label,
        shown,
    } = over.parts();
    let count = format!("{}_count", route.family);
    let total = |w: &str| format!("sum by (job, http_route) (rate({count}{{{selector}}}[{w}]))");
    let mut rules = Vec::new();
    let mut objectives: Vec<(&str, String, f64, String)> = Vec::new();
    if let Some(percent) = slo.availability {
        let name = "http_route:semtrace_slo_errors:ratio_rate";
        for w in WINDOWS {
            rules.push(Rule::Record {
                record: format!("{name}{w}"),
                expr: format!(
                    "sum by (job, http_route) (rate({count}{{{selector}, http_response_status_code=~\"5..\"}}[{w}]))\n/\n{}",
                    total(w)
                ),
                labels: route_label.clone(),
            });
        }
        objectives.push((
            "availability",
            name.to_owned(),
            percent,
            format!("{}% of requests without a 5xx", number(percent)),
        ));
    }
    if let Some((under, percent)) = slo.latency {
        let le = bucket(route, under, &scope)?;
        let name = "http_route:semtrace_slo_slow:ratio_rate";
        for w in WINDOWS {
            rules.push(Rule::Record {
                record: format!("{name}{w}"),
                expr: format!(
                    "1 - (\n  sum by (job, http_route) (rate({}_bucket{{{selector}, le=\"{le}\"}}[{w}]))\n  /\n  {}\n)",
                    route.family,
                    total(w)
                ),
                labels: route_label.clone(),
            });
        }
        objectives.push((
            "latency",
            name.to_owned(),
            percent,
            format!("{}% of requests within {under:?}", number(percent)),
        ));
    }
    for (objective, name, percent, text) in objectives {
        let budget = number((100.0 - percent) / 100.0);
        let alert = if objective == "availability" {
            "SemtraceSloAvailabilityBurn"
        } else {
            "SemtraceSloLatencyBurn"
        };
        for burn in &BURNS {
            let factor = number(burn.factor);
            let over = |w: &str| format!("{name}{w}{{{selector}}} > ({factor} * {budget})");
            rules.push(Rule::Alert {
                alert: alert.to_owned(),
                expr: format!("{}\nand\n{}", over(burn.long), over(burn.short)),
                labels: route_label
                    .clone()
                    .into_iter()
                    .chain([
                        ("severity", burn.severity.to_owned()),
                        ("slo", objective.to_owned()),
                        ("window", format!("{}/{}", burn.long, burn.short)),
                    ])
                    .collect(),
                annotations: BTreeMap::from([
                    (
                        "summary",
                        format!("{shown} burns its {objective} error budget {factor} times too fast"),
                    ),
                    (
                        "description",
                        format!(
                            "Objective: {text} on {shown}. Over the last {} and {} the bad ratio is above {factor} × {budget}.",
                            burn.long, burn.short
                        ),
                    ),
                ]),
            });
        }
    }
    Ok(Group {
        name: match over {
            Scope::Route(r) => format!("semtrace-slo {}", r.route),
            Scope::EveryRouteBut(_) => "semtrace-slo every route".to_owned(),
        },
        rules,
    })
}

/// `route` as a regular expression (RE2, as Prometheus reads it) matching itself.
fn regex_escape(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    for c in route.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `le` of the bucket boundary `under` is, or the error naming the nearest ones.
fn bucket(route: &HttpRoute, under: Duration, scope: &str) -> Result<String, SloError> {
    let scale = if route.unit == "ms" { 1000.0 } else { 1.0 };
    let wanted = under.as_secs_f64() * scale;
    let bounds = exposition::boundaries(route.unit);
    if let Some(b) = bounds.iter().find(|b| (**b - wanted).abs() < 1e-9 * scale) {
        return Ok(number(*b));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // boundaries: 5 ms to 10 s
    let as_duration = |b: f64| Duration::from_micros((b / scale * 1e6).round() as u64);
    let below = bounds.iter().rev().find(|b| **b < wanted).copied();
    let above = bounds.iter().find(|b| **b > wanted).copied();
    Err(SloError::Threshold {
        route: scope.to_owned(),
        threshold: under,
        metric: route.family.clone(),
        nearest: below.into_iter().chain(above).map(as_duration).collect(),
    })
}
