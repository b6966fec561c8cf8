//! Environment variables, read through an injectable lookup.

use super::EnvLookup;

/// Reads environment variables through the injected lookup, ignoring empty values.
pub(super) struct Env<'a>(EnvLookup<'a>);

impl<'a> Env<'a> {
    pub(super) fn new(lookup: EnvLookup<'a>) -> Self {
        Self(lookup)
    }

    pub(super) fn get(&self, name: &'static str) -> Option<(String, String)> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(|v| (format!("`{name}`"), v))
    }
}
