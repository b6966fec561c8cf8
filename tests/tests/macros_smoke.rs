//! First light for the macros.
use semtrace_tests::capture::{self, Capture};

#[derive(Debug)]
struct Boom;
impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}

#[semtrace::traced_task(task.id = %id, task.type = "compute", task.priority = prio)]
fn run(id: u64, prio: i64) -> Result<u32, Boom> {
    if id == 0 { Err(Boom) } else { Ok(1) }
}

#[test]
fn smoke() {
    let cap = Capture::start();
    run(7, 3).unwrap();
    let span = cap.span("run");
    assert_eq!(capture::attr(&span, "task.id"), capture::string("7"));
    assert_eq!(capture::attr(&span, "task.priority"), capture::int(3));
    assert!(run(0, 1).is_err());
    let spans = cap.spans();
    assert!(capture::is_error(&spans[1], "boom"), "{:?}", spans[1]);
}
