//! OTLP/HTTP with protobuf bodies through reqwest: the request headers, gzipped
//! bodies shared by every attempt, answers read within a bound, and `Retry-After`.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use prost::Message;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use super::client::{Slot, USER_AGENT, exporter_error};
use super::headers::header_map;
use super::retry::{Retry, with_retries};
use crate::config::{Compression, OtlpSettings};
use crate::error::InitError;

/// A signal's HTTP client: posts to one URL, until shut down.
pub(crate) struct Sender {
    client: Slot<reqwest::Client>,
    url: reqwest::Url,
    headers: HeaderMap,
    gzip: bool,
    timeout: Duration,
}

impl Sender {
    pub(crate) fn new(o: &OtlpSettings) -> Result<Self, InitError> {
        let url = reqwest::Url::parse(&o.endpoint).map_err(|e| exporter_error(o, e))?;
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(o.timeout)
            .build()
            .map_err(|e| exporter_error(o, e))?;
        let mut headers = header_map(o)?;
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        let gzip = o.compression == Compression::Gzip;
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Ok(Self {
            client: Slot::new(client),
            url,
            headers,
            gzip,
            timeout: o.timeout,
        })
    }

    /// Posts `message` (retrying as the specification says) and returns the body of
    /// the successful answer, as much as fits in [`MAX_BODY`].
    pub(crate) fn send(
        &self,
        message: &impl Message,
    ) -> impl Future<Output = Result<Vec<u8>, OTelSdkError>> + Send + 'static {
        let client = self.client.get();
        let body = body(message, self.gzip);
        let (url, headers, timeout) = (self.url.clone(), self.headers.clone(), self.timeout);
        async move {
            let client = client?;
            let body = body.map_err(|e| {
                OTelSdkError::InternalFailure(format!("OTLP/HTTP: compressing failed: {e}"))
            })?;
            with_retries(timeout, || {
                let sent = client
                    .post(url.clone())
                    .headers(headers.clone())
                    .body(body.clone())
                    .send();
                async move { answer(sent.await).await }
            })
            .await
            .map_err(|e| OTelSdkError::InternalFailure(format!("OTLP/HTTP export failed: {e}")))
        }
    }

    /// Shuts down: later posts fail.
    pub(crate) fn shutdown(&self) -> OTelSdkResult {
        self.client.close()
    }
}

/// The encoded message, gzipped when configured. `Bytes`: shared by attempts.
fn body(message: &impl Message, gzip: bool) -> std::io::Result<Bytes> {
    let protobuf = message.encode_to_vec();
    if !gzip {
        return Ok(protobuf.into());
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(protobuf.len() / 4),
        flate2::Compression::default(),
    );
    gz.write_all(&protobuf)?;
    Ok(gz.finish()?.into())
}

/// The body of a successful answer, or the failure and what it allows.
async fn answer(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<Vec<u8>, (String, Retry)> {
    // Not connected, or no answer in time: worth another try.
    let response = sent.map_err(|e| (e.to_string(), Retry::Backoff))?;
    let status = response.status();
    if status.is_success() {
        return Ok(read_capped(response).await);
    }
    let retry = retry_after(status.as_u16(), response.headers().get(RETRY_AFTER));
    let body = read_capped(response).await;
    let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
    Err((format!("{status}: {text}"), retry))
}

/// The most of a response body read: an answer is a few bytes, and a collector
/// that sends more does not make the exporter buffer it.
const MAX_BODY: usize = 4 << 20;

/// The response's body, up to [`MAX_BODY`] bytes (what fits of it).
async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        if body.len() + chunk.len() > MAX_BODY {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    body
}

/// What a failed request allows.
fn retry_after(status: u16, retry_after: Option<&HeaderValue>) -> Retry {
    match status {
        429 | 502 | 503 | 504 => Retry::after(
            retry_after.and_then(|v| delay(v.to_str().ok()?, SystemTime::now())),
            Retry::Backoff,
        ),
        _ => Retry::Never,
    }
}

/// A `Retry-After` value: seconds, or an HTTP date.
fn delay(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    httpdate::parse_http_date(value)
        .ok()?
        .duration_since(now)
        .ok()
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

    use super::*;
    use crate::transport::retry::MAX_THROTTLE;

    #[test]
    fn failures_are_retried_as_the_otlp_specification_says() {
        for status in [429, 502, 503, 504] {
            assert_eq!(retry_after(status, None), Retry::Backoff, "{status}");
        }
        for status in [400, 401, 403, 404, 413, 500, 501] {
            assert_eq!(retry_after(status, None), Retry::Never, "{status}");
        }
        let header = HeaderValue::from_static;
        assert_eq!(
            retry_after(503, Some(&header("2"))),
            Retry::After(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(429, Some(&header("86400"))),
            Retry::After(MAX_THROTTLE)
        );
        // Zero or unreadable: the usual backoff.
        assert_eq!(retry_after(503, Some(&header("0"))), Retry::Backoff);
        assert_eq!(retry_after(503, Some(&header("soon"))), Retry::Backoff);
        assert_eq!(retry_after(500, Some(&header("2"))), Retry::Never);
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(delay(" 7 ", now), Some(Duration::from_secs(7)));
        // 21 Oct 2015 07:28:00 GMT is `now`; 07:28:30 is 30 s later.
        assert_eq!(
            delay("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(delay("Wed, 21 Oct 2015 07:27:00 GMT", now), None);
        assert_eq!(delay("later", now), None);
    }

    #[test]
    fn gzipped_bodies_decompress_to_the_request() {
        use std::io::Read as _;
        let request = ExportTraceServiceRequest::default();
        let plain = body(&request, false).unwrap();
        let gz = body(&request, true).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain.to_vec());
    }
}
