//! The console and file layers.

mod log_ids;

#[cfg(feature = "console")]
use std::io::IsTerminal as _;

use tracing_subscriber::fmt::MakeWriter;
#[cfg(feature = "console")]
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::fmt::{format, format::JsonFields};

use crate::config::ConsoleFormat;
#[cfg(feature = "console")]
use crate::config::{Ansi, ConsoleSettings};
#[cfg(feature = "file")]
use crate::config::{FileFormat, FileSettings, Rotation};
use log_ids::WithIds;

use crate::init::{BoxedLayer, filtered};

fn fmt_layer<W>(format: ConsoleFormat, ansi: bool, writer: W, level: &str) -> BoxedLayer
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let base = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    let plain = format::format().with_ansi(ansi);
    match format {
        ConsoleFormat::Full => filtered(
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

/// Console output; `writer` replaces stderr (and then colours are only on when asked).
#[cfg(feature = "console")]
pub(crate) fn console_layer(
    settings: &ConsoleSettings,
    writer: Option<BoxMakeWriter>,
) -> BoxedLayer {
    let ansi = match settings.ansi {
        Ansi::Always => true,
        Ansi::Never => false,
        Ansi::Auto => writer.is_none() && std::io::stderr().is_terminal(),
    };
    let writer = writer.unwrap_or_else(|| BoxMakeWriter::new(std::io::stderr));
    fmt_layer(settings.format, ansi, writer, &settings.level)
}

/// Rolling file output through a non-blocking writer whose guard flushes it.
#[cfg(feature = "file")]
pub(crate) fn file_layer(
    settings: &FileSettings,
) -> Result<(BoxedLayer, tracing_appender::non_blocking::WorkerGuard), crate::InitError> {
    use tracing_appender::rolling;
    let rotation = match settings.rotation {
        Rotation::Never => rolling::Rotation::NEVER,
        Rotation::Minutely => rolling::Rotation::MINUTELY,
        Rotation::Hourly => rolling::Rotation::HOURLY,
        Rotation::Daily => rolling::Rotation::DAILY,
    };
    let mut builder = rolling::RollingFileAppender::builder()
        .rotation(rotation)
        .filename_prefix(settings.prefix.clone())
        .filename_suffix("log");
    if let Some(n) = settings.max_files {
        builder = builder.max_log_files(n);
    }
    let appender = builder
        .build(&settings.dir)
        .map_err(|e| crate::InitError::FileOutput {
            path: settings.dir.clone(),
            message: e.to_string(),
        })?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .thread_name("semtrace-file")
        .finish(appender);
    let format = match settings.format {
        FileFormat::Text => ConsoleFormat::Full,
        FileFormat::Json => ConsoleFormat::Json,
    };
    Ok((fmt_layer(format, false, writer, &settings.level), guard))
}
