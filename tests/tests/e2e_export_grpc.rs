//! Export over gRPC (tonic) to a real rotel collector. One test per binary: `init()`
//! installs a global subscriber.

mod e2e_support;

use semtrace::config::Protocol;
use semtrace_tests::Collector;

#[test]
fn every_span_reaches_the_collector_over_grpc() {
    let collector = Collector::start().expect("start rotel (scripts/install-rotel)");
    let guard = e2e_support::init(&collector, Protocol::Grpc, "e2e-grpc");
    e2e_support::run_program();
    // The flush under test: nothing else exports within the hour-long batch delay.
    drop(guard);
    e2e_support::assert_exported(&collector, "e2e-grpc");
}
