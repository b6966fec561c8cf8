//! Support for macro-generated code. Not a public API.
