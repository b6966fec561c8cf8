//! What a call's outcome adds to its metric: the status code and `error.type`,
//! and the attribute-set key a recorder finds the bound instrument by.

use std::borrow::Cow;
use std::sync::OnceLock;

use opentelemetry::KeyValue;
use semtrace_semconv::keys;

/// What a call's outcome adds to its metric's attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricOutcome {
    /// `http.response.status_code`.
    pub http_status: Option<u16>,
    /// `rpc.response.status_code` (the gRPC code's name).
    pub rpc_status: Option<&'static str>,
    /// `error.type`, when the call failed.
    pub error_type: Option<Cow<'static, str>>,
    /// A GenAI call's input and output token counts, recorded into
    /// `gen_ai.client.token.usage` beside the duration (no part of its attributes).
    pub tokens: Option<(Option<u64>, Option<u64>)>,
}

impl MetricOutcome {
    /// A call that returned normally, with `error` when it returned `Err`.
    #[inline]
    pub fn of(error: Option<Cow<'static, str>>) -> Self {
        Self {
            error_type: error,
            ..Self::default()
        }
    }

    /// A GenAI call: its error, and the token counts its response reported.
    pub fn genai(error: Option<Cow<'static, str>>, tokens: (Option<u64>, Option<u64>)) -> Self {
        Self {
            error_type: error,
            tokens: (tokens != (None, None)).then_some(tokens),
            ..Self::default()
        }
    }

    /// An HTTP call: a failing status (server 5xx, client 4xx and 5xx) is the
    /// `error.type`, as the HTTP conventions say; else the error the call returned.
    pub fn http(error: Option<Cow<'static, str>>, status: Option<u16>, server: bool) -> Self {
        let failed = status.is_some_and(|c| if server { c >= 500 } else { c >= 400 });
        Self {
            http_status: status,
            error_type: if failed {
                status.map(status_text)
            } else {
                error
            },
            ..Self::default()
        }
    }

    /// A gRPC call: the code's name, and as `error.type` when it is an error per the
    /// gRPC rules of the side.
    pub fn rpc(error: Option<Cow<'static, str>>, code: Option<i32>, server: bool) -> Self {
        let Some(code) = code else {
            return Self::of(error);
        };
        let name = grpc_name(code);
        Self {
            rpc_status: name,
            error_type: if crate::grpc::is_error(code, server) {
                name.map(Cow::Borrowed).or(error)
            } else {
                None
            },
            ..Self::default()
        }
    }

    /// Nothing to add to the call site's attributes.
    #[inline]
    pub(crate) fn is_plain(&self) -> bool {
        self.http_status.is_none() && self.rpc_status.is_none() && self.error_type.is_none()
    }

    #[inline]
    pub(crate) fn key(&self) -> Option<Key> {
        let error = match &self.error_type {
            None => None,
            Some(Cow::Borrowed(s)) => Some(*s),
            // Known only at run time: recorded without a bound slot.
            Some(Cow::Owned(_)) => return None,
        };
        Some(Key {
            http_status: self.http_status,
            rpc_status: self.rpc_status,
            error,
        })
    }

    pub(crate) fn push(&self, attrs: &mut Vec<KeyValue>) {
        if let Some(code) = self.http_status {
            attrs.push(KeyValue::new(
                keys::HTTP_RESPONSE_STATUS_CODE,
                i64::from(code),
            ));
        }
        if let Some(code) = self.rpc_status {
            attrs.push(KeyValue::new(keys::RPC_RESPONSE_STATUS_CODE, code));
        }
        match &self.error_type {
            Some(Cow::Borrowed(s)) => attrs.push(KeyValue::new(keys::ERROR_TYPE, *s)),
            Some(Cow::Owned(s)) => attrs.push(KeyValue::new(keys::ERROR_TYPE, s.clone())),
            None => {}
        }
    }
}

/// A status code as `error.type` text, without allocating per call.
fn status_text(code: u16) -> Cow<'static, str> {
    static TEXT: OnceLock<Vec<&'static str>> = OnceLock::new();
    let table = TEXT.get_or_init(|| {
        (100..600)
            .map(|c: u16| &*Box::leak(c.to_string().into_boxed_str()))
            .collect()
    });
    match code
        .checked_sub(100)
        .and_then(|i| table.get(usize::from(i)))
    {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(code.to_string()),
    }
}

fn grpc_name(code: i32) -> Option<&'static str> {
    match crate::grpc::code_name(code) {
        Cow::Borrowed(s) => Some(s),
        Cow::Owned(_) => None,
    }
}

/// An outcome attribute set, compared to find its bound instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    http_status: Option<u16>,
    rpc_status: Option<&'static str>,
    error: Option<&'static str>,
}
