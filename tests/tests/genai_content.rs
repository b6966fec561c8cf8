//! GenAI content is opt-in: `gen_ai.input.messages`, `gen_ai.output.messages` and
//! `gen_ai.system_instructions` are absent (their JSON never computed) until
//! `semtrace::genai::capture_content(true)`, and present after. One test: the switch
//! is process-wide. Thread-scoped subscriber (`Capture`).

use std::cell::Cell;

use semtrace_tests::capture::{Capture, attr, string};

struct Reply;

impl semtrace::GenAiResponse for Reply {
    fn output_messages(&self) -> Option<String> {
        Some(r#"[{"role":"assistant","parts":[{"type":"text","content":"Hi"}],"finish_reason":"stop"}]"#.to_owned())
    }
}

const INPUT: &str = r#"[{"role":"user","parts":[{"type":"text","content":"Hello"}]}]"#;
const SYSTEM: &str = r#"[{"type":"text","content":"Be brief."}]"#;

thread_local! {
    static BUILT: Cell<u32> = const { Cell::new(0) };
}

#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat() -> Reply {
    semtrace::genai::record_input_messages(|| {
        BUILT.with(|b| b.set(b.get() + 1));
        INPUT
    });
    semtrace::genai::record_system_instructions(|| SYSTEM);
    Reply
}

#[test]
fn content_is_absent_by_default_and_present_when_turned_on() {
    let cap = Capture::start();
    chat();
    let span = cap.span("chat gpt-4o");
    for key in [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
    ] {
        assert_eq!(attr(&span, key), None, "{key} recorded while off");
    }
    assert_eq!(BUILT.with(Cell::get), 0, "the JSON was built while off");
    drop(cap);

    semtrace::genai::capture_content(true);
    let cap = Capture::start();
    chat();
    semtrace::genai::capture_content(false);
    let span = cap.span("chat gpt-4o");
    assert_eq!(attr(&span, "gen_ai.input.messages"), string(INPUT));
    assert_eq!(attr(&span, "gen_ai.system_instructions"), string(SYSTEM));
    let output = attr(&span, "gen_ai.output.messages").expect("output messages");
    assert!(
        output.as_str().contains("\"finish_reason\":\"stop\""),
        "{output:?}"
    );
    assert_eq!(BUILT.with(Cell::get), 1);
}
