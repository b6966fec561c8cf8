//! The value that keeps telemetry running and flushes it at the end.

use std::time::Duration;

use crate::error::{ShutdownError, ShutdownFailure};

/// Keeps the outputs alive; dropping it (or calling [`shutdown`](Self::shutdown))
/// flushes every span and log line created before, then stops the outputs.
///
/// Shutdown is bounded by the shutdown timeout (default 5 s, see
/// [`TelemetryBuilder::shutdown_timeout`](crate::TelemetryBuilder::shutdown_timeout)),
/// also when the collector is unreachable. It blocks the calling thread for at most
/// that long, so dropping the guard at the end of `#[tokio::main]` is fine.
#[must_use = "telemetry stops when the guard is dropped: bind it with `let _guard = …`"]
pub struct Guard {
    timeout: Duration,
    #[cfg(feature = "otel")]
    export: Option<crate::otlp::Export>,
    #[cfg(feature = "file")]
    file: Option<tracing_appender::non_blocking::WorkerGuard>,
    done: bool,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Guard");
        d.field("timeout", &self.timeout);
        #[cfg(feature = "otel")]
        d.field("export", &self.export.is_some());
        #[cfg(feature = "file")]
        d.field("file", &self.file.is_some());
        d.finish_non_exhaustive()
    }
}

impl Guard {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            #[cfg(feature = "otel")]
            export: None,
            #[cfg(feature = "file")]
            file: None,
            done: false,
        }
    }

    #[cfg(feature = "otel")]
    pub(crate) fn set_export(&mut self, export: crate::otlp::Export) {
        self.export = Some(export);
    }

    #[cfg(feature = "file")]
    pub(crate) fn set_file(&mut self, guard: tracing_appender::non_blocking::WorkerGuard) {
        self.file = Some(guard);
    }

    #[cfg(feature = "otel")]
    pub(crate) fn provider(&self) -> Option<opentelemetry_sdk::trace::SdkTracerProvider> {
        self.export.as_ref().map(|e| e.provider.clone())
    }

    /// The bound on [`shutdown`](Self::shutdown).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Flushes and stops every output, returning what failed: spans that could not be
    /// exported (e.g. collector down) or an export that did not finish in time.
    pub fn shutdown(mut self) -> Result<(), ShutdownError> {
        ShutdownError::new(self.stop()).map_or(Ok(()), Err)
    }

    fn stop(&mut self) -> Vec<ShutdownFailure> {
        if std::mem::replace(&mut self.done, true) {
            return Vec::new();
        }
        #[allow(unused_mut)]
        let mut failures = Vec::new();
        #[cfg(feature = "otel")]
        if let Some(export) = self.export.take() {
            failures.extend(crate::otlp::shutdown(&export, self.timeout));
            #[cfg(feature = "otlp-grpc")]
            if let Some(runtime) = export.runtime {
                // Never blocks, so it is allowed inside an async context too.
                runtime.shutdown_background();
            }
        }
        #[cfg(feature = "file")]
        if let Some(file) = self.file.take() {
            // The worker guard waits (bounded by tracing-appender) for the writer thread
            // to drain its queue.
            drop(file);
        }
        failures
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Errors have nowhere to go when the program ends; `shutdown` reports them.
        let _ = self.stop();
    }
}
