//! How an error names itself in the `error.type` attribute.

/// A low-cardinality name for an error, recorded as `error.type` when a traced
/// function returns `Err`.
///
/// Without this trait semtrace records the error's type name
/// (`core::any::type_name`). Implement it to give stable codes instead, for example
/// one per enum variant:
///
/// ```
/// #[derive(Debug)]
/// enum StoreError { NotFound, Timeout }
///
/// impl std::fmt::Display for StoreError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str(match self { Self::NotFound => "no such task", Self::Timeout => "timed out" })
///     }
/// }
///
/// impl semtrace::ErrorType for StoreError {
///     fn error_type(&self) -> &str {
///         match self { Self::NotFound => "not_found", Self::Timeout => "timeout" }
///     }
/// }
/// ```
pub trait ErrorType {
    /// The value of `error.type` for this error: a short, stable code, never a
    /// message with variable parts.
    fn error_type(&self) -> &str;
}
