//! Console output (stderr, or a writer a test gives).

use std::io::IsTerminal as _;

use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::format::fmt_layer;
use crate::config::{Ansi, ConsoleSettings};
use crate::control::levels::BoxedLayer;

/// Console output; `writer` replaces stderr (and then colours are only on when asked).
pub(crate) fn console_layer(
    settings: &ConsoleSettings,
    writer: Option<BoxMakeWriter>,
) -> (BoxedLayer, crate::control::levels::LevelFilter) {
    let ansi = match settings.ansi {
        Ansi::Always => true,
        Ansi::Never => false,
        Ansi::Auto => writer.is_none() && std::io::stderr().is_terminal(),
    };
    let writer = writer.unwrap_or_else(|| BoxMakeWriter::new(std::io::stderr));
    if settings.format == crate::config::ConsoleFormat::Tree {
        return crate::control::levels::filtered(
            super::tree::TreeLayer::new(writer, ansi),
            &settings.level,
        );
    }
    fmt_layer(settings.format, ansi, writer, &settings.level)
}
