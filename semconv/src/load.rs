//! Loading Weaver-format registries (placeholder).
