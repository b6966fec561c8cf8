//! `promtool` (Debian's `prometheus` package): where `scripts/test` installed it, and
//! running it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `promtool` from `SEMTRACE_PROMTOOL`, or `None` after saying why `test` skips.
pub fn promtool(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("SEMTRACE_PROMTOOL").filter(|p| !p.is_empty());
    if path.is_none() {
        println!(
            "SKIP {test}: SEMTRACE_PROMTOOL is not set (scripts/install-prometheus installs promtool; scripts/test sets it)"
        );
    }
    path.map(PathBuf::from)
}

/// Runs `promtool args` in `dir`: whether it succeeded, and its stdout and stderr.
///
/// # Panics
///
/// When promtool cannot be started.
pub fn run(promtool: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("promtool runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
