//! Human-readable outputs: the console and rolling files, with the span pipeline's
//! trace ids on every line. Written by semtrace's span store (`store`, `lines`,
//! and `tree`'s `TreeOutput`), or, beside layers of the user's, by
//! `tracing-subscriber`'s `fmt` layer on its registry (`format`, where `tree`'s
//! `TreeLayer` also runs).

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
// The store's tree output is only built for the console.
#[cfg(any(feature = "console", feature = "file"))]
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub(crate) mod tree;

#[cfg(feature = "console")]
pub(crate) use console::{ConsoleOutput, console_layer, console_lines};
#[cfg(feature = "file")]
pub(crate) use file::{file_layer, file_lines};
