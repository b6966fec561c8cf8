//! A Grafana dashboard of the catalogue's metrics, over the exact names the
//! Prometheus exporter writes.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::exposition::{self, Item, quote};

/// The trace data source the panels link to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceDatasource {
    /// A Grafana Tempo data source, by its uid: links search `TraceQL` by span name.
    Tempo {
        /// The data source's uid in Grafana.
        uid: String,
    },
    /// A Grafana Jaeger data source, by its uid: links search by operation.
    Jaeger {
        /// The data source's uid in Grafana.
        uid: String,
    },
}

/// What [`grafana_dashboard`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DashboardOptions {
    /// The dashboard's title.
    pub title: String,
    /// The dashboard's uid.
    pub uid: String,
    /// The trace data source of the panels' links and exemplars, if any.
    pub traces: Option<TraceDatasource>,
    /// The label that tells services apart: `job`, the label Prometheus gives every
    /// scraped series (name the scrape job after the service).
    pub service_label: String,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            title: "Service telemetry (semtrace)".to_owned(),
            uid: "semtrace-service".to_owned(),
            traces: None,
            service_label: "job".to_owned(),
        }
    }
}

impl DashboardOptions {
    /// Links and exemplars go to the Tempo data source `uid`.
    #[must_use]
    pub fn tempo(mut self, uid: impl Into<String>) -> Self {
        self.traces = Some(TraceDatasource::Tempo { uid: uid.into() });
        self
    }

    /// Links and exemplars go to the Jaeger data source `uid`.
    #[must_use]
    pub fn jaeger(mut self, uid: impl Into<String>) -> Self {
        self.traces = Some(TraceDatasource::Jaeger { uid: uid.into() });
        self
    }

    /// The dashboard's title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }
}

/// The dashboard JSON (Grafana's dashboard model) for this program's
/// [catalogue](super::catalogue): a row per HTTP route, RPC method, database
/// operation and collection, messaging destination and task type, each with its
/// rate, its error ratio by `error.type`, and p50/p95/p99 from its duration
/// histogram; then a row of semtrace's own counters. A `datasource` variable picks
/// the Prometheus data source and a `service` variable the service (the values of
/// [`DashboardOptions::service_label`] on `target_info`).
pub fn grafana_dashboard(options: &DashboardOptions) -> String {
    dashboard_for(super::entry::catalogue(), options).to_string()
}

/// [`grafana_dashboard`] over any entries, as a JSON value.
pub(super) fn dashboard_for(entries: &[super::entry::Entry], options: &DashboardOptions) -> Value {
    let mut layout = Layout::default();
    let service = format!("{}=~\"$service\"", options.service_label);
    for item in exposition::items(entries) {
        item_panels(&mut layout, &item, options, &service);
    }
    own_counters(&mut layout, &service);
    json!({
        "uid": options.uid,
        "title": options.title,
        "tags": ["semtrace"],
        "editable": true,
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "templating": {"list": [
            {
                "name": "datasource",
                "label": "Data source",
                "type": "datasource",
                "query": "prometheus",
            },
            {
                "name": "service",
                "label": "Service",
                "type": "query",
                "datasource": prometheus(),
                "query": {
                    "query": format!("label_values(target_info, {})", options.service_label),
                    "refId": "service",
                },
                "definition": format!("label_values(target_info, {})", options.service_label),
                "refresh": 2,
                "sort": 1,
            },
        ]},
        "panels": layout.panels,
    })
}

/// A catalogue item's row: rate, error ratio by `error.type`, and p50/p95/p99.
fn item_panels(layout: &mut Layout, item: &Item, options: &DashboardOptions, service: &str) {
    let service = service.to_owned();
    layout.row(&format!("{} {}", domain_title(item.domain), item.title));
    let links = links(options, item);
    let by = item.per_call.join(", ");
    let matchers = item.matchers(std::slice::from_ref(&service));
    let count = format!("{}_count{{{matchers}}}", item.family);
    let sum_by = |extra: &str| {
        let labels: Vec<&str> = [extra, by.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if labels.is_empty() {
            "sum".to_owned()
        } else {
            format!("sum by ({})", labels.join(", "))
        }
    };
    let legend = |first: &str| {
        let mut parts: Vec<String> = Vec::new();
        if !first.is_empty() {
            parts.push(first.to_owned());
        }
        parts.extend(item.per_call.iter().map(|l| format!("{{{{{l}}}}}")));
        parts.join(" ")
    };
    layout.panel(
        "Rate",
        "reqps",
        &[target(
            "A",
            &format!("{} (rate({count}[$__rate_interval]))", sum_by("")),
            &legend("calls/s"),
            false,
        )],
        &links,
    );
    let errors = format!(
        "{}_count{{{}}}",
        item.family,
        item.matchers(&[service.clone(), "error_type!=\"\"".to_owned()])
    );
    layout.panel(
        "Error ratio by error.type",
        "percentunit",
        &[target(
            "A",
            &format!(
                "{} (rate({errors}[$__rate_interval]))\n/ ignoring (error_type) group_left ()\n{} (rate({count}[$__rate_interval]))",
                sum_by("error_type"),
                sum_by("")
            ),
            &legend("{{error_type}}"),
            false,
        )],
        &links,
    );
    let bucket = format!("{}_bucket{{{matchers}}}", item.family);
    let quantiles: Vec<Value> = [
        ("A", "0.5", "p50"),
        ("B", "0.95", "p95"),
        ("C", "0.99", "p99"),
    ]
    .into_iter()
    .map(|(id, q, name)| {
        target(
            id,
            &format!(
                "histogram_quantile({q}, {} (rate({bucket}[$__rate_interval])))",
                sum_by("le")
            ),
            &legend(name),
            options.traces.is_some(),
        )
    })
    .collect();
    layout.panel("Duration p50 / p95 / p99", "s", &quantiles, &links);
}

/// semtrace's own counters: spans started, exported and sampled out, dropped by
/// reason, cut by the span limits, the queue's fill and the live sampling rules.
fn own_counters(layout: &mut Layout, service: &str) {
    let s = |name: &str| format!("{name}{{{service}}}");
    let rate = |name: &str, by: &str| {
        let sum = if by.is_empty() {
            "sum".to_owned()
        } else {
            format!("sum by ({by})")
        };
        format!("{sum} (rate({}[$__rate_interval]))", s(name))
    };
    layout.row("semtrace");
    layout.panel(
        "Spans",
        "ops",
        &[
            target(
                "A",
                &rate("semtrace_spans_started_total", ""),
                "started",
                false,
            ),
            target(
                "B",
                &rate("semtrace_spans_exported_total", ""),
                "exported",
                false,
            ),
            target(
                "C",
                &rate("semtrace_spans_sampled_out_total", ""),
                "sampled out",
                false,
            ),
        ],
        &[],
    );
    layout.panel(
        "Spans dropped by reason",
        "ops",
        &[target(
            "A",
            &rate("semtrace_spans_dropped_total", "semtrace_drop_reason"),
            "{{semtrace_drop_reason}}",
            false,
        )],
        &[],
    );
    layout.panel(
        "Span limits: cuts",
        "ops",
        &[target(
            "A",
            &rate("semtrace_span_limits_dropped_total", "semtrace_limit_cut"),
            "{{semtrace_limit_cut}}",
            false,
        )],
        &[],
    );
    layout.panel(
        "Export queue fill",
        "percentunit",
        &[target(
            "A",
            &format!(
                "sum({}) / sum({})",
                s("semtrace_queue_size"),
                s("semtrace_queue_capacity")
            ),
            "queue fill",
            false,
        )],
        &[],
    );
    layout.panel(
        "Sampling rules active",
        "short",
        &[target(
            "A",
            &format!("sum({})", s("semtrace_sampling_rules_active")),
            "rules",
            false,
        )],
        &[],
    );
}

fn domain_title(domain: &str) -> &'static str {
    match domain {
        "http" => "HTTP",
        "rpc" => "RPC",
        "db" => "Database",
        "messaging" => "Messaging",
        _ => "Task",
    }
}

fn prometheus() -> Value {
    json!({"type": "prometheus", "uid": "${datasource}"})
}

fn target(id: &str, expr: &str, legend: &str, exemplar: bool) -> Value {
    json!({
        "refId": id,
        "datasource": prometheus(),
        "expr": expr,
        "legendFormat": legend,
        "exemplar": exemplar,
    })
}

/// A link to the item's spans in the trace data source (Grafana's Explore).
fn links(options: &DashboardOptions, item: &Item) -> Vec<Value> {
    let Some(traces) = &options.traces else {
        return Vec::new();
    };
    let (uid, query) = match traces {
        TraceDatasource::Tempo { uid } => (
            uid,
            json!({
                "refId": "A",
                "datasource": {"type": "tempo", "uid": uid},
                "queryType": "traceql",
                "query": format!("{{ name = {} }}", quote(item.span_name)),
            }),
        ),
        TraceDatasource::Jaeger { uid } => (
            uid,
            json!({
                "refId": "A",
                "datasource": {"type": "jaeger", "uid": uid},
                "queryType": "search",
                "service": "${service}",
                "operation": item.span_name,
            }),
        ),
    };
    let state = json!({
        "datasource": uid,
        "queries": [query],
        "range": {"from": "${__from}", "to": "${__to}"},
    });
    vec![json!({
        "title": format!("Traces: {}", item.span_name),
        "url": format!("/explore?left={}", encode(&state.to_string())),
        "targetBlank": false,
    })]
}

/// Percent-encodes `s` for a URL's query, leaving Grafana's `${…}` variables readable.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~${}:,".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Panels on Grafana's 24-column grid: rows of three 8-wide panels.
#[derive(Default)]
struct Layout {
    panels: Vec<Value>,
    y: u32,
    x: u32,
    id: u32,
}

impl Layout {
    fn next_id(&mut self) -> u32 {
        self.id += 1;
        self.id
    }

    fn row(&mut self, title: &str) {
        if self.x > 0 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.next_id();
        self.panels.push(json!({
            "type": "row",
            "id": id,
            "title": title,
            "collapsed": false,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "panels": [],
        }));
        self.y += 1;
    }

    fn panel(&mut self, title: &str, unit: &str, targets: &[Value], links: &[Value]) {
        if self.x >= 24 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.next_id();
        self.panels.push(json!({
            "type": "timeseries",
            "id": id,
            "title": title,
            "datasource": prometheus(),
            "gridPos": {"h": 8, "w": 8, "x": self.x, "y": self.y},
            "targets": targets,
            "fieldConfig": {"defaults": {"unit": unit, "links": links}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        }));
        self.x += 8;
    }
}
