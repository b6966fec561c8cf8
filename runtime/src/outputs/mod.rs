//! Human-readable outputs: the console and rolling files, with the span pipeline's
//! trace ids on every line. Written by semtrace's span store (`store`, `lines`),
//! or, for the `pretty` and `tree` formats, by `tracing-subscriber`'s layers on
//! its registry.

#[cfg(feature = "console")]
mod console;
#[cfg(any(feature = "console", feature = "file"))]
mod fields;
#[cfg(feature = "file")]
mod file;
mod format;
#[cfg(any(feature = "console", feature = "file"))]
pub(crate) mod lines;
mod log_ids;
#[cfg(any(feature = "console", feature = "file"))]
pub(crate) mod store;
#[cfg(feature = "console")]
mod tree;

#[cfg(feature = "console")]
pub(crate) use console::{console_layer, console_lines};
#[cfg(feature = "file")]
pub(crate) use file::{file_layer, file_lines};
