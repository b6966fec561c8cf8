//! The Python the tests run peers and validators with: the OpenTelemetry Python SDK,
//! jsonschema and `PyYAML`, installed by `scripts/install-otel-python`.

/// The Python launcher: `SEMTRACE_OTEL_PYTHON` (set by `scripts/test`), else the one
/// `scripts/install-otel-python` leaves in `.tools/`.
///
/// # Panics
/// When neither exists, naming the script that installs it.
#[must_use]
pub fn launcher() -> String {
    std::env::var("SEMTRACE_OTEL_PYTHON").unwrap_or_else(|_| {
        let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/../.tools/otel-python");
        assert!(
            std::path::Path::new(launcher).exists(),
            "no Python with the OpenTelemetry SDK and jsonschema: run scripts/install-otel-python (scripts/test does)"
        );
        launcher.to_owned()
    })
}
