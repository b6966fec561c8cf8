//! Hot reload of the config file named by `SEMTRACE_CONFIG` (or
//! `TelemetryBuilder::config_file`).
//!
//! A watcher on the file's directory (editors often replace a file rather than
//! write it) wakes a thread of its own; after the file has been quiet for
//! [`DEBOUNCE`] it is read, parsed and resolved with the same precedence as at
//! startup. An invalid file keeps the running configuration, and the error (which
//! names the key) goes to stderr. Levels, mode, ratio, rules and the adaptive and
//! tail settings apply live; a change to anything else is reported as needing a
//! restart.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::Watcher as _;

use super::Control;
use crate::config::{Config, Settings};
use crate::error::InitError;
use crate::shutdown::{Shutdown, ShutdownFailure};

/// How long the file must be quiet before it is read.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(200);

pub(crate) type ReadConfig = Box<dyn Fn(&Path) -> Result<Config, InitError> + Send>;
pub(crate) type Resolve = Box<dyn Fn(&Config) -> Result<Settings, InitError> + Send>;

enum Message {
    Changed,
    Stop,
}

/// The running watcher; the guard stops it.
pub(crate) struct Reloader {
    stop: mpsc::Sender<Message>,
    thread: Option<std::thread::JoinHandle<()>>,
    _watcher: notify::RecommendedWatcher,
}

impl Shutdown for Reloader {
    fn shutdown(&mut self, _deadline: Instant) -> Vec<ShutdownFailure> {
        let _ = self.stop.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        Vec::new()
    }
}

/// Starts watching `path`; `None` (after a note on stderr) when the platform's
/// watcher cannot be set up — telemetry runs on with the configuration it has.
pub(crate) fn watch(
    path: PathBuf,
    running: Settings,
    control: Control,
    read: ReadConfig,
    resolve: Resolve,
) -> Option<Reloader> {
    let (tx, rx) = mpsc::channel();
    let events = tx.clone();
    let name = path.file_name().map(ToOwned::to_owned);
    let mut watcher = match notify::recommended_watcher(
        move |event: notify::Result<notify::Event>| {
            let ours = event.is_ok_and(|e| {
                e.paths.is_empty() || e.paths.iter().any(|p| p.file_name() == name.as_deref())
            });
            if ours {
                let _ = events.send(Message::Changed);
            }
        },
    ) {
        Ok(w) => w,
        Err(e) => {
            eprintln!(
                "semtrace: cannot watch config file `{}` for changes ({e}); edits apply at the next start",
                path.display()
            );
            return None;
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    if let Err(e) = watcher.watch(&dir, notify::RecursiveMode::NonRecursive) {
        eprintln!(
            "semtrace: cannot watch config file `{}` for changes ({e}); edits apply at the next start",
            path.display()
        );
        return None;
    }
    let last = std::fs::read_to_string(&path).ok();
    let thread = std::thread::Builder::new()
        .name("semtrace-reload".to_owned())
        .spawn(move || {
            let mut state = State {
                path,
                running,
                control,
                read,
                resolve,
                last,
            };
            state.run(&rx);
        })
        .ok()?;
    Some(Reloader {
        stop: tx,
        thread: Some(thread),
        _watcher: watcher,
    })
}

struct State {
    path: PathBuf,
    running: Settings,
    control: Control,
    read: ReadConfig,
    resolve: Resolve,
    /// The text last applied (or found at startup).
    last: Option<String>,
}

impl State {
    fn run(&mut self, rx: &mpsc::Receiver<Message>) {
        loop {
            match rx.recv() {
                Ok(Message::Changed) => {}
                Ok(Message::Stop) | Err(_) => return,
            }
            // Wait until the file has been quiet for a while.
            loop {
                match rx.recv_timeout(DEBOUNCE) {
                    Ok(Message::Changed) => {}
                    Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                }
            }
            self.reload();
        }
    }

    fn reload(&mut self) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            // Removed or being replaced: the next event brings it back.
            return;
        };
        if self.last.as_deref() == Some(text.as_str()) {
            return;
        }
        let path = self.path.display().to_string();
        let settings = (self.read)(&self.path).and_then(|config| (self.resolve)(&config));
        let settings = match settings {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "semtrace: config file `{path}` changed but was not applied (the running configuration stays): {e}"
                );
                self.last = Some(text);
                return;
            }
        };
        self.last = Some(text);
        if let Err(e) = self.control.apply_levels(&settings) {
            eprintln!("semtrace: config file `{path}`: levels not applied: {e}");
        }
        self.control.apply_sampling(&settings.traces.sampling);
        let restart = needs_restart(&self.running, &settings);
        if restart.is_empty() {
            eprintln!("semtrace: config file `{path}` reloaded");
        } else {
            eprintln!(
                "semtrace: config file `{path}` reloaded; changes to {} need a restart to apply",
                restart
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for warning in &settings.warnings {
            eprintln!("semtrace: {warning}");
        }
    }
}

/// The settings that changed and only apply at startup.
pub(crate) fn needs_restart(old: &Settings, new: &Settings) -> Vec<&'static str> {
    fn differs<T: std::fmt::Debug>(a: &T, b: &T) -> bool {
        format!("{a:?}") != format!("{b:?}")
    }
    let mut keys = Vec::new();
    let (o, n) = (old, new);
    if (
        &o.service_name,
        &o.service_version,
        &o.service_namespace,
        &o.service_instance_id,
        &o.deployment_environment,
    ) != (
        &n.service_name,
        &n.service_version,
        &n.service_namespace,
        &n.service_instance_id,
        &n.deployment_environment,
    ) {
        keys.push("service");
    }
    if o.resource_attributes != n.resource_attributes {
        keys.push("resource");
    }
    let console = |s: &Settings| s.console.as_ref().map(|c| (c.format, c.ansi));
    if console(o) != console(n) {
        keys.push("console");
    }
    let file = |s: &Settings| {
        s.file.as_ref().map(|f| {
            (
                f.dir.clone(),
                f.prefix.clone(),
                f.rotation,
                f.max_files,
                f.format,
            )
        })
    };
    if file(o) != file(n) {
        keys.push("file");
    }
    if differs(&o.otlp, &n.otlp) {
        keys.push("otlp");
    }
    let (ot, nt) = (&o.traces, &n.traces);
    if ot.exporters != nt.exporters || ot.console_exporter_path != nt.console_exporter_path {
        keys.push("exporters");
    }
    if (
        ot.max_queue_size,
        ot.max_export_batch_size,
        ot.scheduled_delay,
    ) != (
        nt.max_queue_size,
        nt.max_export_batch_size,
        nt.scheduled_delay,
    ) {
        keys.push("otlp.batch");
    }
    if (
        ot.max_concurrent_exports,
        ot.code_attributes,
        ot.thread_attributes,
        ot.timing_attributes,
    ) != (
        nt.max_concurrent_exports,
        nt.code_attributes,
        nt.thread_attributes,
        nt.timing_attributes,
    ) {
        keys.push("traces");
    }
    if o.zipkin != n.zipkin {
        keys.push("exporters.zipkin");
    }
    if o.admin != n.admin {
        keys.push("admin");
    }
    if o.shutdown_timeout != n.shutdown_timeout {
        keys.push("shutdown_timeout_ms");
    }
    keys
}
