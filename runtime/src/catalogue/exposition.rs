//! The names the Prometheus exporter writes for the catalogue's metrics.

use super::Metric;

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
    crate::metrics::recorder::DURATION_BOUNDARIES
        .iter()
        .map(|b| b * scale)
        .collect()
}

/// A label value in a PromQL string literal.
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
