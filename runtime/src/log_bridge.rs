//! The `log` bridge: records of crates that log through the `log` crate become
//! `tracing` events of whichever dispatcher is current where they are logged (so a
//! test's `with_default` scope gets its own), through the same level filters as
//! semtrace's events. `log` allows one logger per process: the bridge is installed
//! once, by the first `build`, `init` or `build_layer` that wants it.

use std::sync::OnceLock;

/// The bridge could not be installed: another `log` logger was there first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ForeignLogger;

/// What installing the bridge gave, once per process.
static INSTALLED: OnceLock<Result<(), ForeignLogger>> = OnceLock::new();

/// Installs the bridge unless it is already in place.
pub(crate) fn install() -> Result<(), ForeignLogger> {
    *INSTALLED.get_or_init(|| {
        tracing_log::LogTracer::builder()
            .init()
            .map_err(|_| ForeignLogger)
    })
}
