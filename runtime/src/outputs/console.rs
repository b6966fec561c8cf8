//! Console output (stderr, or a writer a test gives).

use std::io::IsTerminal as _;

use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::format::fmt_layer;
use super::lines::{Format, Lines};
use crate::config::{Ansi, ConsoleFormat, ConsoleSettings};
use crate::control::levels::{BoxedLayer, LevelFilter};

fn ansi(settings: &ConsoleSettings, writer: Option<&BoxMakeWriter>) -> bool {
    match settings.ansi {
        Ansi::Always => true,
        Ansi::Never => false,
        Ansi::Auto => writer.is_none() && std::io::stderr().is_terminal(),
    }
}

/// Console output written by semtrace's span store; `None` for the formats only the
/// registry's layers write (`pretty`, `tree`), and the writer back.
pub(crate) fn console_lines(
    settings: &ConsoleSettings,
    writer: Option<BoxMakeWriter>,
) -> Result<Lines, Option<BoxMakeWriter>> {
    let format = match settings.format {
        ConsoleFormat::Full => Format::Full,
        ConsoleFormat::Compact => Format::Compact,
        ConsoleFormat::Json => Format::Json,
        ConsoleFormat::Pretty | ConsoleFormat::Tree => return Err(writer),
    };
    let ansi = ansi(settings, writer.as_ref());
    Ok(Lines {
        format,
        ansi,
        writer: writer.unwrap_or_else(|| BoxMakeWriter::new(std::io::stderr)),
        filter: LevelFilter::new(&settings.level, None),
    })
}

/// Console output; `writer` replaces stderr (and then colours are only on when asked).
pub(crate) fn console_layer(
    settings: &ConsoleSettings,
    writer: Option<BoxMakeWriter>,
) -> (BoxedLayer, LevelFilter) {
    let ansi = ansi(settings, writer.as_ref());
    let writer = writer.unwrap_or_else(|| BoxMakeWriter::new(std::io::stderr));
    if settings.format == ConsoleFormat::Tree {
        return crate::control::levels::filtered(
            super::tree::TreeLayer::new(writer, ansi),
            &settings.level,
        );
    }
    fmt_layer(settings.format, ansi, writer, &settings.level)
}
