//! Log records over HTTP/protobuf to a real rotel collector. One test per binary:
//! `init()` installs a global subscriber (and the `log` bridge).

mod e2e_logs_support;

use semtrace::config::Protocol;

#[test]
fn events_and_log_records_reach_the_collector_over_http_with_their_span_ids() {
    let (traces, logs) = e2e_logs_support::run(Protocol::HttpProtobuf, "e2e-logs-http");
    e2e_logs_support::assert_exported(&traces, &logs, "e2e-logs-http");
}
