//! A batch of log records straight into an OTLP `ExportLogsServiceRequest`, one
//! scope per target, and the exporters that send it: gRPC and HTTP through the
//! shared transport (`crate::transport`: retries, headers, gzip), and OTLP JSON
//! lines for `OTEL_LOGS_EXPORTER=console`.

use std::collections::HashMap;
use std::sync::Arc;

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;

use super::record::{LogBatch, Row};
use crate::traces::record::Val;

/// The request exporting `batch` for `resource`.
pub(crate) fn request(
    batch: &LogBatch,
    resource: &ResourceAttributesWithSchema,
) -> ExportLogsServiceRequest {
    // Most batches hold a few targets: one scope each, in order of first record.
    let mut scopes: Vec<ScopeLogs> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for row in &batch.rows {
        let name = batch.scope_of(row);
        let at = *index.entry(name).or_insert_with(|| {
            scopes.push(ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: name.to_owned(),
                    ..Default::default()
                }),
                log_records: Vec::new(),
                schema_url: String::new(),
            });
            scopes.len() - 1
        });
        scopes[at].log_records.push(record(batch, row));
    }
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: resource.attributes.0.clone(),
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_logs: scopes,
            schema_url: resource.schema_url.clone().unwrap_or_default(),
        }],
    }
}

fn record(batch: &LogBatch, row: &Row) -> LogRecord {
    let text = batch.text_of(row);
    let string = |s: &str| AnyValue {
        value: Some(any_value::Value::StringValue(s.to_owned())),
    };
    let in_span = row.trace != 0;
    LogRecord {
        time_unix_nano: row.time,
        observed_time_unix_nano: row.time,
        severity_number: i32::from(row.severity),
        severity_text: row.severity_text().to_owned(),
        body: row.body.map(|t| string(t.of(text))),
        attributes: batch
            .attrs_of(row)
            .iter()
            .map(|&(key, value)| KeyValue {
                key: key.to_owned(),
                value: Some(AnyValue {
                    value: Some(match value {
                        Val::I64(i) => any_value::Value::IntValue(i),
                        Val::F64(f) => any_value::Value::DoubleValue(f),
                        Val::Bool(b) => any_value::Value::BoolValue(b),
                        Val::Str(t) => any_value::Value::StringValue(t.of(text).to_owned()),
                        // Log records keep no arrays.
                        Val::Array(_) => any_value::Value::StringValue(String::new()),
                    }),
                }),
                key_strindex: 0,
            })
            .collect(),
        dropped_attributes_count: row.dropped_attributes,
        flags: u32::from(row.flags),
        trace_id: if in_span {
            row.trace.to_be_bytes().to_vec()
        } else {
            Vec::new()
        },
        span_id: if in_span {
            row.span.to_be_bytes().to_vec()
        } else {
            Vec::new()
        },
        event_name: String::new(),
    }
}

/// The records a partial success rejected.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn rejected(partial: Option<ExportLogsPartialSuccess>) -> u64 {
    partial.map_or(0, |p| u64::try_from(p.rejected_log_records).unwrap_or(0))
}

/// The resource as the requests carry it.
pub(crate) fn resource(
    resource: &opentelemetry_sdk::Resource,
) -> Arc<ResourceAttributesWithSchema> {
    Arc::new(resource.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::record::{Name, Text};

    #[test]
    fn records_are_grouped_by_target_with_typed_values() {
        let mut batch = LogBatch::default();
        batch.text.extend_from_slice(b"hello");
        batch.attrs.push(("n", Val::I64(3)));
        batch.attrs.push(("ok", Val::Bool(true)));
        for (i, target) in ["a", "b", "a"].into_iter().enumerate() {
            batch.rows.push(Row {
                time: 1,
                trace: if i == 0 { 7 } else { 0 },
                span: 8,
                flags: 1,
                severity: 13,
                scope: Name::Static(target),
                body: Some(Text::new(0, 5)),
                text: 0,
                attrs: (0, 2),
                dropped_attributes: 0,
            });
        }
        let request = request(&batch, &ResourceAttributesWithSchema::default());
        let scopes = &request.resource_logs[0].scope_logs;
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes[0].log_records.len(), 2);
        let first = &scopes[0].log_records[0];
        assert_eq!(first.severity_text, "WARN");
        assert_eq!(first.trace_id.len(), 16);
        assert!(scopes[1].log_records[0].trace_id.is_empty());
        assert_eq!(
            first.attributes[0].value.as_ref().unwrap().value,
            Some(any_value::Value::IntValue(3))
        );
    }
}
