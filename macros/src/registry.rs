//! The registry the checks run against: the built-in tables plus the user crate's own
//! `semconv/` folder, loaded once per compiler process and per crate.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use semtrace_semconv::Registry;

/// A registry and the user files it was built from.
pub(crate) struct Loaded {
    pub(crate) registry: Registry,
    /// Absolute paths of the user's registry files: the expansion mentions them with
    /// `include_bytes!` so the crate rebuilds when one changes.
    pub(crate) files: Vec<PathBuf>,
}

type Cache = Mutex<HashMap<PathBuf, Arc<Result<Loaded, String>>>>;

/// The registry for the crate being compiled. A proc-macro server (rust-analyzer)
/// may expand several crates in one process, so the cache is keyed by crate.
pub(crate) fn current() -> Arc<Result<Loaded, String>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cache = CACHE.get_or_init(Cache::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(dir.clone())
        .or_insert_with(|| Arc::new(load(&dir)))
        .clone()
}

fn load(crate_dir: &std::path::Path) -> Result<Loaded, String> {
    let registry = Registry::builtin();
    let dir = crate_dir.join("semconv");
    if !dir.is_dir() {
        return Ok(Loaded {
            registry,
            files: Vec::new(),
        });
    }
    let loaded = semtrace_semconv::load::load_dir(&dir).map_err(|e| {
        // Relative to the crate, as the user wrote it: no absolute paths in errors.
        let file = e.file().strip_prefix(crate_dir).unwrap_or(e.file());
        let at = e
            .location()
            .map_or_else(String::new, |(line, col)| format!(":{line}:{col}"));
        format!(
            "broken semantic-conventions registry file `{}{at}`: {}",
            file.display(),
            e.message()
        )
    })?;
    let metrics = semtrace_semconv::metrics::load_dir(&dir).map_err(|e| {
        let file = e.file().strip_prefix(crate_dir).unwrap_or(e.file());
        format!(
            "broken semantic-conventions registry file `{}`: {}",
            file.display(),
            e.message()
        )
    })?;
    Ok(Loaded {
        // Leaked once per crate and process, like the strings inside.
        registry: registry
            .with_table(Vec::leak(loaded.attributes))
            .with_metrics(Vec::leak(metrics)),
        files: loaded.files,
    })
}
