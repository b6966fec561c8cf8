//! Log records over gRPC to a real rotel collector. One test per binary: `init()`
//! installs a global subscriber (and the `log` bridge).

mod e2e_logs_support;

use semtrace::config::Protocol;

#[test]
fn events_and_log_records_reach_the_collector_over_grpc_with_their_span_ids() {
    let (traces, logs) = e2e_logs_support::run(Protocol::Grpc, "e2e-logs-grpc");
    e2e_logs_support::assert_exported(&traces, &logs, "e2e-logs-grpc");
}
