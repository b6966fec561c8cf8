//! Exemplars of the duration histograms, read through the OpenMetrics text:
//! `trace_based` keeps sampled calls only, `always_on` every call with a span,
//! `always_off` none; an exemplar sits on the bucket of its value, with the ids of
//! the call's span; the endpoint answers OpenMetrics only to a scraper that asks. No
//! global subscriber.

use opentelemetry::trace::TraceContextExt as _;
use semtrace::Config;
use semtrace::config::{ExemplarFilter, Sampler};

/// Returns its span's trace and span ids, as exemplars write them.
#[semtrace::traced_task(task.type = "exemplar-test")]
fn job(sleep_ms: u64) -> (String, String) {
    std::thread::sleep(std::time::Duration::from_millis(sleep_ms));
    let cx = semtrace::propagation::context_of(&tracing::Span::current());
    let span = cx.span();
    let sc = span.span_context();
    (sc.trace_id().to_string(), sc.span_id().to_string())
}

fn build(filter: Option<ExemplarFilter>, sampler: Sampler) -> (tracing::Dispatch, semtrace::Guard) {
    let mut builder = semtrace::Telemetry::builder("exemplar-test")
        .env_lookup(|_| None)
        .console(false)
        .sampler(sampler)
        .config(
            Config::from_toml(
                "[metrics]\nexporters = [\"prometheus\"]\n[metrics.prometheus]\nlisten = \"127.0.0.1:0\"\n",
            )
            .unwrap(),
        );
    if let Some(filter) = filter {
        builder = builder.metrics_exemplar_filter(filter);
    }
    builder.build().unwrap()
}

/// The `task_duration_seconds_bucket` lines that carry an exemplar.
fn exemplar_lines(guard: &semtrace::Guard) -> Vec<String> {
    let text = guard.control().metrics_openmetrics().unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    text.lines()
        .filter(|l| l.starts_with("task_duration_seconds_bucket{") && l.contains(" # {"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn trace_based_keeps_sampled_calls_on_the_bucket_of_their_value() {
    let (dispatch, guard) = build(None, Sampler::AlwaysOn);
    let (trace, span) = tracing::dispatcher::with_default(&dispatch, || job(30));
    let lines = exemplar_lines(&guard);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    // 30 ms and a little more: (0.025, 0.05], unless the machine stalled past 50 ms.
    assert!(
        line.contains("le=\"0.05\"")
            || line.contains("le=\"0.075\"")
            || line.contains("le=\"0.1\""),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "# {{trace_id=\"{trace}\",span_id=\"{span}\"}} 0.0"
        )),
        "{line}"
    );
    let value: f64 = line
        .split("} ")
        .last()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(value >= 0.03, "{line}");
    let le: f64 = line
        .split("le=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(value <= le, "{line}");
}

#[test]
fn trace_based_skips_calls_sampled_out() {
    let (dispatch, guard) = build(Some(ExemplarFilter::TraceBased), Sampler::AlwaysOff);
    tracing::dispatcher::with_default(&dispatch, || job(0));
    assert_eq!(exemplar_lines(&guard), Vec::<String>::new());
    // The call was counted all the same.
    let text = guard.control().metrics_openmetrics().unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("task_duration_seconds_count{") && l.ends_with(" 1")),
        "{text}"
    );
}

#[test]
fn always_on_keeps_calls_sampled_out_with_their_ids() {
    let (dispatch, guard) = build(Some(ExemplarFilter::AlwaysOn), Sampler::AlwaysOff);
    let (trace, span) = tracing::dispatcher::with_default(&dispatch, || job(0));
    let lines = exemplar_lines(&guard);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&format!("trace_id=\"{trace}\",span_id=\"{span}\"")),
        "{lines:?}"
    );
}

#[test]
fn always_off_keeps_none() {
    let (dispatch, guard) = build(Some(ExemplarFilter::AlwaysOff), Sampler::AlwaysOn);
    tracing::dispatcher::with_default(&dispatch, || job(0));
    assert_eq!(exemplar_lines(&guard), Vec::<String>::new());
}

#[test]
fn each_bucket_keeps_the_last_call() {
    let (dispatch, guard) = build(None, Sampler::AlwaysOn);
    // A bucket takes an offer at most once a millisecond: the calls are 2 ms apart.
    let apart = || {
        std::thread::sleep(std::time::Duration::from_millis(2));
        job(0)
    };
    let ids = tracing::dispatcher::with_default(&dispatch, || [job(0), apart(), apart()]);
    let lines = exemplar_lines(&guard);
    // Three short calls land in the first bucket, which keeps the last one.
    let first: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("le=\"0.005\""))
        .collect();
    assert_eq!(first.len(), 1, "{lines:?}");
    assert!(first[0].contains(&ids[2].1), "{lines:?}");
}

#[test]
fn the_endpoint_serves_openmetrics_only_when_asked() {
    let (dispatch, guard) = build(None, Sampler::AlwaysOn);
    let (trace, _) = tracing::dispatcher::with_default(&dispatch, || job(0));
    let url = format!("http://{}/metrics", guard.metrics_address().unwrap());
    let client = reqwest::blocking::Client::new();
    let asked = client
        .get(&url)
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        )
        .send()
        .unwrap();
    assert_eq!(
        asked.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = asked.text().unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains(&format!("trace_id=\"{trace}\"")), "{text}");
    // Counters are named without `_total` in their family, with it on the sample.
    assert!(
        text.contains("# TYPE semtrace_spans_started counter"),
        "{text}"
    );
    assert!(text.contains("\nsemtrace_spans_started_total{"), "{text}");

    let plain = client.get(&url).send().unwrap();
    assert_eq!(
        plain.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = plain.text().unwrap();
    assert!(
        !text.contains("# {"),
        "no exemplars in the text format:\n{text}"
    );
    assert!(!text.contains("# EOF"), "{text}");
    assert!(
        text.contains("# TYPE semtrace_spans_started_total counter"),
        "{text}"
    );
}
