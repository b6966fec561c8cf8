//! The registry's span definitions: what kind a span is and which attributes it must,
//! may or should carry.
//!
//! The official registry writes span definitions three ways, and [`load_dir`] reads
//! all of them:
//!
//! - `groups:` entries with `type: span` (`span_kind`, `extends` another group);
//! - `file_format: definition/2` files with a `spans:` list (`type` is the id, `kind`);
//! - `span_refinements:`, which refine another span (`ref`) with more attributes.
//!
//! Attribute lists are resolved the way Weaver resolves them: `extends` and a
//! refinement's `ref` bring the base's attributes first, `ref_group` brings a group's
//! attributes in place, and a later `ref` of the same key overrides only what it
//! states (a `ref` without `requirement_level` keeps the level it inherited).
//!
//! ```
//! use semtrace_semconv::spans::{self, Requirement, SpanKind};
//! use std::path::Path;
//!
//! let yaml = "
//! groups:
//!   - id: attributes.shop.common
//!     type: attribute_group
//!     attributes:
//!       - ref: app.tenant
//!         requirement_level: required
//!   - id: span.shop.checkout
//!     type: span
//!     span_kind: server
//!     extends: attributes.shop.common
//!     attributes:
//!       - ref: app.cart.items
//! ";
//! let defs = spans::parse_str(yaml, Path::new("shop.yaml"))?;
//! assert_eq!(defs[0].id, "span.shop.checkout");
//! assert_eq!(defs[0].kinds, [SpanKind::Server]);
//! assert_eq!(defs[0].requirement("app.tenant"), Some(Requirement::Required));
//! assert_eq!(defs[0].requirement("app.cart.items"), Some(Requirement::Recommended));
//! # Ok::<(), semtrace_semconv::load::LoadError>(())
//! ```

use std::path::Path;

use crate::groups::Raw;
use crate::load::LoadError;

// The span definition types live in the leaf `model`, which the generated tables also
// use; this module is their public home.
pub use crate::model::{Requirement, SpanAttribute, SpanDefinition, SpanKind};

/// Parses one file's span definitions, resolved against that file alone.
pub fn parse_str(text: &str, origin: &Path) -> Result<Vec<SpanDefinition>, LoadError> {
    let mut raw = Raw::default();
    raw.read(text, origin)?;
    raw.resolve()
}

/// Reads the span definitions of every `*.yaml` / `*.yml` file under `dir`, resolved
/// against each other, sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<SpanDefinition>, LoadError> {
    let mut raw = Raw::default();
    for file in crate::load::registry_files(dir)? {
        let text = std::fs::read_to_string(&file).map_err(|e| LoadError::io(&file, "read", e))?;
        raw.read(&text, &file)?;
    }
    raw.resolve()
}

/// The official span definition `id` (from [`crate::generated::SPANS`], or the GenAI
/// registry's [`crate::generated::GENAI_SPANS`]).
pub fn official(id: &str) -> Option<&'static SpanDefinition> {
    [crate::generated::GENAI_SPANS, crate::generated::SPANS]
        .into_iter()
        .find_map(|table| {
            table
                .binary_search_by(|d| d.id.cmp(id))
                .ok()
                .map(|i| &table[i])
        })
}
