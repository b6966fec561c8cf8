// placeholder until the generator lands
//! Generated tables.
use crate::Attribute;
/// Version.
pub const SEMCONV_VERSION: &str = "1.44.0";
/// OpenTelemetry attributes.
pub static OTEL: &[Attribute] = &[];
/// semtrace's own attributes.
pub static SEMTRACE: &[Attribute] = &[];
