//! GenAI content built from `semtrace::genai`'s message types, recorded by a
//! `#[traced_genai]` span into the in-memory pipeline, validates against the
//! registry's JSON schemas (`semconv/genai/schemas/`, vendored with their license;
//! checked by Python's `jsonschema`, installed by `scripts/install-otel-python`,
//! skipped with a message when that Python is absent). One test: the capture switch
//! is process-wide. Thread-scoped subscriber (`Capture`).

use std::io::Write as _;
use std::process::{Command, Stdio};

use semtrace::genai::{FinishReason, InputMessage, Modality, OutputMessage, Part, Role};
use semtrace_tests::capture::{Capture, attr};
use serde_json::{Map, Value, json};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../semconv/genai/schemas");

/// Validates each `[schema file, JSON text]` pair of the list on stdin against the
/// schema (its own draft, 2020-12 when it names none); prints one line per error.
const VALIDATE: &str = r#"
import json, os, sys
import jsonschema
errors = []
for name, text in json.load(sys.stdin):
    with open(os.path.join(sys.argv[1], name)) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    for e in cls(schema).iter_errors(json.loads(text)):
        errors.append(name + " " + "/".join(str(p) for p in e.absolute_path) + ": " + e.message)
print("\n".join(errors))
sys.exit(1 if errors else 0)
"#;

/// The Python with `jsonschema`, if installed.
fn python() -> Option<String> {
    if let Ok(p) = std::env::var("SEMTRACE_OTEL_PYTHON") {
        return Some(p);
    }
    let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/../.tools/otel-python");
    std::path::Path::new(launcher)
        .exists()
        .then(|| launcher.to_owned())
}

/// `Ok(())` when every document is valid, else the validator's findings.
fn validate(python: &str, docs: &[(&str, String)]) -> Result<(), String> {
    let mut child = Command::new(python)
        .args(["-c", VALIDATE, SCHEMAS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let input = serde_json::to_vec(docs).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().expect("python ends");
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => panic!(
            "the validator failed to run ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

struct Reply;

impl semtrace::GenAiResponse for Reply {
    fn output(&self) -> Option<Vec<OutputMessage>> {
        let mut stopped = OutputMessage::assistant(vec![
            Part::Reasoning {
                content: "The user wants the weather.".into(),
            },
            Part::text("It is rainy."),
        ]);
        stopped.finish_reason = Some(FinishReason::Stop);
        Some(vec![
            stopped,
            OutputMessage::assistant(vec![Part::tool_call(
                "call_2",
                "get_weather",
                json!({"city": "Paris"}),
            )]),
        ])
    }
}

fn citation() -> Part {
    let mut fields = Map::new();
    fields.insert("url".into(), Value::from("https://example.com"));
    Part::Other {
        kind: "citation".into(),
        fields,
    }
}

#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat() -> Reply {
    semtrace::genai::record_system(|| [Part::text("Be brief."), citation()]);
    semtrace::genai::record_input(|| {
        let mut named = InputMessage::user("What is the weather in Paris?");
        named.name = Some("alice".into());
        vec![
            InputMessage::system("You are a weather bot."),
            named,
            InputMessage::new(
                Role::User,
                vec![
                    Part::blob(
                        Modality::Image,
                        Some("image/png"),
                        &[0x89, b'P', b'N', b'G'],
                    ),
                    Part::File {
                        mime_type: None,
                        modality: Modality::Document,
                        file_id: "file-abc".into(),
                    },
                    Part::Uri {
                        mime_type: Some("audio/wav".into()),
                        modality: Modality::Other("speech".into()),
                        uri: "gs://bucket/a.wav".into(),
                    },
                ],
            ),
            InputMessage::new(
                Role::Assistant,
                vec![Part::ToolCall {
                    id: None,
                    name: "get_weather".into(),
                    arguments: None,
                }],
            ),
            InputMessage::new(
                Role::Tool,
                vec![Part::tool_call_response("call_1", json!("rainy"))],
            ),
            InputMessage::new(Role::Other("developer".into()), vec![citation()]),
        ]
    });
    Reply
}

/// A message without its role, given as text: the schema rejects it.
#[semtrace::traced_genai(operation = "chat", provider = "openai", model = "bad")]
fn hand_made() {
    semtrace::genai::record_input_messages(|| r#"[{"parts":[{"type":"text"}]}]"#);
}

#[test]
fn typed_content_follows_the_registry_schemas() {
    semtrace::genai::capture_content(true);
    let cap = Capture::start();
    chat();
    hand_made();
    semtrace::genai::capture_content(false);
    let span = cap.span("chat gpt-4o");
    let text = |key: &str| match attr(&span, key) {
        Some(opentelemetry::Value::String(s)) => s.as_str().to_owned(),
        other => panic!("{key}: {other:?}"),
    };
    let input = text("gen_ai.input.messages");
    let output = text("gen_ai.output.messages");
    let system = text("gen_ai.system_instructions");
    // The shapes, independently of the validator.
    let parsed: Value = serde_json::from_str(&input).unwrap();
    assert_eq!(
        parsed[1],
        json!({"role": "user", "name": "alice", "parts": [{"type": "text", "content": "What is the weather in Paris?"}]})
    );
    assert_eq!(parsed[2]["parts"][0]["content"], "iVBORw==");
    let parsed: Value = serde_json::from_str(&output).unwrap();
    assert_eq!(parsed[0]["finish_reason"], "stop");
    assert_eq!(
        parsed[1]["parts"][0],
        json!({"type": "tool_call", "id": "call_2", "name": "get_weather", "arguments": {"city": "Paris"}})
    );
    assert!(parsed[1].get("finish_reason").is_none());

    let Some(python) = python() else {
        eprintln!(
            "genai_schema: skipped the schema validation: no Python with jsonschema (run scripts/install-otel-python)"
        );
        return;
    };
    validate(
        &python,
        &[
            ("gen-ai-input-messages.json", input),
            ("gen-ai-output-messages.json", output),
            ("gen-ai-system-instructions.json", system),
        ],
    )
    .unwrap();
    // The validator does reject what breaks the schema.
    let bad = cap.span("chat bad");
    let Some(opentelemetry::Value::String(bad)) = attr(&bad, "gen_ai.input.messages") else {
        panic!("the hand-made input was not recorded");
    };
    let found = validate(
        &python,
        &[("gen-ai-input-messages.json", bad.as_str().to_owned())],
    )
    .unwrap_err();
    assert!(found.contains("'role' is a required property"), "{found}");
}
