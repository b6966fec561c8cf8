//! Human-readable outputs: the console and rolling files, both formatted by
//! `tracing-subscriber` with the span pipeline's trace ids on every line.

#[cfg(feature = "console")]
mod console;
#[cfg(feature = "file")]
mod file;
mod format;
mod log_ids;
#[cfg(feature = "console")]
mod tree;

#[cfg(feature = "console")]
pub(crate) use console::console_layer;
#[cfg(feature = "file")]
pub(crate) use file::file_layer;
