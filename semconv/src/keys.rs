//! The attribute keys semtrace fills in itself, in one place: the macros declare them
//! on the spans they create and the runtime records them from each call's outcome.

/// The span's name when it is known only at run time (tracing-opentelemetry's field).
pub const OTEL_NAME: &str = "otel.name";
/// The span's kind (tracing-opentelemetry's field).
pub const OTEL_KIND: &str = "otel.kind";
/// `OK` or `ERROR`.
pub const OTEL_STATUS_CODE: &str = "otel.status_code";
/// The error's description.
pub const OTEL_STATUS_DESCRIPTION: &str = "otel.status_description";
/// A low-cardinality name of the error.
pub const ERROR_TYPE: &str = "error.type";
/// Recorded from an HTTP handler's or call's return value.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// Recorded from an RPC's status (the gRPC code's name).
pub const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
/// The full URL of an HTTP client call.
pub const URL_FULL: &str = "url.full";
/// Found in an HTTP client call's `url.full` when not given.
pub const SERVER_ADDRESS: &str = "server.address";
/// Found in an HTTP client call's `url.full` when not given.
pub const SERVER_PORT: &str = "server.port";
/// A database's status code, for `record!`.
pub const DB_RESPONSE_STATUS_CODE: &str = "db.response.status_code";
/// Rows a query returned, for `record!`.
pub const DB_RESPONSE_RETURNED_ROWS: &str = "db.response.returned_rows";
/// A run-time query's sanitized text.
pub const DB_QUERY_TEXT: &str = "db.query.text";
/// A query's summary.
pub const DB_QUERY_SUMMARY: &str = "db.query.summary";

/// What every span declares for its outcome: the status and the error's type.
pub const OUTCOME: [&str; 3] = [OTEL_STATUS_CODE, OTEL_STATUS_DESCRIPTION, ERROR_TYPE];
/// The GenAI token-usage histogram.
pub const GEN_AI_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Whether a token count is of input or output tokens.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
