//! gRPC status codes: their names, and which of them fail a span on each side.
//! Span outcomes (`__private`) and metric outcomes (`metrics`) both read it.

/// The gRPC codes by number, as `rpc.response.status_code` records them.
const GRPC_CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The codes a server counts as its own failure (the conventions' gRPC server
/// rules): the others are the caller's business.
const SERVER_ERRORS: [i32; 6] = [2, 4, 12, 13, 14, 15];

/// The name of gRPC code `code` (`DEADLINE_EXCEEDED`), or its number as text.
pub fn code_name(code: i32) -> std::borrow::Cow<'static, str> {
    usize::try_from(code)
        .ok()
        .and_then(|i| GRPC_CODES.get(i))
        .map_or_else(|| code.to_string().into(), |n| (*n).into())
}

/// Whether gRPC code `code` marks the span failed: on a client every code but `OK`,
/// on a server `UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`,
/// `UNAVAILABLE` and `DATA_LOSS`.
pub fn is_error(code: i32, server: bool) -> bool {
    if server {
        SERVER_ERRORS.contains(&code)
    } else {
        code != 0
    }
}
