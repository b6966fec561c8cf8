//! The configured headers (`OTEL_EXPORTER_OTLP_HEADERS`), checked once at start-up.
//! They often carry credentials: an error names the endpoint, never a value.

use super::client::exporter_error;
use crate::config::OtlpSettings;
use crate::error::InitError;

/// The configured headers, checked.
pub(super) fn header_map(o: &OtlpSettings) -> Result<::http::HeaderMap, InitError> {
    let mut headers = ::http::HeaderMap::new();
    for (name, value) in o.headers.iter() {
        let name =
            ::http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| exporter_error(o, e))?;
        let value = ::http::HeaderValue::from_str(value)
            .map_err(|_| exporter_error(o, "invalid header value"))?;
        headers.insert(name, value);
    }
    Ok(headers)
}
