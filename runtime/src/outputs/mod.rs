//! Human-readable outputs: the console and rolling files, both formatted by
//! `tracing-subscriber` with the span pipeline's trace ids on every line.

#[cfg(feature = "console")]
mod console;
#[cfg(feature = "file")]
mod file;
mod log_ids;
#[cfg(feature = "console")]
mod tree;

#[cfg(feature = "console")]
pub(crate) use console::console_layer;
#[cfg(feature = "file")]
pub(crate) use file::file_layer;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::{format, format::JsonFields};

use crate::config::ConsoleFormat;
use log_ids::WithIds;

use crate::control::levels::LevelFilter;
use crate::init::{BoxedLayer, filtered};

fn fmt_layer<W>(
    format: ConsoleFormat,
    ansi: bool,
    writer: W,
    level: &str,
) -> (BoxedLayer, LevelFilter)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let base = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    let plain = format::format().with_ansi(ansi);
    match format {
        // `tree` is a layer of its own (the console builds it); lines here are `full`.
        ConsoleFormat::Full | ConsoleFormat::Tree => filtered(
            base.event_format(WithIds {
                inner: plain,
                json: false,
            }),
            level,
        ),
        ConsoleFormat::Compact => filtered(
            base.event_format(WithIds {
                inner: plain.compact(),
                json: false,
            }),
            level,
        ),
        ConsoleFormat::Pretty => filtered(
            base.pretty().event_format(WithIds {
                inner: format::format().pretty().with_ansi(ansi),
                json: false,
            }),
            level,
        ),
        ConsoleFormat::Json => filtered(
            base.fmt_fields(JsonFields::new()).event_format(WithIds {
                inner: format::format().json(),
                json: true,
            }),
            level,
        ),
    }
}
