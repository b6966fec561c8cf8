//! Shared helpers for semtrace's behaviour and end-to-end tests.

pub mod collector;

pub use collector::Collector;
pub mod buffer;
pub mod calls;
pub mod capture;
pub mod exporter;
pub mod failure;
pub mod logs;
pub mod prometheus;
pub mod python;
