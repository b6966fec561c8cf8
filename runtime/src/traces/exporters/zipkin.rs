//! Zipkin v2 JSON over HTTP, mapped as the OpenTelemetry specification's
//! "OpenTelemetry to Zipkin Transformation" asks:
//!
//! | OpenTelemetry | Zipkin |
//! |---------------|--------|
//! | trace id, span id, parent id | `traceId` (32 hex), `id`, `parentId` (absent on roots) |
//! | kind | `kind`: `CLIENT`, `SERVER`, `PRODUCER`, `CONSUMER`; absent for internal spans |
//! | start, end | `timestamp`, `duration` in microseconds (a duration of at least 1) |
//! | resource `service.name` | `localEndpoint.serviceName`; the other resource attributes become tags |
//! | peer attributes of client and producer spans | `remoteEndpoint`, from the best ranked one (`REMOTE`) |
//! | attributes | `tags`, as strings; arrays as JSON array text |
//! | status | tag `otel.status_code` (`OK`, `ERROR`); `error` = the description for errors |
//! | instrumentation scope | tags `otel.scope.name`, `otel.scope.version` (and their `otel.library.*` aliases) |
//! | dropped attributes, events, links | tags `otel.dropped_*_count`, when not zero |
//! | events | `annotations`: the name, or `"name":{attributes as JSON}` |
//!
//! A batch is one JSON array sent in a `POST` by reqwest on the exporter's runtime. A
//! connection error, the timeout or a non-2xx answer fails the export; the pipeline
//! holds the batch and tries again.

use std::sync::Arc;

use opentelemetry_sdk::Resource;

use super::exporter::Exporter;
use crate::config::Settings;
use crate::error::InitError;

/// The Zipkin exporter for the resolved settings. Must be called inside the
/// exporter's runtime, like the OTLP one.
#[cfg(feature = "zipkin")]
pub(crate) fn build(
    settings: &Settings,
    resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    Ok(super::exporter::from_sdk(
        v2::ZipkinExporter::new(&settings.zipkin)?,
        resource,
    ))
}

/// Without the `zipkin` feature, asking for the Zipkin exporter is an error that
/// names the feature.
#[cfg(not(feature = "zipkin"))]
pub(crate) fn build(
    settings: &Settings,
    _resource: &Resource,
) -> Result<Arc<dyn Exporter>, InitError> {
    Err(InitError::FeatureDisabled {
        what: format!("the Zipkin exporter (to `{}`)", settings.zipkin.endpoint),
        feature: "zipkin",
    })
}

/// The v2 model and its client.
#[cfg(feature = "zipkin")]
mod v2 {
    use std::collections::{BTreeMap, HashSet};
    use std::net::IpAddr;
    use std::time::{SystemTime, UNIX_EPOCH};

    use opentelemetry::trace::{Event, SpanId, SpanKind, Status};
    use opentelemetry::{Array, Key, Value};
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    use serde::Serialize;

    use crate::config::ZipkinSettings;
    use crate::error::InitError;

    /// The service name when the resource has none (the SDK's default resource's).
    const DEFAULT_SERVICE: &str = "unknown_service";

    /// Attributes naming the peer of a client or producer span, best first (the
    /// specification's ranking), each with the attribute holding its port, if any.
    const REMOTE: &[(&str, Option<&str>)] = &[
        ("peer.service", None),
        ("server.address", Some("server.port")),
        ("net.peer.name", Some("net.peer.port")),
        ("network.peer.address", Some("network.peer.port")),
        ("server.socket.domain", None),
        ("server.socket.address", Some("server.socket.port")),
        ("net.sock.peer.name", None),
        ("net.sock.peer.addr", Some("net.sock.peer.port")),
        ("peer.hostname", None),
        ("peer.address", None),
        ("db.name", None),
    ];

    #[derive(Debug)]
    pub(super) struct ZipkinExporter {
        client: reqwest::Client,
        endpoint: String,
        /// `localEndpoint` of every span: the resource's service.
        local: Endpoint,
        /// The resource's other attributes, as tags.
        resource_tags: Vec<(String, String)>,
    }

    impl ZipkinExporter {
        pub(super) fn new(settings: &ZipkinSettings) -> Result<Self, InitError> {
            let client = reqwest::Client::builder()
                .timeout(settings.timeout)
                .build()
                .map_err(|e| InitError::Exporter {
                    endpoint: settings.endpoint.clone(),
                    message: e.to_string(),
                })?;
            Ok(Self {
                client,
                endpoint: settings.endpoint.clone(),
                local: Endpoint::named(DEFAULT_SERVICE.to_owned()),
                resource_tags: Vec::new(),
            })
        }

        /// The request body: a JSON array of Zipkin v2 spans.
        fn encode(&self, batch: &[SpanData]) -> Result<Vec<u8>, OTelSdkError> {
            let spans: Vec<ZipkinSpan<'_>> = batch.iter().map(|span| self.span(span)).collect();
            serde_json::to_vec(&spans).map_err(|e| {
                OTelSdkError::InternalFailure(format!("cannot encode Zipkin spans: {e}"))
            })
        }

        fn span<'a>(&'a self, span: &'a SpanData) -> ZipkinSpan<'a> {
            let context = &span.span_context;
            let parent = span.parent_span_id;
            ZipkinSpan {
                trace_id: context.trace_id().to_string(),
                id: context.span_id().to_string(),
                parent_id: (parent != SpanId::INVALID).then(|| parent.to_string()),
                name: &span.name,
                kind: kind(&span.span_kind),
                timestamp: micros(span.start_time),
                duration: span
                    .end_time
                    .duration_since(span.start_time)
                    .map_or(0, |d| saturate(d.as_micros()))
                    .max(1),
                local_endpoint: &self.local,
                remote_endpoint: remote_endpoint(span),
                annotations: annotations(&span.events),
                tags: self.tags(span),
            }
        }

        /// Resource attributes, then span attributes, then what the specification adds
        /// (scope, dropped counts, status), each winning over the ones before.
        fn tags<'a>(&'a self, span: &'a SpanData) -> BTreeMap<&'a str, String> {
            let mut tags: BTreeMap<&str, String> = self
                .resource_tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            for kv in &span.attributes {
                tags.insert(kv.key.as_str(), tag_value(&kv.value));
            }
            let scope = &span.instrumentation_scope;
            if !scope.name().is_empty() {
                for key in ["otel.scope.name", "otel.library.name"] {
                    tags.insert(key, scope.name().to_owned());
                }
            }
            if let Some(version) = scope.version() {
                for key in ["otel.scope.version", "otel.library.version"] {
                    tags.insert(key, version.to_owned());
                }
            }
            for (key, count) in [
                (
                    "otel.dropped_attributes_count",
                    span.dropped_attributes_count,
                ),
                ("otel.dropped_events_count", span.events.dropped_count),
                ("otel.dropped_links_count", span.links.dropped_count),
            ] {
                if count > 0 {
                    tags.insert(key, count.to_string());
                }
            }
            // Zipkin marks any span with an `error` tag as failed, even `error = false`.
            if tags.get("error").is_some_and(|v| v == "false") {
                tags.remove("error");
            }
            match &span.status {
                Status::Unset => {}
                Status::Ok => {
                    tags.insert("otel.status_code", "OK".to_owned());
                }
                Status::Error { description } => {
                    tags.insert("otel.status_code", "ERROR".to_owned());
                    tags.insert("error", description.to_string());
                }
            }
            tags
        }

        async fn send(&self, body: Vec<u8>) -> OTelSdkResult {
            let failed = |what: String| {
                OTelSdkError::InternalFailure(format!(
                    "Zipkin export to `{}` {what}",
                    self.endpoint
                ))
            };
            let answer = self
                .client
                .post(&self.endpoint)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| failed(format!("failed: {e}")))?;
            let status = answer.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(failed(format!("answered {status}")))
            }
        }
    }

    impl SpanExporter for ZipkinExporter {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            if batch.is_empty() {
                return Ok(());
            }
            let body = self.encode(&batch)?;
            self.send(body).await
        }

        fn set_resource(&mut self, resource: &Resource) {
            let name = resource
                .get(&Key::from_static_str("service.name"))
                .map_or_else(|| DEFAULT_SERVICE.to_owned(), |v| v.as_str().into_owned());
            self.local = Endpoint::named(name);
            self.resource_tags = resource
                .iter()
                .filter(|(key, _)| key.as_str() != "service.name")
                .map(|(key, value)| (key.as_str().to_owned(), tag_value(value)))
                .collect();
        }
    }

    /// One span of the v2 model (`definitions.Span` of `zipkin2-api.yaml`); fields that
    /// would be empty are left out, as the specification asks.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ZipkinSpan<'a> {
        trace_id: String,
        id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_id: Option<String>,
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<&'static str>,
        timestamp: u64,
        duration: u64,
        local_endpoint: &'a Endpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        remote_endpoint: Option<Endpoint>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        annotations: Vec<Annotation>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        tags: BTreeMap<&'a str, String>,
    }

    #[derive(Debug, Default, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Endpoint {
        #[serde(skip_serializing_if = "Option::is_none")]
        service_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ipv4: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ipv6: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
    }

    impl Endpoint {
        fn named(service_name: String) -> Self {
            Self {
                service_name: Some(service_name),
                ..Self::default()
            }
        }

        /// An address: an IP goes to `ipv4`/`ipv6`, a host name to `serviceName`.
        fn address(address: &str) -> Self {
            let bare = address.trim_start_matches('[').trim_end_matches(']');
            match bare.parse::<IpAddr>() {
                Ok(IpAddr::V4(ip)) => Self {
                    ipv4: Some(ip.to_string()),
                    ..Self::default()
                },
                Ok(IpAddr::V6(ip)) => Self {
                    ipv6: Some(ip.to_string()),
                    ..Self::default()
                },
                Err(_) => Self::named(address.to_owned()),
            }
        }
    }

    #[derive(Serialize)]
    struct Annotation {
        timestamp: u64,
        value: String,
    }

    fn kind(kind: &SpanKind) -> Option<&'static str> {
        match kind {
            SpanKind::Client => Some("CLIENT"),
            SpanKind::Server => Some("SERVER"),
            SpanKind::Producer => Some("PRODUCER"),
            SpanKind::Consumer => Some("CONSUMER"),
            SpanKind::Internal => None,
        }
    }

    fn saturate(n: u128) -> u64 {
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// Microseconds since the Unix epoch.
    fn micros(time: SystemTime) -> u64 {
        time.duration_since(UNIX_EPOCH)
            .map_or(0, |d| saturate(d.as_micros()))
    }

    /// The peer of a client or producer span (the spans Zipkin draws dependencies
    /// from), from the best ranked attribute present.
    fn remote_endpoint(span: &SpanData) -> Option<Endpoint> {
        if !matches!(span.span_kind, SpanKind::Client | SpanKind::Producer) {
            return None;
        }
        let find = |key: &str| {
            span.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| &kv.value)
        };
        REMOTE.iter().find_map(|&(key, port_key)| {
            let value = find(key)?.as_str();
            if value.is_empty() {
                return None;
            }
            let mut endpoint = if key == "peer.service" {
                Endpoint::named(value.into_owned())
            } else {
                Endpoint::address(&value)
            };
            endpoint.port = port_key.and_then(find).and_then(port);
            Some(endpoint)
        })
    }

    /// A port attribute (an integer, or text from older instrumentation); Zipkin wants
    /// none rather than zero.
    fn port(value: &Value) -> Option<u16> {
        let port = match value {
            Value::I64(n) => u16::try_from(*n).ok(),
            Value::String(s) => s.as_str().parse().ok(),
            _ => None,
        };
        port.filter(|p| *p != 0)
    }

    /// Events as annotations; Zipkin wants them unique (`uniqueItems`).
    fn annotations(events: &[Event]) -> Vec<Annotation> {
        let mut seen = HashSet::new();
        events
            .iter()
            .map(|event| Annotation {
                timestamp: micros(event.timestamp),
                value: annotation_value(event),
            })
            .filter(|a| seen.insert((a.timestamp, a.value.clone())))
            .collect()
    }

    /// The event's name, with its attributes appended as the specification shows:
    /// `"name":{"key":"value"}`.
    fn annotation_value(event: &Event) -> String {
        if event.attributes.is_empty() {
            return event.name.to_string();
        }
        let attributes: serde_json::Map<String, serde_json::Value> = event
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), json(&kv.value)))
            .collect();
        format!(
            "{}:{}",
            serde_json::Value::from(event.name.as_ref()),
            serde_json::Value::Object(attributes)
        )
    }

    /// A tag value: text as it is, booleans `true`/`false`, numbers in the invariant
    /// format, arrays as JSON array text.
    fn tag_value(value: &Value) -> String {
        match value {
            Value::Array(_) => json(value).to_string(),
            other => other.to_string(),
        }
    }

    fn json(value: &Value) -> serde_json::Value {
        match value {
            Value::Bool(b) => (*b).into(),
            Value::I64(n) => (*n).into(),
            Value::F64(f) => (*f).into(),
            Value::String(s) => s.as_str().into(),
            Value::Array(Array::Bool(v)) => v.iter().copied().collect(),
            Value::Array(Array::I64(v)) => v.iter().copied().collect(),
            Value::Array(Array::F64(v)) => v.iter().copied().collect(),
            Value::Array(Array::String(v)) => {
                v.iter().map(opentelemetry::StringValue::as_str).collect()
            }
            other => other.to_string().into(),
        }
    }

    #[cfg(test)]
    mod tests {
        use std::io::{BufRead as _, BufReader, Read as _, Write as _};
        use std::net::TcpListener;
        use std::time::{Duration, Instant};

        use opentelemetry::trace::{SpanContext, TraceFlags, TraceId, TraceState};
        use opentelemetry::{InstrumentationScope, KeyValue};
        use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
        use serde_json::{Value as Json, json};

        use super::*;

        const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
        const SPAN: &str = "00f067aa0ba902b7";
        const PARENT: &str = "b7ad6b7169203331";
        const START_MICROS: u64 = 1_700_000_000_123_456;

        fn settings(endpoint: &str) -> ZipkinSettings {
            ZipkinSettings {
                endpoint: endpoint.to_owned(),
                timeout: Duration::from_secs(10),
            }
        }

        fn exporter_for(endpoint: &str, resource: &Resource) -> ZipkinExporter {
            let mut exporter = ZipkinExporter::new(&settings(endpoint)).unwrap();
            exporter.set_resource(resource);
            exporter
        }

        fn resource() -> Resource {
            Resource::builder_empty()
                .with_service_name("checkout")
                .with_attribute(KeyValue::new("service.namespace", "shop"))
                .build()
        }

        fn exporter() -> ZipkinExporter {
            exporter_for("http://127.0.0.1:9411/api/v2/spans", &resource())
        }

        fn at(micros: u64) -> SystemTime {
            UNIX_EPOCH + Duration::from_micros(micros)
        }

        fn span(kind: SpanKind, attributes: Vec<KeyValue>) -> SpanData {
            SpanData {
                span_context: SpanContext::new(
                    TraceId::from_hex(TRACE).unwrap(),
                    SpanId::from_hex(SPAN).unwrap(),
                    TraceFlags::SAMPLED,
                    false,
                    TraceState::default(),
                ),
                parent_span_id: SpanId::INVALID,
                parent_span_is_remote: false,
                span_kind: kind,
                name: "GET /users/{id}".into(),
                start_time: at(START_MICROS),
                end_time: at(START_MICROS) + Duration::from_nanos(1_234_567),
                attributes,
                dropped_attributes_count: 0,
                events: SpanEvents::default(),
                links: SpanLinks::default(),
                status: Status::Unset,
                instrumentation_scope: InstrumentationScope::builder("semtrace")
                    .with_version("0.1.0")
                    .build(),
            }
        }

        /// The JSON of one span, as sent.
        fn encoded(span: &SpanData) -> Json {
            let body = exporter().encode(std::slice::from_ref(span)).unwrap();
            let mut all: Vec<Json> = serde_json::from_slice(&body).unwrap();
            assert_eq!(all.len(), 1);
            all.remove(0)
        }

        fn remote(kind: SpanKind, attributes: Vec<KeyValue>) -> Json {
            encoded(&span(kind, attributes))["remoteEndpoint"].clone()
        }

        #[test]
        fn root_internal_span_maps_ids_times_service_and_scope() {
            let json = encoded(&span(SpanKind::Internal, vec![]));
            assert_eq!(
                json,
                json!({
                    "traceId": TRACE,
                    "id": SPAN,
                    "name": "GET /users/{id}",
                    "timestamp": START_MICROS,
                    "duration": 1234,
                    "localEndpoint": { "serviceName": "checkout" },
                    "tags": {
                        "service.namespace": "shop",
                        "otel.scope.name": "semtrace",
                        "otel.scope.version": "0.1.0",
                        "otel.library.name": "semtrace",
                        "otel.library.version": "0.1.0",
                    },
                })
            );
        }

        #[test]
        fn child_span_names_its_parent() {
            let mut child = span(SpanKind::Internal, vec![]);
            child.parent_span_id = SpanId::from_hex(PARENT).unwrap();
            assert_eq!(encoded(&child)["parentId"], PARENT);
        }

        #[test]
        fn each_kind_maps_and_internal_is_left_out() {
            for (kind, expected) in [
                (SpanKind::Server, json!("SERVER")),
                (SpanKind::Client, json!("CLIENT")),
                (SpanKind::Producer, json!("PRODUCER")),
                (SpanKind::Consumer, json!("CONSUMER")),
                (SpanKind::Internal, Json::Null),
            ] {
                let json = encoded(&span(kind.clone(), vec![]));
                assert_eq!(json["kind"], expected, "{kind:?}");
                if expected.is_null() {
                    assert!(json.get("kind").is_none(), "internal spans have no `kind`");
                }
            }
        }

        #[test]
        fn durations_under_a_microsecond_become_one() {
            let mut short = span(SpanKind::Internal, vec![]);
            short.end_time = short.start_time + Duration::from_nanos(10);
            assert_eq!(encoded(&short)["duration"], 1);
            short.end_time = short.start_time - Duration::from_secs(1);
            assert_eq!(encoded(&short)["duration"], 1, "an end before the start");
        }

        #[test]
        fn error_status_sets_the_code_and_the_error_tag() {
            let mut failed = span(SpanKind::Server, vec![KeyValue::new("error", false)]);
            failed.status = Status::error("connection reset");
            let tags = &encoded(&failed)["tags"];
            assert_eq!(tags["otel.status_code"], "ERROR");
            assert_eq!(tags["error"], "connection reset");
            assert!(tags.get("otel.status_description").is_none());

            failed.status = Status::error("");
            assert_eq!(
                encoded(&failed)["tags"]["error"],
                "",
                "an error without description still has the `error` tag"
            );
        }

        #[test]
        fn ok_and_unset_status_have_no_error_tag() {
            let mut ok = span(SpanKind::Server, vec![KeyValue::new("error", "false")]);
            ok.status = Status::Ok;
            let tags = &encoded(&ok)["tags"];
            assert_eq!(tags["otel.status_code"], "OK");
            assert!(tags.get("error").is_none(), "a false `error` is removed");

            let unset = encoded(&span(SpanKind::Server, vec![]));
            assert!(unset["tags"].get("otel.status_code").is_none());
            assert!(unset["tags"].get("error").is_none());
        }

        #[test]
        fn attributes_become_text_tags_and_arrays_json_text() {
            let json = encoded(&span(
                SpanKind::Internal,
                vec![
                    KeyValue::new("db.system.name", "postgresql"),
                    KeyValue::new("http.response.status_code", 404_i64),
                    KeyValue::new("retry.ratio", 0.25),
                    KeyValue::new("cache.hit", true),
                    KeyValue::new(
                        "tags",
                        Value::Array(Array::String(vec!["a\"b".into(), "c".into()])),
                    ),
                    KeyValue::new("ports", Value::Array(Array::I64(vec![80, 443]))),
                    KeyValue::new("flags", Value::Array(Array::Bool(vec![true, false]))),
                    KeyValue::new("weights", Value::Array(Array::F64(vec![0.5, 2.0]))),
                ],
            ));
            let tags = &json["tags"];
            assert_eq!(tags["db.system.name"], "postgresql");
            assert_eq!(tags["http.response.status_code"], "404");
            assert_eq!(tags["retry.ratio"], "0.25");
            assert_eq!(tags["cache.hit"], "true");
            assert_eq!(tags["tags"], r#"["a\"b","c"]"#);
            assert_eq!(tags["ports"], "[80,443]");
            assert_eq!(tags["flags"], "[true,false]");
            assert_eq!(tags["weights"], "[0.5,2.0]");
            let decoded: Json = serde_json::from_str(tags["tags"].as_str().unwrap()).unwrap();
            assert_eq!(decoded, json!(["a\"b", "c"]));
        }

        #[test]
        fn events_become_annotations_with_their_attributes() {
            let mut with_events = span(SpanKind::Internal, vec![]);
            let event = |micros, name: &'static str, attributes| {
                Event::new(name, at(micros), attributes, 0)
            };
            with_events.events.events = vec![
                event(START_MICROS + 10, "cache miss", vec![]),
                event(
                    START_MICROS + 20,
                    "retry",
                    vec![
                        KeyValue::new("reason", "timeout"),
                        KeyValue::new("attempt", 2_i64),
                    ],
                ),
                event(START_MICROS + 10, "cache miss", vec![]),
            ];
            let json = encoded(&with_events);
            assert_eq!(
                json["annotations"],
                json!([
                    { "timestamp": START_MICROS + 10, "value": "cache miss" },
                    { "timestamp": START_MICROS + 20, "value": r#""retry":{"attempt":2,"reason":"timeout"}"# },
                ]),
                "the duplicate is sent once (Zipkin wants unique annotations)"
            );
            assert!(
                encoded(&span(SpanKind::Internal, vec![]))
                    .get("annotations")
                    .is_none()
            );
        }

        #[test]
        fn remote_endpoint_follows_the_ranking() {
            let all = || {
                vec![
                    KeyValue::new("db.name", "users"),
                    KeyValue::new("peer.address", "10.9.9.9"),
                    KeyValue::new("network.peer.address", "10.0.0.7"),
                    KeyValue::new("network.peer.port", 6000_i64),
                    KeyValue::new("net.peer.name", "legacy.internal"),
                    KeyValue::new("server.address", "db.internal"),
                    KeyValue::new("server.port", 5432_i64),
                    KeyValue::new("peer.service", "users-db"),
                ]
            };
            let without = |drop: &[&str]| -> Vec<KeyValue> {
                all()
                    .into_iter()
                    .filter(|kv| !drop.contains(&kv.key.as_str()))
                    .collect()
            };
            assert_eq!(
                remote(SpanKind::Client, all()),
                json!({ "serviceName": "users-db" })
            );
            assert_eq!(
                remote(SpanKind::Client, without(&["peer.service"])),
                json!({ "serviceName": "db.internal", "port": 5432 })
            );
            assert_eq!(
                remote(
                    SpanKind::Client,
                    without(&["peer.service", "server.address", "server.port"])
                ),
                json!({ "serviceName": "legacy.internal" })
            );
            assert_eq!(
                remote(
                    SpanKind::Producer,
                    without(&[
                        "peer.service",
                        "server.address",
                        "server.port",
                        "net.peer.name"
                    ])
                ),
                json!({ "ipv4": "10.0.0.7", "port": 6000 })
            );
            assert_eq!(
                remote(
                    SpanKind::Client,
                    vec![
                        KeyValue::new("network.peer.address", "[2001:db8::c001]"),
                        KeyValue::new("network.peer.port", "0"),
                    ]
                ),
                json!({ "ipv6": "2001:db8::c001" }),
                "a zero port is left out"
            );
            assert_eq!(
                remote(SpanKind::Client, vec![KeyValue::new("db.name", "users")]),
                json!({ "serviceName": "users" })
            );
            for kind in [SpanKind::Server, SpanKind::Consumer, SpanKind::Internal] {
                assert!(
                    encoded(&span(kind.clone(), all()))
                        .get("remoteEndpoint")
                        .is_none(),
                    "{kind:?}: server.address is this service, not a peer"
                );
            }
            let client = encoded(&span(SpanKind::Client, all()));
            assert_eq!(
                client["tags"]["peer.service"], "users-db",
                "the attribute stays a tag"
            );
        }

        #[test]
        fn resource_without_service_name_gets_the_default() {
            let exporter =
                exporter_for("http://127.0.0.1:9411", &Resource::builder_empty().build());
            let body = exporter
                .encode(&[span(SpanKind::Internal, vec![])])
                .unwrap();
            let json: Json = serde_json::from_slice(&body).unwrap();
            assert_eq!(json[0]["localEndpoint"]["serviceName"], "unknown_service");
        }

        #[test]
        fn dropped_counts_become_tags_when_not_zero() {
            let mut dropped = span(SpanKind::Internal, vec![]);
            dropped.dropped_attributes_count = 3;
            dropped.events.dropped_count = 2;
            let tags = &encoded(&dropped)["tags"];
            assert_eq!(tags["otel.dropped_attributes_count"], "3");
            assert_eq!(tags["otel.dropped_events_count"], "2");
            assert!(tags.get("otel.dropped_links_count").is_none());
        }

        /// Answers one request with `status` and returns the request, or `None` when no
        /// request came in time.
        fn receiver(status: &'static str) -> (String, std::thread::JoinHandle<Option<String>>) {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}/api/v2/spans", listener.local_addr().unwrap());
            listener.set_nonblocking(true).unwrap();
            let thread = std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(10);
                let stream = loop {
                    match listener.accept() {
                        Ok((stream, _)) => break stream,
                        Err(_) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(_) => return None,
                    }
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut reader = BufReader::new(stream);
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).ok()?;
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().ok()?;
                    }
                    head.push_str(&line);
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).ok()?;
                let answer =
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                reader.get_mut().write_all(answer.as_bytes()).ok()?;
                Some(head + &String::from_utf8_lossy(&body))
            });
            (url, thread)
        }

        fn export_to(url: &str) -> OTelSdkResult {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let exporter = exporter_for(url, &resource());
            runtime.block_on(exporter.export(vec![span(SpanKind::Server, vec![])]))
        }

        #[test]
        fn a_2xx_answer_is_success_and_the_body_is_json() {
            let (url, receiver) = receiver("202 Accepted");
            export_to(&url).unwrap();
            let request = receiver.join().unwrap().expect("a request came");
            assert!(
                request.starts_with("POST /api/v2/spans HTTP/1.1\r\n"),
                "{request}"
            );
            assert!(
                request
                    .to_ascii_lowercase()
                    .contains("content-type: application/json\r\n"),
                "{request}"
            );
            let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
            let spans: Json = serde_json::from_str(body).unwrap();
            assert_eq!(spans[0]["traceId"], TRACE);
        }

        #[test]
        fn a_non_2xx_answer_is_an_error() {
            let (url, receiver) = receiver("503 Service Unavailable");
            let error = export_to(&url).unwrap_err().to_string();
            assert!(error.contains("503"), "{error}");
            assert!(error.contains(&url), "{error}");
            receiver.join().unwrap().expect("a request came");
        }

        #[test]
        fn an_unreachable_endpoint_is_an_error() {
            // A port that was just free: nothing listens there any more.
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let url = format!("http://127.0.0.1:{port}/api/v2/spans");
            let error = export_to(&url).unwrap_err().to_string();
            assert!(error.contains("failed"), "{error}");
        }
    }
}
