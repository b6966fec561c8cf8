//! OTLP/gRPC through tonic's client: a lazily connecting channel (user agent,
//! timeout, TLS for `https`, gzip), the headers as metadata, and unary calls that
//! encode a request shared by every attempt, retried as the specification says.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::uri::PathAndQuery;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use prost::Message;
use tonic::Code;
use tonic::client::Grpc as Client;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};
use tonic_types::StatusExt as _;

use super::client::{Slot, USER_AGENT, exporter_error};
use super::headers::header_map;
use super::retry::{Retry, with_retries};
use crate::config::{Compression, OtlpSettings};
use crate::error::InitError;

/// The headers as gRPC metadata (spans and metrics alike).
pub(crate) fn metadata(o: &OtlpSettings) -> Result<MetadataMap, InitError> {
    Ok(MetadataMap::from_headers(header_map(o)?))
}

/// A signal's gRPC client: unary calls of one method, until shut down.
pub(crate) struct Sender {
    client: Slot<Client<Channel>>,
    metadata: MetadataMap,
    timeout: Duration,
}

impl Sender {
    /// Connects lazily: a dead collector never blocks start-up. Must be called
    /// inside the exporter's runtime: tonic spawns its connection task there.
    pub(crate) fn new(o: &OtlpSettings) -> Result<Self, InitError> {
        let endpoint = Endpoint::from_shared(o.endpoint.clone())
            .map_err(|e| exporter_error(o, e))?
            .user_agent(USER_AGENT)
            .map_err(|e| exporter_error(o, e))?
            .timeout(o.timeout);
        let endpoint = tls::configure(endpoint, o)?;
        let mut client = Client::new(endpoint.connect_lazy());
        if o.compression == Compression::Gzip {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        Ok(Self {
            client: Slot::new(client),
            metadata: metadata(o)?,
            timeout: o.timeout,
        })
    }

    /// Calls `path` with `request` (retrying as the specification says) and returns
    /// the answer.
    pub(crate) fn send<Req, Resp>(
        &self,
        path: &'static str,
        request: Req,
    ) -> impl Future<Output = Result<Resp, OTelSdkError>> + Send + 'static
    where
        Req: Message + Send + Sync + 'static,
        Resp: Message + Default + Send + Sync + 'static,
    {
        let client = self.client.get();
        let metadata = self.metadata.clone();
        let timeout = self.timeout;
        let request = Arc::new(request);
        async move {
            let client = client?;
            with_retries(timeout, || {
                let mut client = client.clone();
                let mut call = tonic::Request::new(Arc::clone(&request));
                *call.metadata_mut() = metadata.clone();
                async move {
                    let sent = match client.ready().await {
                        Ok(()) => {
                            client
                                .unary(call, PathAndQuery::from_static(path), Shared::new())
                                .await
                        }
                        Err(e) => Err(tonic::Status::unavailable(format!("not connected: {e}"))),
                    };
                    match sent {
                        Ok(response) => Ok(response.into_inner()),
                        Err(status) => {
                            let retry = retry_after(&status);
                            Err((status, retry))
                        }
                    }
                }
            })
            .await
            .map_err(|status| {
                OTelSdkError::InternalFailure(format!(
                    "OTLP/gRPC export failed: {}: {}",
                    status.code(),
                    status.message()
                ))
            })
        }
    }

    /// Shuts down: later calls fail.
    pub(crate) fn shutdown(&self) -> OTelSdkResult {
        self.client.close()
    }
}

/// `https` endpoints with the webpki roots.
#[cfg(feature = "tls")]
mod tls {
    use tonic::transport::{ClientTlsConfig, Endpoint};

    use crate::config::OtlpSettings;
    use crate::error::InitError;

    pub(super) fn configure(endpoint: Endpoint, o: &OtlpSettings) -> Result<Endpoint, InitError> {
        if !o.endpoint.starts_with("https://") {
            return Ok(endpoint);
        }
        endpoint
            .tls_config(ClientTlsConfig::new().with_webpki_roots())
            .map_err(|e| super::exporter_error(o, e))
    }
}

/// Without the `tls` feature an endpoint is taken as it is.
#[cfg(not(feature = "tls"))]
mod tls {
    use tonic::transport::Endpoint;

    use crate::config::OtlpSettings;
    use crate::error::InitError;

    #[allow(clippy::unnecessary_wraps)] // the same signature as with `tls`
    pub(super) fn configure(endpoint: Endpoint, _o: &OtlpSettings) -> Result<Endpoint, InitError> {
        Ok(endpoint)
    }
}

/// Encodes a shared request and decodes the response, as protobuf.
struct Shared<Req, Resp>(PhantomData<fn() -> (Req, Resp)>);

impl<Req, Resp> Shared<Req, Resp> {
    fn new() -> Self {
        Self(PhantomData)
    }
}

impl<Req, Resp> Codec for Shared<Req, Resp>
where
    Req: Message + Send + Sync + 'static,
    Resp: Message + Default + Send + 'static,
{
    type Encode = Arc<Req>;
    type Decode = Resp;
    type Encoder = Self;
    type Decoder = Self;

    fn encoder(&mut self) -> Self {
        Self::new()
    }

    fn decoder(&mut self) -> Self {
        Self::new()
    }
}

impl<Req: Message, Resp> Encoder for Shared<Req, Resp> {
    type Item = Arc<Req>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

impl<Req, Resp: Message + Default> Decoder for Shared<Req, Resp> {
    type Item = Resp;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        Resp::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

/// What a failed call allows.
fn retry_after(status: &tonic::Status) -> Retry {
    let throttle = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay);
    match status.code() {
        // Retryable only when the collector says it will recover.
        Code::ResourceExhausted => Retry::after(throttle, Retry::Never),
        Code::Unavailable => Retry::after(throttle, Retry::Backoff),
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::DataLoss => Retry::Backoff,
        _ => Retry::Never,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::retry::MAX_THROTTLE;

    #[test]
    fn failures_are_retried_as_the_otlp_specification_says() {
        use tonic_types::{ErrorDetails, StatusExt as _};
        let plain = |code| tonic::Status::new(code, "x");
        let throttled = |code, secs| {
            tonic::Status::with_error_details(
                code,
                "x",
                ErrorDetails::with_retry_info(Some(Duration::from_secs(secs))),
            )
        };
        assert_eq!(retry_after(&plain(Code::Unavailable)), Retry::Backoff);
        assert_eq!(retry_after(&plain(Code::DeadlineExceeded)), Retry::Backoff);
        assert_eq!(retry_after(&plain(Code::ResourceExhausted)), Retry::Never);
        assert_eq!(
            retry_after(&throttled(Code::ResourceExhausted, 2)),
            Retry::After(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&throttled(Code::Unavailable, 3600)),
            Retry::After(MAX_THROTTLE)
        );
        for code in [
            Code::InvalidArgument,
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::Internal,
            Code::Unimplemented,
        ] {
            assert_eq!(retry_after(&plain(code)), Retry::Never, "{code:?}");
        }
    }
}
