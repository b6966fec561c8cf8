//! Dropping the guard exports every span created before it: exact count, no sleep.

use std::sync::{Arc, Mutex};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use semtrace::TelemetryBuilder;

/// Keeps what it exports, also after shutdown (the SDK's in-memory exporter clears
/// its spans on shutdown).
#[derive(Debug, Clone, Default)]
struct Collect {
    spans: Arc<Mutex<Vec<SpanData>>>,
    resource: Arc<Mutex<Option<Resource>>>,
}

impl SpanExporter for Collect {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans.lock().unwrap().extend(batch);
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        *self.resource.lock().unwrap() = Some(resource.clone());
    }
}

impl Collect {
    fn names(&self) -> Vec<String> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }
}

fn builder(exporter: &Collect) -> TelemetryBuilder {
    semtrace::Telemetry::builder("guard-test")
        .env_lookup(|_| None)
        .console(false)
        // A delay far beyond the test: only the guard can have exported the spans.
        .scheduled_delay(std::time::Duration::from_secs(3600))
        .span_exporter(exporter.clone())
}

#[test]
fn dropping_the_guard_exports_every_span() {
    let exporter = Collect::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..37 {
            let span = tracing::info_span!("work", i);
            let _entered = span.enter();
            tracing::info_span!("child").in_scope(|| {});
        }
    });
    assert!(
        exporter.names().is_empty(),
        "nothing exported before the guard"
    );
    drop(guard);
    let names = exporter.names();
    assert_eq!(names.len(), 74);
    assert_eq!(names.iter().filter(|n| *n == "child").count(), 37);
}

#[test]
fn shutdown_reports_success_and_flushes_every_batch() {
    let exporter = Collect::default();
    let (dispatch, guard) = builder(&exporter).max_export_batch_size(4).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        for _ in 0..10 {
            tracing::info_span!("op").in_scope(|| {});
        }
        // Below the default OTLP level (`info`): not exported.
        tracing::debug_span!("noise").in_scope(|| {});
    });
    guard.shutdown().unwrap();
    assert_eq!(exporter.names(), vec!["op"; 10]);
}

#[test]
fn resource_carries_service_attributes() {
    let exporter = Collect::default();
    let (dispatch, guard) = builder(&exporter)
        .service_version("1.2.3")
        .deployment_environment("test")
        .resource_attribute("team", "runtime")
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info_span!("op").in_scope(|| {});
    });
    drop(guard);
    assert_eq!(exporter.names(), ["op"]);
    let resource = exporter.resource.lock().unwrap().clone().unwrap();
    let get = |k: &'static str| {
        resource
            .get(&opentelemetry::Key::from_static_str(k))
            .map(|v| v.to_string())
    };
    assert_eq!(get("service.name").as_deref(), Some("guard-test"));
    assert_eq!(get("service.version").as_deref(), Some("1.2.3"));
    assert_eq!(get("deployment.environment.name").as_deref(), Some("test"));
    assert_eq!(get("team").as_deref(), Some("runtime"));
}

#[test]
fn propagation_round_trips_through_headers() {
    let exporter = Collect::default();
    let (dispatch, guard) = builder(&exporter).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let mut headers = http::HeaderMap::new();
        let client = tracing::info_span!("client");
        client.in_scope(|| semtrace::propagation::inject(&mut headers));
        let traceparent = headers["traceparent"].to_str().unwrap().to_owned();
        assert!(traceparent.starts_with("00-"), "{traceparent}");

        let server = tracing::info_span!("server");
        semtrace::propagation::set_parent(&server, &headers);
        server.in_scope(|| {});
        drop(server);

        let mut map = std::collections::HashMap::new();
        client.in_scope(|| semtrace::propagation::inject_map(&mut map));
        assert_eq!(map["traceparent"], traceparent);
        let job = tracing::info_span!("job");
        semtrace::propagation::set_parent_from_map(&job, &map);
        job.in_scope(|| {});
    });
    drop(guard);
    let spans = exporter.spans.lock().unwrap();
    let by_name = |n: &str| spans.iter().find(|s| s.name == n).unwrap();
    let client = by_name("client");
    for child in ["server", "job"] {
        let child = by_name(child);
        assert_eq!(
            child.span_context.trace_id(),
            client.span_context.trace_id()
        );
        assert_eq!(child.parent_span_id, client.span_context.span_id());
    }
}
