//! Support for macro-generated code. Not a public API: everything here may change
//! in any release. Generated code names only `::semtrace::__private::…` so user crates
//! need no other dependency and no `use`.

mod context;
mod dynamic;
mod genai;
mod outcome;
mod query;
mod record;
mod server;
mod span;
mod traced;
mod values;

pub use core::{file, format_args, line, module_path, option::Option};
pub use linkme;
pub use semtrace_semconv::sql::Dialect;
pub use std::boxed::Box;
pub use tracing;
pub use tracing::{Level, Span, field::Empty};

pub use crate::catalogue::{
    Attribute as CatalogueAttribute, CATALOGUE, Entry as CatalogueEntry,
    Location as CatalogueLocation, Metric as CatalogueMetric,
    MetricAttribute as CatalogueMetricAttribute, Requirement, SpanKind,
    SpanName as CatalogueSpanName, Value as CatalogueValue, ValueType,
};
pub use crate::grpc::{code_name as grpc_code_name, is_error as grpc_is_error};
pub use crate::metrics::outcome::MetricOutcome;
pub use crate::metrics::site::{MetricSite, StaticValue, TimeUnit};
pub use crate::metrics::timer::MetricTimer;
pub use crate::metrics::value::MetricValue;
pub use crate::propagation::{Carrier, Link};
#[cfg(any(feature = "tower", feature = "tonic"))]
pub(crate) use context::remote_parent_headers;
pub use context::{CarrierArg, ParentScope, Received, inject, link, link_received, remote_parent};
pub use dynamic::metric_display;
pub use genai::{GenAiNone, GenAiSome};
pub use outcome::{
    ErrCode, ErrDebug, ErrDisplay, ErrNone, HttpStatus, Outcome, RpcCode, RpcNone, RpcSome,
    RpcStatus, StatusNone, StatusSome,
};
#[cfg(feature = "tonic")]
pub(crate) use outcome::{record_error, record_rpc};
pub use query::{DisplayQuery, QueryText, db_query};
pub use record::{record, record_array};
pub use server::{Server, url_server_display};
#[cfg(feature = "tower")]
pub(crate) use span::{LAYER_SERVER_NAME, LAYER_SERVER_TARGET};
pub use span::{adopt_fields, disabled_span, layer_server_span, new_span, span_enabled};
pub use traced::{FnOutput, Never, Traced, call_once, declared_output, once, run};
pub use values::{
    AnyValue, ArrayValue, BoolArray, BoolValue, DoubleArray, DoubleValue, IntArray, IntText,
    IntValue, StrArray, StrValue,
};
