//! Compile-fail and compile-pass cases of the macros, with reviewed `.stderr`
//! snapshots. Regenerate with `TRYBUILD=overwrite cargo test -p semtrace-ui-tests --test ui`
//! and review every changed snapshot.

#[test]
fn ui() {
    // One `TestCases` so trybuild builds all cases in one batch.
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*/*.rs");
    cases.pass("ui/pass/*.rs");
}
