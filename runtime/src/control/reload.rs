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
use crate::config::{Config, Sampler, SamplingSettings, Settings};
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
        self.control.apply_objectives(&settings.slos);
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

/// The sections of the settings that changed in what only applies at startup:
/// each section is compared whole, less what a reload applies (the levels and the
/// sampling, see `Reloader::reload`), so a field added to a section is covered at
/// once.
pub(crate) fn needs_restart(old: &Settings, new: &Settings) -> Vec<&'static str> {
    let (o, n) = (startup_part(old), startup_part(new));
    let service = |s: &Settings| {
        (
            s.service_name.clone(),
            s.service_version.clone(),
            s.service_namespace.clone(),
            s.service_instance_id.clone(),
            s.deployment_environment.clone(),
        )
    };
    let sections = [
        ("service", service(&o) != service(&n)),
        ("resource", o.resource_attributes != n.resource_attributes),
        ("console", o.console != n.console),
        ("file", o.file != n.file),
        ("otlp", o.otlp != n.otlp),
        ("traces", o.traces != n.traces),
        ("exporters.zipkin", o.zipkin != n.zipkin),
        ("admin", o.admin != n.admin),
        ("metrics", o.metrics != n.metrics),
        ("logs", o.log_bridge != n.log_bridge || o.logs != n.logs),
        ("genai", o.genai_capture_content != n.genai_capture_content),
        (
            "shutdown_timeout_ms",
            o.shutdown_timeout != n.shutdown_timeout,
        ),
    ]
    .into_iter()
    .filter_map(|(section, changed)| changed.then_some(section))
    .collect::<Vec<_>>();
    // A field no section above names still counts.
    if sections.is_empty() && o != n {
        return vec!["settings"];
    }
    sections
}

/// `settings` less what `Reloader::reload` applies while running: the filters of the
/// console, the files, the pipeline and the log records, the sampling settings and
/// the objectives; and less the warnings, which are not settings.
fn startup_part(settings: &Settings) -> Settings {
    let mut s = settings.clone();
    if let Some(console) = &mut s.console {
        console.level.clear();
    }
    if let Some(file) = &mut s.file {
        file.level.clear();
    }
    s.traces.level.clear();
    s.logs.level.clear();
    // The sampler is the sampling settings' standard spelling.
    s.traces.sampler = Sampler::AlwaysOn;
    s.traces.sampling = SamplingSettings::default();
    s.warnings.clear();
    s.slos.clear();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, resolve};

    fn settings(toml: &str) -> Settings {
        let config = Config::parse(toml, "test", &|_| None).unwrap();
        resolve(&Overrides::default(), &|_| None, &config).unwrap()
    }

    const BASE: &str = "[console]\nlevel = \"info\"\n[otlp]\nendpoint = \"http://127.0.0.1:4317\"\nheaders = { key = \"a\" }\n[metrics]\nexporters = [\"otlp\"]\n[sampling]\nratio = 0.5\n";

    #[test]
    fn what_a_reload_applies_needs_no_restart() {
        let base = settings(BASE);
        let reloadable = BASE
            .replace("level = \"info\"", "level = \"debug\"")
            .replace("ratio = 0.5", "ratio = 0.1\nmode = \"full\"\nmax_rules = 3");
        assert_eq!(
            needs_restart(&base, &settings(&reloadable)),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn every_section_compares_whole() {
        let base = settings(BASE);
        for (change, section) in [
            // A header value (the metrics' export inherits the spans' headers).
            (
                BASE.replace("key = \"a\"", "key = \"b\""),
                &["otlp", "metrics"][..],
            ),
            (
                BASE.replace("[\"otlp\"]", "[\"otlp\"]\ninterval = \"5s\""),
                &["metrics"],
            ),
            (
                format!("{BASE}[traces]\ncode_attributes = true\n"),
                &["traces"],
            ),
            (
                format!("{BASE}[traces.limits]\nevent_count = 10\n"),
                &["traces"],
            ),
            (
                format!("{BASE}[exporters]\ntraces = [\"otlp\", \"console\"]\n"),
                &["traces"],
            ),
            (format!("[service]\nname = \"other\"\n{BASE}"), &["service"]),
            (
                format!("shutdown_timeout_ms = 10\n{BASE}"),
                &["shutdown_timeout_ms"],
            ),
        ] {
            assert_eq!(
                needs_restart(&base, &settings(&change)),
                section,
                "{change}"
            );
        }
    }
}
