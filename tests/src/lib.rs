//! Shared helpers for semtrace's behaviour tests.
