//! Values set by explicit [`TelemetryBuilder`](crate::TelemetryBuilder) calls: the
//! first source of every setting.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::values::{
    Ansi, Compression, ConsoleFormat, ExemplarFilter, FileFormat, LogsExporter, MetricsExporter,
    Protocol, Rotation, Sampler, TracesExporter,
};

/// Values set by explicit builder calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) service_namespace: Option<String>,
    pub(crate) service_instance_id: Option<String>,
    pub(crate) deployment_environment: Option<String>,
    pub(crate) resource_attributes: BTreeMap<String, String>,
    pub(crate) console: Option<bool>,
    pub(crate) console_level: Option<String>,
    pub(crate) console_format: Option<ConsoleFormat>,
    pub(crate) ansi: Option<Ansi>,
    pub(crate) file_dir: Option<PathBuf>,
    pub(crate) file_prefix: Option<String>,
    pub(crate) file_rotation: Option<Rotation>,
    pub(crate) file_max_files: Option<usize>,
    pub(crate) file_level: Option<String>,
    pub(crate) file_format: Option<FileFormat>,
    pub(crate) otlp: Option<bool>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) otlp_protocol: Option<Protocol>,
    pub(crate) otlp_headers: BTreeMap<String, String>,
    pub(crate) otlp_timeout: Option<Duration>,
    pub(crate) otlp_compression: Option<Compression>,
    pub(crate) otlp_level: Option<String>,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) scheduled_delay: Option<Duration>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) max_concurrent_exports: Option<usize>,
    pub(crate) code_attributes: Option<bool>,
    pub(crate) thread_attributes: Option<bool>,
    pub(crate) timing_attributes: Option<bool>,
    pub(crate) span_limits: Option<super::values::SpanLimits>,
    pub(crate) log_bridge: Option<bool>,
    pub(crate) genai_capture_content: Option<bool>,
    pub(crate) traces_exporters: Option<Vec<TracesExporter>>,
    pub(crate) console_exporter_path: Option<PathBuf>,
    pub(crate) zipkin_endpoint: Option<String>,
    pub(crate) zipkin_timeout: Option<Duration>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) metrics_exporters: Option<Vec<MetricsExporter>>,
    pub(crate) metrics_interval: Option<Duration>,
    pub(crate) slos: Option<Vec<crate::catalogue::Slo>>,
    pub(crate) logs_exporters: Option<Vec<LogsExporter>>,
    pub(crate) logs_level: Option<String>,
    pub(crate) logs_endpoint: Option<String>,
    pub(crate) metrics_exemplar_filter: Option<ExemplarFilter>,
}
