//! `init()` installs the process-wide subscriber: spans from the macros reach the
//! console, the guard flushes on drop, and a second `init()` is refused.
//! Its own test binary (one test): it installs a global subscriber.

use semtrace_tests::buffer::Buffer;

#[semtrace::traced_task(task.id = %id, task.type = "global")]
fn job(id: u32) -> Result<(), std::fmt::Error> {
    tracing::info!("inside the job");
    if id == 0 {
        Err(std::fmt::Error)
    } else {
        Ok(())
    }
}

#[test]
fn init_installs_the_global_subscriber_once() {
    let console = Buffer::default();
    let guard = semtrace::Telemetry::builder("init-global")
        .env_lookup(|_| None)
        .console_writer(console.clone())
        .init()
        .expect("first init");

    // Another thread sees the global subscriber too.
    std::thread::spawn(|| job(7).unwrap()).join().unwrap();
    job(0).unwrap_err();

    let second = semtrace::Telemetry::builder("init-global")
        .env_lookup(|_| None)
        .init();
    assert!(
        matches!(second, Err(semtrace::InitError::AlreadyInitialized)),
        "a second init must be refused, got {second:?}"
    );

    guard.shutdown().expect("clean shutdown without export");
    let text = console.text();
    let lines: Vec<_> = text
        .lines()
        .filter(|l| l.contains("inside the job"))
        .collect();
    assert_eq!(lines.len(), 2, "console output:\n{text}");
    assert!(
        lines.iter().all(|l| l.contains("job")),
        "console output:\n{text}"
    );
    assert!(
        lines.iter().any(|l| l.contains("task.id=7")),
        "console output:\n{text}"
    );
}
