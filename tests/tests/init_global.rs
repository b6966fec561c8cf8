//! `init()` installs the process-wide subscriber: spans from the macros reach the
//! console, the guard flushes on drop, and a second `init()` is refused.
//! Its own test binary (one test): it installs a global subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

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
    let text = String::from_utf8(console.0.lock().unwrap().clone()).unwrap();
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
