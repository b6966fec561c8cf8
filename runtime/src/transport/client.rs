//! What every OTLP client has, whatever its protocol: the client itself until the
//! exporter shuts down, the name it gives the collector, and the start-up error that
//! names the endpoint.

use crate::config::OtlpSettings;
use crate::error::InitError;

/// What the collector sees as the sender.
pub(crate) const USER_AGENT: &str = concat!("semtrace/", env!("CARGO_PKG_VERSION"));

/// A start-up failure of the exporter for `o`'s endpoint.
pub(crate) fn exporter_error(o: &OtlpSettings, e: impl std::fmt::Display) -> InitError {
    InitError::Exporter {
        endpoint: o.endpoint.clone(),
        message: e.to_string(),
    }
}

/// An exporter's client, until the exporter shuts down.
pub(crate) struct Slot<T>(std::sync::Mutex<Option<T>>);

impl<T: Clone> Slot<T> {
    pub(crate) fn new(client: T) -> Self {
        Self(std::sync::Mutex::new(Some(client)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The client; an error once shut down.
    pub(crate) fn get(&self) -> Result<T, opentelemetry_sdk::error::OTelSdkError> {
        self.lock()
            .clone()
            .ok_or(opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown)
    }

    /// Shuts down: later exports fail.
    pub(crate) fn close(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.lock()
            .take()
            .map(drop)
            .ok_or(opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown)
    }
}
