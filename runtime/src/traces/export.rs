//! What the worker exports through ([`Export`]) and what an export returns: a leaf,
//! so the worker and the exporters (spans' and logs') both depend on it, not on
//! each other.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

/// An export's outcome: `Ok` with the number of items the destination received but
/// rejected (an OTLP partial success), or the error after its retries.
pub(crate) type ExportResult = Result<u64, OTelSdkError>;

pub(crate) type ExportFuture = Pin<Box<dyn Future<Output = ExportResult> + Send>>;

/// What the worker exports batches of `B` through: several calls may be in flight.
pub(crate) trait Export<B>: Send + Sync + 'static {
    /// Exports `batch`; `Ok` with the number of items the destination rejected.
    fn export(&self, batch: &B) -> ExportFuture;
    fn shutdown(&self, timeout: Duration) -> OTelSdkResult;
}

/// One export of the same batch to several destinations (a fan-out), awaited in
/// turn: it fails when one of them does (a retry then sends again to all), and an
/// item rejected by any destination counts as rejected (which items each rejected
/// is not known, so this is at least that many).
pub(crate) fn all_of(exports: Vec<ExportFuture>) -> ExportFuture {
    Box::pin(async move {
        let mut failed = Vec::new();
        let mut rejected = 0;
        for export in exports {
            match export.await {
                Ok(r) => rejected = rejected.max(r),
                Err(e) => failed.push(e.to_string()),
            }
        }
        if failed.is_empty() {
            Ok(rejected)
        } else {
            Err(OTelSdkError::InternalFailure(failed.join("; ")))
        }
    })
}

/// Shuts every destination of a fan-out down; the last error, if any failed.
pub(crate) fn shut_all<'a, E: ?Sized + 'a>(
    exporters: impl IntoIterator<Item = &'a E>,
    shutdown: impl Fn(&E) -> OTelSdkResult,
) -> OTelSdkResult {
    let mut result = Ok(());
    for exporter in exporters {
        if let Err(e) = shutdown(exporter) {
            result = Err(e);
        }
    }
    result
}
