//! Attribute macros of semtrace. Use them through the `semtrace` crate.
