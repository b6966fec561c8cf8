//! [`ReqwestMiddleware`]: the HTTP client span and metric for reqwest, through
//! `reqwest-middleware`.

use std::borrow::Cow;

use reqwest_middleware::reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use super::client::ClientCall;

/// A `reqwest-middleware` middleware that gives every request attempt the HTTP
/// client span and metric of the OpenTelemetry semantic conventions (as
/// [`ClientLayer`](super::ClientLayer) does for tower clients) and writes the
/// span's context into the request's `traceparent` (and `baggage`) headers.
///
/// Beside [`ClientLayer`](super::ClientLayer)'s attributes it records `network.peer.address` and
/// `network.peer.port` (from `Response::remote_addr`), `error.type` `timeout`,
/// `connect`, `request`, `body` or `decode` for reqwest's errors, and
/// `http.request.resend_count` on the attempts after the first when a retry
/// middleware sits before it (`.with(retry).with(ReqwestMiddleware::default())`).
/// `user_agent.original` is the request's own `User-Agent`: one reqwest adds by
/// default (`reqwest::ClientBuilder::user_agent`) is added after the middleware
/// runs, out of its sight.
///
/// ```no_run
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(semtrace::http::ReqwestMiddleware::default())
///     .build();
/// # async fn get(client: reqwest_middleware::ClientWithMiddleware) -> reqwest_middleware::Result<()> {
/// let response = client.get("http://127.0.0.1:8080/users/123").send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReqwestMiddleware {
    _private: (),
}

/// Attempts of one request so far, kept in the request's extensions (which a
/// retry middleware hands to every attempt).
#[derive(Debug, Clone, Copy)]
struct Attempts(u32);

crate::catalogue::middleware::middleware_entry!(super::shared::client_middleware(
    "ReqwestMiddleware"
));

#[async_trait::async_trait]
impl Middleware for ReqwestMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        register_entry();
        let resends = if let Some(Attempts(n)) = extensions.get_mut::<Attempts>() {
            *n += 1;
            *n - 1
        } else {
            extensions.insert(Attempts(1));
            0
        };
        let call = {
            let url = req.url();
            let server = url.host_str().map(|host| {
                // An IPv6 host comes in brackets.
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                (host, url.port_or_known_default())
            });
            ClientCall::start(
                req.method(),
                url.as_str(),
                Some(url.scheme()),
                server,
                req.headers(),
                Some(resends),
            )
        };
        call.inject(req.headers_mut());
        let result = {
            let span = call.span.clone();
            tracing::Instrument::instrument(next.run(req, extensions), span).await
        };
        match &result {
            Ok(response) => call.respond(
                response.status().as_u16(),
                response.version(),
                response.remote_addr(),
            ),
            Err(error) => call.fail(error_type(error), error),
        }
        result
    }
}

/// The `error.type` of a failed request: reqwest's kind of error, low-cardinality.
fn error_type(error: &reqwest_middleware::Error) -> Cow<'static, str> {
    let kind = match error {
        reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
        reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
        reqwest_middleware::Error::Reqwest(e) if e.is_body() => "body",
        reqwest_middleware::Error::Reqwest(e) if e.is_decode() => "decode",
        reqwest_middleware::Error::Reqwest(e) if e.is_redirect() => "redirect",
        reqwest_middleware::Error::Reqwest(e) if e.is_request() => "request",
        reqwest_middleware::Error::Reqwest(_) => "_OTHER",
        reqwest_middleware::Error::Middleware(_) => "middleware",
    };
    Cow::Borrowed(kind)
}
