//! The OpenTelemetry resource: who emits the telemetry.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::config::Settings;

/// `service.*`, `deployment.environment.name`, the other resource attributes, and
/// the SDK's `telemetry.sdk.*`.
pub(crate) fn build(settings: &Settings) -> Resource {
    let mut attributes = Vec::new();
    for (key, value) in [
        ("service.version", &settings.service_version),
        ("service.namespace", &settings.service_namespace),
        ("service.instance.id", &settings.service_instance_id),
        (
            "deployment.environment.name",
            &settings.deployment_environment,
        ),
    ] {
        if let Some(value) = value {
            attributes.push(KeyValue::new(key, value.clone()));
        }
    }
    for (key, value) in &settings.resource_attributes {
        attributes.push(KeyValue::new(key.clone(), value.clone()));
    }
    // `builder_empty`: the default detectors read the process environment, which was
    // already resolved (and may have been injected).
    Resource::builder_empty()
        .with_detector(Box::new(
            opentelemetry_sdk::resource::TelemetryResourceDetector,
        ))
        .with_service_name(settings.service_name.clone())
        .with_attributes(attributes)
        .build()
}
