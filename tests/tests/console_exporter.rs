//! The `console` span exporter: OTLP JSON lines that decode back to the spans sent,
//! chosen through `OTEL_TRACES_EXPORTER`, next to another exporter.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

#[semtrace::traced_task(task.id = %id, task.type = "export", task.priority = 3)]
fn work(id: u64) -> Result<(), String> {
    tracing::info!("working");
    if id == 2 {
        Err("broken".into())
    } else {
        Ok(())
    }
}

fn attr<'a>(span: &'a opentelemetry_proto::tonic::trace::v1::Span, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

#[test]
fn console_json_lines_decode_back_to_the_spans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let env_path = path.clone();
    let (dispatch, guard) = semtrace::Telemetry::builder("json-lines")
        .env_lookup(move |name| match name {
            "OTEL_TRACES_EXPORTER" => Some("console".into()),
            _ => None,
        })
        .console(false)
        .console_exporter_path(env_path)
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        let _ = work(1);
        let _ = work(2);
    });
    let stats = guard.shutdown().unwrap();
    assert_eq!(stats.exported, 2);

    let text = std::fs::read_to_string(&path).unwrap();
    let mut spans = Vec::new();
    for line in text.lines() {
        let request: ExportTraceServiceRequest =
            serde_json::from_str(line).expect("a line is an OTLP JSON request");
        for rs in request.resource_spans {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
                .and_then(|kv| kv.value.as_ref())
                .and_then(|v| v.value.clone());
            assert_eq!(service, Some(Value::StringValue("json-lines".into())));
            for ss in rs.scope_spans {
                assert_eq!(ss.scope.as_ref().unwrap().name, "semtrace");
                spans.extend(ss.spans);
            }
        }
    }
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert_eq!(span.name, "work");
        assert_eq!(span.trace_id.len(), 16, "ids decode from hex");
        assert_eq!(
            attr(span, "task.type"),
            Some(&Value::StringValue("export".into()))
        );
        assert_eq!(attr(span, "task.priority"), Some(&Value::IntValue(3)));
        assert_eq!(span.events[0].name, "working");
        assert!(span.end_time_unix_nano > span.start_time_unix_nano);
    }
    let failed = spans
        .iter()
        .find(|s| attr(s, "task.id") == Some(&Value::StringValue("2".into())))
        .unwrap();
    let error = failed.status.as_ref().unwrap();
    assert_eq!(error.code, 2, "STATUS_CODE_ERROR");
    assert_eq!(error.message, "broken");
    // The raw line uses the protobuf JSON mapping: camelCase keys, hex ids.
    assert!(
        text.contains("\"resourceSpans\"") && text.contains("\"traceId\":\""),
        "{text}"
    );
}
