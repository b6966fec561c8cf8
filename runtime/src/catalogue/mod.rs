//! The service's telemetry catalogue: every span and metric its annotated functions
//! can emit, known at compile time.
//!
//! Each `#[traced_task]`, `#[traced_db]`, `#[traced_http]`, `#[traced_rpc]`,
//! `#[traced_messaging]`, `#[traced]`, `#[traced_genai]` and `#[traced_graphql]`
//! function registers one [`Entry`]: its domain, its span's name (or the rule the name
//! follows when it is known only per call), kind and registry span definition, every
//! attribute it declares (key, type, requirement level, literal value or "per call"),
//! the metric each call records with that metric's attributes, and where the function
//! is written. [`catalogue()`] lists them; `GET /tracing/catalogue` on the admin
//! routes (cargo feature `admin`) serves the same list as JSON.
//!
//! ```
//! #[semtrace::traced_task(task.type = "import")]
//! fn import() {}
//!
//! let entry = semtrace::catalogue()
//!     .iter()
//!     .find(|e| e.function == "import")
//!     .expect("registered");
//! assert_eq!(entry.domain, "task");
//! assert_eq!(entry.metric.map(|m| m.name), Some("task.duration"));
//! ```
//!
//! # How entries are gathered: at link time
//!
//! An entry is a `static` the macro writes next to the function, placed in a
//! `linkme` distributed slice: the linker gathers every
//! crate's entries into one contiguous section, and [`catalogue()`] reads that
//! section. Nothing runs before `main` (unlike `inventory`, whose entries are linked
//! into a list by constructors that run at program start, one per entry), and an
//! annotated call does nothing for its entry: the entry is data in the binary, not
//! code on the call's path. A function whose `cfg` is off has no entry.
//!
//! linkme works on Linux, macOS, Windows, illumos and the BSDs. As with any
//! link-time registration, a crate the final binary links none of (no function or
//! static of it is referenced) may be left out by the linker with its entries.
//!
//! # As a registry
//!
//! [`to_registry_yaml`] writes the catalogue as a Weaver-format registry
//! (`file_format: definition/2`) of spans and metrics that reference the
//! conventions' attributes, so a team can diff what a release emits against the last
//! one; semtrace's own registry loader reads it back.
//!
//! # A dashboard and alert rules
//!
//! [`grafana_dashboard`] writes a Grafana dashboard with a row per HTTP route, RPC
//! method, database operation and collection, messaging destination and task type
//! (rate, error ratio by `error.type`, p50/p95/p99), and [`prometheus_rules`] the
//! multi-window, multi-burn-rate alerts for the [`Slo`]s you declare on the HTTP
//! routes; both over the series names the Prometheus exporter writes.

pub use semtrace_semconv::ValueType;
pub use semtrace_semconv::spans::{Requirement, SpanKind};

mod dashboard;
mod entry;
mod exposition;
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) mod middleware;
mod registry;
mod slo;
pub use dashboard::{DashboardOptions, TraceDatasource, grafana_dashboard};
#[doc(hidden)]
pub use entry::CATALOGUE;
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) use entry::register;
pub use entry::{Attribute, Entry, Location, Metric, MetricAttribute, SpanName, Value, catalogue};
pub use registry::to_registry_yaml;
pub(crate) use slo::validate as validate_slos;
pub use slo::{Slo, SloError, prometheus_rules};
