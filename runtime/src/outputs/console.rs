//! Console output (stderr, or a writer a test gives).

use std::io::IsTerminal as _;

use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::format::fmt_layer;
use super::lines::{Format, Lines};
use super::tree::TreeOutput;
use crate::config::{Ansi, ConsoleFormat, ConsoleSettings};
use crate::control::levels::{BoxedLayer, LevelFilter};

fn ansi(settings: &ConsoleSettings, writer: Option<&BoxMakeWriter>) -> bool {
    match settings.ansi {
        Ansi::Always => true,
        Ansi::Never => false,
        Ansi::Auto => writer.is_none() && std::io::stderr().is_terminal(),
    }
}

/// What semtrace's span store writes on the console.
pub(crate) enum ConsoleOutput {
    Lines(Lines),
    Tree(TreeOutput),
}

/// Console output written by semtrace's span store.
pub(crate) fn console_lines(
    settings: &ConsoleSettings,
    writer: Option<BoxMakeWriter>,
) -> ConsoleOutput {
    let ansi = ansi(settings, writer.as_ref());
    let writer = writer.unwrap_or_else(|| BoxMakeWriter::new(std::io::stderr));
    let filter = LevelFilter::new(&settings.level, None);
    let format = match settings.format {
        ConsoleFormat::Full => Format::Full,
        ConsoleFormat::Compact => Format::Compact,
        ConsoleFormat::Pretty => Format::Pretty,
        ConsoleFormat::Json => Format::Json,
        ConsoleFormat::Tree => return ConsoleOutput::Tree(TreeOutput::new(writer, ansi, filter)),
    };
    ConsoleOutput::Lines(Lines {
        format,
        ansi,
        writer,
        filter,
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
