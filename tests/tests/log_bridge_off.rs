//! The `log` bridge turned off (builder, environment variable or config file): `log`
//! records do not become events. Its own test binary: once installed, the bridge
//! stays for the process.

use semtrace_tests::buffer::Buffer;

fn logs_reach_the_console(builder: semtrace::TelemetryBuilder) -> bool {
    let console = Buffer::default();
    let (dispatch, guard) = builder.console_writer(console.clone()).build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        log::info!("a record of the log crate");
        tracing::info!("a tracing event");
    });
    drop(dispatch);
    guard.shutdown().unwrap();
    let text = console.text();
    assert!(text.contains("a tracing event"), "{text}");
    text.contains("a record of the log crate")
}

#[test]
fn each_source_turns_the_bridge_off() {
    let builder = || semtrace::Telemetry::builder("log-bridge-off");
    assert!(!logs_reach_the_console(
        builder().env_lookup(|_| None).log_bridge(false)
    ));
    assert!(!logs_reach_the_console(builder().env_lookup(|name| {
        (name == "SEMTRACE_LOG_BRIDGE").then(|| "false".to_owned())
    })));
    let config = semtrace::Config::from_toml("[logs]\nbridge = false\n").unwrap();
    assert!(!logs_reach_the_console(
        builder().env_lookup(|_| None).config(config)
    ));
}

#[test]
fn a_bad_value_names_the_variable() {
    let e = semtrace::Telemetry::builder("log-bridge-off")
        .env_lookup(|name| (name == "SEMTRACE_LOG_BRIDGE").then(|| "maybe".to_owned()))
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("SEMTRACE_LOG_BRIDGE") && e.contains("maybe"),
        "{e}"
    );
    let e = semtrace::Config::from_toml("[logs]\nbridg = true\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("logs.bridg") && e.contains("logs.bridge"), "{e}");
}
