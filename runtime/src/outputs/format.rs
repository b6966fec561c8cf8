//! The line formats console and file output share: `tracing-subscriber`'s `fmt`
//! layer with the span pipeline's trace ids on every line.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::{format, format::JsonFields};

use super::log_ids::WithIds;
use crate::config::ConsoleFormat;

use crate::control::levels::BoxedLayer;
use crate::control::levels::LevelFilter;
use crate::control::levels::filtered;

pub(super) fn fmt_layer<W>(
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
