//! The OpenMetrics text format (1.0.0), written from the families the `prometheus`
//! crate gathered, with exemplars on histogram `_bucket` lines. The crate writes
//! only the older text format (no exemplars), so this is semtrace's own encoder; the
//! endpoint serves it to scrapers that ask for it (`Accept:
//! application/openmetrics-text`).
//!
//! What differs from the text format: a counter's family is named without
//! `_total` (its sample keeps it), untyped families are `unknown`, `HELP` escapes
//! quotes too, bucket bounds are floats (`1.0`), and the exposition ends in
//! `# EOF`. A leaf: the caller finds each data point's exemplars.

use std::fmt::Write as _;

use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType};

use super::exemplars::Exemplar;

/// The content type of what [`encode`] writes.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Writes `families` in the OpenMetrics text format; `exemplars` gives a histogram
/// data point's exemplars (by family name and labels), one per bucket at most,
/// sorted by bucket (the bound's index, `+Inf` last).
pub(crate) fn encode<'e>(
    families: &[MetricFamily],
    mut exemplars: impl FnMut(&str, &[LabelPair]) -> Option<&'e [Exemplar]>,
) -> String {
    let mut out = String::new();
    for family in families {
        let name = family.name();
        let (family_name, kind) = match family.get_field_type() {
            MetricType::COUNTER => (name.strip_suffix("_total").unwrap_or(name), "counter"),
            MetricType::GAUGE => (name, "gauge"),
            MetricType::HISTOGRAM => (name, "histogram"),
            MetricType::SUMMARY => (name, "summary"),
            MetricType::UNTYPED => (name, "unknown"),
        };
        let _ = writeln!(out, "# TYPE {family_name} {kind}");
        if !family.help().is_empty() {
            let _ = writeln!(out, "# HELP {family_name} {}", escape(family.help()));
        }
        for m in family.get_metric() {
            match family.get_field_type() {
                MetricType::COUNTER => {
                    let sample = format!("{family_name}_total");
                    line(&mut out, &sample, m, None, m.get_counter().get_value());
                }
                MetricType::GAUGE => line(&mut out, name, m, None, m.get_gauge().get_value()),
                MetricType::UNTYPED => {
                    // OpenTelemetry's exporter writes no untyped families; the
                    // crate's accessors for them are all there is.
                    #[allow(deprecated)]
                    line(&mut out, name, m, None, m.get_untyped().get_value());
                }
                MetricType::SUMMARY => {
                    let s = m.get_summary();
                    for q in s.get_quantile() {
                        let quantile = ("quantile", float(q.quantile()));
                        line(&mut out, name, m, Some(quantile), q.value());
                    }
                    #[allow(clippy::cast_precision_loss)] // counts below 2^53
                    let count = s.sample_count() as f64;
                    line(&mut out, &format!("{name}_sum"), m, None, s.sample_sum());
                    line(&mut out, &format!("{name}_count"), m, None, count);
                }
                MetricType::HISTOGRAM => {
                    let kept = exemplars(name, m.get_label()).unwrap_or(&[]);
                    histogram(&mut out, name, m, kept);
                }
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// A histogram data point: its buckets (each with its exemplar), sum and count.
fn histogram(out: &mut String, name: &str, m: &Metric, kept: &[Exemplar]) {
    let h = m.get_histogram();
    let bucket_name = format!("{name}_bucket");
    let exemplar_of = |i: usize| kept.iter().find(|e| e.bucket == i);
    let mut inf = false;
    for (i, b) in h.get_bucket().iter().enumerate() {
        inf |= b.upper_bound().is_infinite();
        #[allow(clippy::cast_precision_loss)] // counts below 2^53
        let count = b.cumulative_count() as f64;
        sample_line(
            out,
            &bucket_name,
            m,
            Some(("le", float(b.upper_bound()))),
            count,
        );
        with_exemplar(out, exemplar_of(i));
    }
    #[allow(clippy::cast_precision_loss)] // counts below 2^53
    let count = h.get_sample_count() as f64;
    if !inf {
        sample_line(out, &bucket_name, m, Some(("le", "+Inf".to_owned())), count);
        with_exemplar(out, exemplar_of(h.get_bucket().len()));
    }
    line(out, &format!("{name}_sum"), m, None, h.get_sample_sum());
    line(out, &format!("{name}_count"), m, None, count);
}

/// `name{labels} value` without the line's end (a bucket's exemplar may follow).
fn sample_line(
    out: &mut String,
    name: &str,
    m: &Metric,
    extra: Option<(&str, String)>,
    value: f64,
) {
    out.push_str(name);
    let labels = m.get_label();
    if !labels.is_empty() || extra.is_some() {
        out.push('{');
        let mut first = true;
        let pairs = labels
            .iter()
            .map(|l| (l.name(), l.value().to_owned()))
            .chain(extra);
        for (k, v) in pairs {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "{k}=\"{}\"", escape(&v));
        }
        out.push('}');
    }
    let _ = write!(out, " {}", number(value));
    if m.timestamp_ms() != 0 {
        #[allow(clippy::cast_precision_loss)] // milliseconds below 2^53
        let seconds = m.timestamp_ms() as f64 / 1e3;
        let _ = write!(out, " {seconds}");
    }
}

/// A whole sample line.
fn line(out: &mut String, name: &str, m: &Metric, extra: Option<(&str, String)>, value: f64) {
    sample_line(out, name, m, extra, value);
    out.push('\n');
}

/// Ends a bucket line, with ` # {trace_id="…",span_id="…"} value timestamp` when the
/// bucket has an exemplar.
fn with_exemplar(out: &mut String, exemplar: Option<&Exemplar>) {
    if let Some(e) = exemplar {
        #[allow(clippy::cast_precision_loss)] // seconds to the microsecond
        let seconds = e.time_unix_nano as f64 / 1e9;
        let _ = write!(
            out,
            " # {{trace_id=\"{:032x}\",span_id=\"{:016x}\"}} {} {seconds:.6}",
            e.trace_id,
            e.span_id,
            number(e.value)
        );
    }
    out.push('\n');
}

/// A sample's value: `+Inf`, `-Inf`, `NaN` or the shortest decimal.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        v.to_string()
    }
}

/// A bound as OpenMetrics writes `le` and `quantile`: always a float (`1.0`).
fn float(v: f64) -> String {
    let n = number(v);
    if v.is_finite() && !n.contains(['.', 'e', 'E']) {
        format!("{n}.0")
    } else {
        n
    }
}

/// Escapes a label value or help text: backslash, quote, newline.
fn escape(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains(['\\', '"', '\n']) {
        return v.into();
    }
    let mut out = String::with_capacity(v.len() + 2);
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(k: &str, v: &str) -> LabelPair {
        let mut l = LabelPair::default();
        l.set_name(k.to_owned());
        l.set_value(v.to_owned());
        l
    }

    #[test]
    fn counters_histograms_and_exemplars_follow_openmetrics() {
        let registry = prometheus::Registry::new();
        let counter = prometheus::IntCounter::new("jobs_total", "Jobs \"done\".").unwrap();
        counter.inc_by(3);
        registry.register(Box::new(counter)).unwrap();
        let h = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new("d_seconds", "Durations.")
                .const_label("k", "a\"b")
                .buckets(vec![0.5, 1.0]),
        )
        .unwrap();
        h.observe(0.7);
        h.observe(3.0);
        registry.register(Box::new(h)).unwrap();
        let kept = [
            Exemplar {
                bucket: 1,
                value: 0.7,
                time_unix_nano: 1_700_000_000_500_000_000,
                trace_id: 0xab,
                span_id: 0xcd,
            },
            Exemplar {
                bucket: 2,
                value: 3.0,
                time_unix_nano: 1_700_000_001_000_000_000,
                trace_id: 1,
                span_id: 2,
            },
        ];
        let text = encode(&registry.gather(), |name, labels| {
            assert_eq!(name, "d_seconds");
            assert_eq!(labels, [label("k", "a\"b")]);
            Some(&kept[..])
        });
        let want = "# TYPE d_seconds histogram
# HELP d_seconds Durations.
d_seconds_bucket{k=\"a\\\"b\",le=\"0.5\"} 0
d_seconds_bucket{k=\"a\\\"b\",le=\"1.0\"} 1 # {trace_id=\"000000000000000000000000000000ab\",span_id=\"00000000000000cd\"} 0.7 1700000000.500000
d_seconds_bucket{k=\"a\\\"b\",le=\"+Inf\"} 2 # {trace_id=\"00000000000000000000000000000001\",span_id=\"0000000000000002\"} 3 1700000001.000000
d_seconds_sum{k=\"a\\\"b\"} 3.7
d_seconds_count{k=\"a\\\"b\"} 2
# TYPE jobs counter
# HELP jobs Jobs \\\"done\\\".
jobs_total 3
# EOF
";
        assert_eq!(text, want);
    }
}
