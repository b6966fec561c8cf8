//! From the resolved settings to a running log pipeline ([`build`]): the queue, the
//! capture that feeds it, and the worker that exports it on a thread of its own.

use std::sync::Arc;
use std::time::Duration;

use super::capture::Capture;
use super::record::LogBatch;
use crate::config::Settings;
use crate::control::levels::LevelFilter;
use crate::error::InitError;
use crate::traces::export::Export;
use crate::traces::limits::Limits;
use crate::traces::queue::Queue;
use crate::traces::worker::{Pacing, Worker};

/// How long a batch that keeps failing is held for another attempt.
const HOLD_FAILED: Duration = Duration::from_secs(60);
/// Exports in flight at once.
const IN_FLIGHT: usize = 2;

/// Builds an exporter once the resource is known (an injected one, for tests).
pub(crate) type LogExporterFactory =
    Box<dyn FnOnce(&opentelemetry_sdk::Resource) -> Arc<dyn Export<LogBatch>> + Send>;

/// A running log pipeline.
pub(crate) struct LogPipeline {
    pub(crate) capture: Arc<Capture>,
    pub(crate) queue: Arc<Queue<LogBatch>>,
    pub(crate) worker: Worker<LogBatch>,
}

/// The log pipeline the settings ask for (or the injected exporter), if any.
pub(crate) fn build(
    settings: &Settings,
    injected: Option<LogExporterFactory>,
) -> Result<Option<LogPipeline>, InitError> {
    let l = &settings.logs;
    if injected.is_none() && l.exporters.is_empty() {
        return Ok(None);
    }
    let queue = Queue::new(l.max_queue_size, l.max_export_batch_size);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("semtrace-logs")
        .enable_all()
        .build()
        .map_err(InitError::Runtime)?;
    let resource = crate::resource::build(settings);
    let exporter = {
        // tonic spawns its connection task on the runtime current while it is built.
        let _entered = runtime.enter();
        if let Some(factory) = injected {
            factory(&resource)
        } else {
            let mut built = l
                .exporters
                .iter()
                .map(|kind| super::exporters::build(*kind, settings, &resource))
                .collect::<Result<Vec<_>, _>>()?;
            if built.len() == 1 {
                built.pop().expect("one exporter")
            } else {
                Arc::new(Fanout(built))
            }
        }
    };
    let capture = Arc::new(Capture::new(
        Arc::clone(&queue),
        LevelFilter::new(&l.level, None),
        settings.traces.code_attributes,
        Limits::new(&settings.traces.limits),
    ));
    let worker = Worker::start(
        runtime,
        Arc::clone(&queue),
        exporter,
        Pacing {
            scheduled_delay: l.scheduled_delay,
            max_in_flight: IN_FLIGHT,
            hold_failed: HOLD_FAILED,
        },
    );
    Ok(Some(LogPipeline {
        capture,
        queue,
        worker,
    }))
}

/// Several exporters (`OTEL_LOGS_EXPORTER=otlp,console`): each batch to each; fails
/// when one fails (a retry then sends again to all of them).
struct Fanout(Vec<Arc<dyn Export<LogBatch>>>);

impl Export<LogBatch> for Fanout {
    fn export(&self, batch: &LogBatch) -> crate::traces::export::ExportFuture {
        crate::traces::export::all_of(self.0.iter().map(|e| e.export(batch)).collect())
    }

    fn shutdown(&self, timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        crate::traces::export::shut_all(self.0.iter().map(|e| &**e), |e| e.shutdown(timeout))
    }
}

/// An exporter of a closure that receives each batch as an OTLP request (for
/// tests, through `TelemetryBuilder::log_exporter`).
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
pub(crate) fn injected<F>(export: F) -> LogExporterFactory
where
    F: Fn(
            opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest,
        ) -> Result<(), String>
        + Send
        + Sync
        + 'static,
{
    Box::new(move |resource| {
        Arc::new(Injected {
            export: Arc::new(export),
            resource: super::otlp::resource(resource),
        })
    })
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
type ExportFn = dyn Fn(
        opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest,
    ) -> Result<(), String>
    + Send
    + Sync;

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
struct Injected {
    export: Arc<ExportFn>,
    resource: Arc<opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema>,
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http", feature = "json"))]
impl Export<LogBatch> for Injected {
    fn export(&self, batch: &LogBatch) -> crate::traces::export::ExportFuture {
        let request = super::otlp::request(batch, &self.resource);
        let export = Arc::clone(&self.export);
        Box::pin(async move {
            export(request)
                .map(|()| 0)
                .map_err(opentelemetry_sdk::error::OTelSdkError::InternalFailure)
        })
    }

    fn shutdown(&self, _timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        Ok(())
    }
}
