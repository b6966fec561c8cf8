//! The names the Prometheus exporter writes for the catalogue's metrics, and the
//! series that identify one catalogue item, shared by the dashboard and the rules.

use super::entry::{Entry, Metric, Value};

/// A metric's family name in the Prometheus text: dots to underscores, the unit
/// suffixed (`http.server.request.duration` in `s` is
/// `http_server_request_duration_seconds`).
pub(super) fn family(metric: &Metric) -> String {
    let base = label(metric.name);
    match metric.unit {
        "s" => format!("{base}_seconds"),
        "ms" => format!("{base}_milliseconds"),
        _ => base,
    }
}

/// An attribute key as a Prometheus label (`http.route` is `http_route`).
pub(super) fn label(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The bucket boundaries a duration histogram in `unit` is recorded with, as the
/// exporter writes them in `le`.
pub(super) fn boundaries(unit: &str) -> Vec<f64> {
    let scale = if unit == "ms" { 1000.0 } else { 1.0 };
    crate::metrics::site::DURATION_BOUNDARIES
        .iter()
        .map(|b| b * scale)
        .collect()
}

/// A label value in a `PromQL` string literal.
pub(super) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The domains the dashboard has panels for, in the order it shows them.
pub(super) const DOMAINS: [&str; 5] = ["http", "rpc", "db", "messaging", "task"];

/// The keys that name what an item is about; when one is known only per call, the
/// panels show one series per value.
const IDENTITY: [&str; 6] = [
    "http.route",
    "rpc.method",
    "db.operation.name",
    "db.collection.name",
    "messaging.destination.name",
    "task.type",
];

/// One thing a panel group is about: a metric and the labels whose values the
/// annotation fixes (`http_route="/items/{id}"`); the metric's other labels are
/// known per call and become the panels' `by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Item {
    pub(super) domain: &'static str,
    pub(super) title: String,
    pub(super) span_name: &'static str,
    pub(super) family: String,
    /// `(label, value)` pairs fixed by the annotation.
    pub(super) fixed: Vec<(String, String)>,
    /// The identifying labels (route, method, collection, …) known only per call.
    pub(super) per_call: Vec<String>,
}

impl Item {
    /// The matchers of the item's series, after `extra` ones.
    pub(super) fn matchers(&self, extra: &[String]) -> String {
        let fixed = self.fixed.iter().map(|(k, v)| format!("{k}={}", quote(v)));
        let all: Vec<String> = extra.iter().cloned().chain(fixed).collect();
        all.join(", ")
    }
}

/// The items of `entries` with a metric, one per distinct metric and fixed labels, in
/// the catalogue's order within each domain.
pub(super) fn items(entries: &[Entry]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for domain in DOMAINS {
        for e in entries.iter().filter(|e| e.domain == domain) {
            let Some(metric) = e.metric else { continue };
            let mut fixed = Vec::new();
            let mut per_call = Vec::new();
            for a in metric.attributes {
                if a.key == "error.type" {
                    continue;
                }
                let literal =
                    e.attributes
                        .iter()
                        .find(|s| s.key == a.key)
                        .and_then(|s| match s.value {
                            Value::Str(v) => Some(v.to_owned()),
                            Value::Int(v) => Some(v.to_string()),
                            Value::Bool(v) => Some(v.to_string()),
                            Value::PerCall | Value::Double(_) => None,
                        });
                match literal {
                    Some(v) => fixed.push((label(a.key), v)),
                    None if IDENTITY.contains(&a.key) => per_call.push(label(a.key)),
                    None => {}
                }
            }
            let item = Item {
                domain,
                title: e.span_name.as_str().to_owned(),
                span_name: e.span_name.as_str(),
                family: family(&metric),
                fixed,
                per_call,
            };
            if !out
                .iter()
                .any(|o| o.family == item.family && o.fixed == item.fixed)
            {
                out.push(item);
            }
        }
    }
    out
}
