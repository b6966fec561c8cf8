//! GenAI content as the registry's JSON schemas shape it (`gen-ai-input-messages.json`,
//! `gen-ai-output-messages.json`, `gen-ai-system-instructions.json`): messages with a
//! role and typed parts. Serialised with serde into the JSON `gen_ai.input.messages`,
//! `gen_ai.output.messages` and `gen_ai.system_instructions` hold. A leaf: the
//! recording functions are in the parent module.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// Who wrote a message: the schema's `Role` members, or another role a provider uses
/// (the schema accepts any string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `system`
    System,
    /// `user`
    User,
    /// `assistant`
    Assistant,
    /// `tool`
    Tool,
    /// Any other role, as the provider names it.
    Other(String),
}

impl Role {
    /// The role as the JSON has it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The general kind of attached data: the schema's `Modality` members, or another
/// (the schema accepts any string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modality {
    /// `image`
    Image,
    /// `video`
    Video,
    /// `audio`
    Audio,
    /// `document` (PDF, DOCX, …)
    Document,
    /// Any other modality.
    Other(String),
}

impl Modality {
    /// The modality as the JSON has it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for Modality {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why the model stopped generating an output message: the schema's `FinishReason`
/// members, or the provider's own reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// `stop`
    Stop,
    /// `length`
    Length,
    /// `content_filter`
    ContentFilter,
    /// `tool_call`
    ToolCall,
    /// `error`
    Error,
    /// Any other reason, as the provider gives it.
    Other(String),
}

impl FinishReason {
    /// The reason as the JSON has it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::ContentFilter => "content_filter",
            Self::ToolCall => "tool_call",
            Self::Error => "error",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One part of a message's content, told apart by its `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `text`: text sent to or received from the model.
    Text {
        /// The text.
        content: String,
    },
    /// `tool_call`: a tool call the model requests.
    ToolCall {
        /// The call's identifier, when the provider gives one.
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// The call's arguments (an object, as a rule).
        arguments: Option<Value>,
    },
    /// `tool_call_response`: a tool's result sent back to the model.
    ToolCallResponse {
        /// The identifier of the call it answers.
        id: Option<String>,
        /// The result.
        response: Value,
    },
    /// `blob`: binary data sent inline.
    Blob {
        /// The IANA MIME type, when known.
        mime_type: Option<String>,
        /// The data's general kind.
        modality: Modality,
        /// The data, base64-encoded (see [`Part::blob`]).
        content: String,
    },
    /// `file`: a file uploaded to the provider beforehand, by its id.
    File {
        /// The IANA MIME type, when known.
        mime_type: Option<String>,
        /// The file's general kind.
        modality: Modality,
        /// The provider's file identifier.
        file_id: String,
    },
    /// `uri`: data referenced by URI (not a `data:` URL: that is a blob).
    Uri {
        /// The IANA MIME type, when known.
        mime_type: Option<String>,
        /// The data's general kind.
        modality: Modality,
        /// The URI.
        uri: String,
    },
    /// `reasoning`: the model's reasoning or thinking content.
    Reasoning {
        /// The reasoning text.
        content: String,
    },
    /// A part of another `type` (the schemas accept any, with any properties):
    /// `fields` are written beside `"type": kind`.
    Other {
        /// The part's `type`.
        kind: String,
        /// Its other properties (a `type` among them is ignored).
        fields: Map<String, Value>,
    },
}

impl Part {
    /// A `text` part.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            content: content.into(),
        }
    }

    /// A `tool_call` part with its identifier and arguments.
    pub fn tool_call(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self::ToolCall {
            id: Some(id.into()),
            name: name.into(),
            arguments: Some(arguments),
        }
    }

    /// A `tool_call_response` part answering call `id`.
    pub fn tool_call_response(id: impl Into<String>, response: Value) -> Self {
        Self::ToolCallResponse {
            id: Some(id.into()),
            response,
        }
    }

    /// A `blob` part holding `bytes`, base64-encoded as the schema asks.
    pub fn blob(modality: Modality, mime_type: Option<&str>, bytes: &[u8]) -> Self {
        Self::Blob {
            mime_type: mime_type.map(str::to_owned),
            modality,
            content: base64(bytes),
        }
    }

    /// The part's `type`.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Self::Text { .. } => "text",
            Self::ToolCall { .. } => "tool_call",
            Self::ToolCallResponse { .. } => "tool_call_response",
            Self::Blob { .. } => "blob",
            Self::File { .. } => "file",
            Self::Uri { .. } => "uri",
            Self::Reasoning { .. } => "reasoning",
            Self::Other { kind, .. } => kind,
        }
    }
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", self.kind())?;
        match self {
            Self::Text { content } | Self::Reasoning { content } => {
                map.serialize_entry("content", content)?;
            }
            Self::ToolCall {
                id,
                name,
                arguments,
            } => {
                entry_opt(&mut map, "id", id.as_ref())?;
                map.serialize_entry("name", name)?;
                entry_opt(&mut map, "arguments", arguments.as_ref())?;
            }
            Self::ToolCallResponse { id, response } => {
                entry_opt(&mut map, "id", id.as_ref())?;
                map.serialize_entry("response", response)?;
            }
            Self::Blob {
                mime_type,
                modality,
                content,
            } => {
                entry_opt(&mut map, "mime_type", mime_type.as_ref())?;
                map.serialize_entry("modality", modality)?;
                map.serialize_entry("content", content)?;
            }
            Self::File {
                mime_type,
                modality,
                file_id,
            } => {
                entry_opt(&mut map, "mime_type", mime_type.as_ref())?;
                map.serialize_entry("modality", modality)?;
                map.serialize_entry("file_id", file_id)?;
            }
            Self::Uri {
                mime_type,
                modality,
                uri,
            } => {
                entry_opt(&mut map, "mime_type", mime_type.as_ref())?;
                map.serialize_entry("modality", modality)?;
                map.serialize_entry("uri", uri)?;
            }
            Self::Other { fields, .. } => {
                for (k, v) in fields.iter().filter(|(k, _)| *k != "type") {
                    map.serialize_entry(k, v)?;
                }
            }
        }
        map.end()
    }
}

/// Writes `key` only when there is a value: the schemas' optional properties.
fn entry_opt<M: SerializeMap, V: Serialize>(
    map: &mut M,
    key: &'static str,
    value: Option<&V>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(key, v),
        None => Ok(()),
    }
}

/// A message sent to the model (`gen-ai-input-messages.json`'s `ChatMessage`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its content.
    pub parts: Vec<Part>,
    /// The participant's name, when the provider takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl InputMessage {
    /// A message of `role` with `parts`.
    #[must_use]
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Self {
            role,
            parts,
            name: None,
        }
    }

    /// A `user` message of one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(Role::User, vec![Part::text(text)])
    }

    /// A `system` message of one text part (for providers that send the
    /// instructions as a message; others: [`record_system`]).
    ///
    /// [`record_system`]: super::record_system
    pub fn system(text: impl Into<String>) -> Self {
        Self::new(Role::System, vec![Part::text(text)])
    }
}

/// A message the model or agent produced, one per choice or candidate
/// (`gen-ai-output-messages.json`'s `OutputMessage`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutputMessage {
    /// Who wrote it (`assistant`, as a rule).
    pub role: Role,
    /// Its content.
    pub parts: Vec<Part>,
    /// The participant's name, when the provider gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why generation stopped. The schema still accepts it but marks it deprecated
    /// in favour of `gen_ai.response.finish_reasons` (`GenAiResponse::finish_reasons`);
    /// written only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<FinishReason>,
}

impl OutputMessage {
    /// An `assistant` message with `parts`.
    #[must_use]
    pub fn assistant(parts: Vec<Part>) -> Self {
        Self {
            role: Role::Assistant,
            parts,
            name: None,
            finish_reason: None,
        }
    }
}

/// Standard base64 with padding (RFC 4648 §4), as the schema asks of a blob's bytes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_rfc_4648_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn parts_carry_their_type_and_only_the_properties_they_have() {
        let json = |p: &Part| serde_json::to_string(p).unwrap();
        assert_eq!(json(&Part::text("hi")), r#"{"type":"text","content":"hi"}"#);
        assert_eq!(
            json(&Part::ToolCall {
                id: None,
                name: "f".into(),
                arguments: None
            }),
            r#"{"type":"tool_call","name":"f"}"#
        );
        let mut fields = Map::new();
        fields.insert("type".into(), Value::from("ignored"));
        fields.insert("url".into(), Value::from("x"));
        assert_eq!(
            json(&Part::Other {
                kind: "citation".into(),
                fields
            }),
            r#"{"type":"citation","url":"x"}"#
        );
    }
}
