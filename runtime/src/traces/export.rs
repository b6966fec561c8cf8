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
