//! Rolling log files.

use super::format::fmt_layer;
use super::lines::{Format, Lines};
use crate::config::{ConsoleFormat, FileFormat, FileSettings, Rotation};
use crate::control::levels::BoxedLayer;
use crate::shutdown::{Shutdown, ShutdownFailure};
use std::time::Instant;

impl Shutdown for tracing_appender::non_blocking::WorkerGuard {
    fn shutdown(&mut self, _deadline: Instant) -> Vec<ShutdownFailure> {
        // Dropping the worker guard (after this) waits, bounded by tracing-appender,
        // for the writer thread to drain its queue.
        Vec::new()
    }
}

/// Rolling file output through a non-blocking writer whose guard flushes it.
pub(crate) fn file_layer(
    settings: &FileSettings,
) -> Result<
    (
        BoxedLayer,
        crate::control::levels::LevelFilter,
        tracing_appender::non_blocking::WorkerGuard,
    ),
    crate::InitError,
> {
    let (writer, guard) = writer(settings)?;
    let format = match settings.format {
        FileFormat::Text => ConsoleFormat::Full,
        FileFormat::Json => ConsoleFormat::Json,
    };
    let (layer, filter) = fmt_layer(format, false, writer, &settings.level);
    Ok((layer, filter, guard))
}

/// Rolling file output written by semtrace's span store.
pub(crate) fn file_lines(
    settings: &FileSettings,
) -> Result<(Lines, tracing_appender::non_blocking::WorkerGuard), crate::InitError> {
    let (writer, guard) = writer(settings)?;
    let format = match settings.format {
        FileFormat::Text => Format::Full,
        FileFormat::Json => Format::Json,
    };
    let lines = Lines {
        format,
        ansi: false,
        writer: tracing_subscriber::fmt::writer::BoxMakeWriter::new(writer),
        filter: crate::control::levels::LevelFilter::new(&settings.level, None),
    };
    Ok((lines, guard))
}

/// The rolling files' non-blocking writer, and the guard that flushes it.
fn writer(
    settings: &FileSettings,
) -> Result<
    (
        tracing_appender::non_blocking::NonBlocking,
        tracing_appender::non_blocking::WorkerGuard,
    ),
    crate::InitError,
> {
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
    Ok(
        tracing_appender::non_blocking::NonBlockingBuilder::default()
            .thread_name("semtrace-file")
            .finish(appender),
    )
}
