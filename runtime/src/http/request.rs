//! What a request and its response reveal, read by the conventions' rules: the
//! method (`_OTHER` for one they do not know), the protocol version, a URL's query
//! and credentials redacted, `Host`/`:authority`, and the `Forwarded`/`X-Forwarded-*`
//! headers. Pure functions over `http`'s types, shared by the server and client
//! layers.

use std::borrow::Cow;
use std::net::SocketAddr;

use http::{HeaderMap, HeaderValue, Method, Version};

/// `http.request.method` and, for a method the conventions do not know,
/// `http.request.method_original`.
pub(crate) fn method(method: &Method) -> (&'static str, Option<&str>) {
    let known = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ if method.as_str() == "QUERY" => "QUERY",
        _ => return ("_OTHER", Some(method.as_str())),
    };
    (known, None)
}

/// `network.protocol.version`: `1.1`, `2`, …
pub(crate) fn protocol_version(version: Version) -> Option<&'static str> {
    Some(match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => return None,
    })
}

/// Query keys whose values the conventions redact by default (case-sensitive).
const SENSITIVE_QUERY_KEYS: [&str; 5] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "sig",
    "X-Goog-Signature",
];

/// A query string with the values of sensitive keys replaced by `REDACTED`, keys
/// kept (`q=OpenTelemetry&sig=REDACTED`). Borrowed when nothing is redacted.
pub(crate) fn redact_query(query: &str) -> Cow<'_, str> {
    let sensitive = |pair: &str| {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        pair.contains('=') && SENSITIVE_QUERY_KEYS.contains(&key)
    };
    if !query.split('&').any(sensitive) {
        return Cow::Borrowed(query);
    }
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        if sensitive(pair) {
            out.push_str(pair.split_once('=').map_or(pair, |(k, _)| k));
            out.push_str("=REDACTED");
        } else {
            out.push_str(pair);
        }
    }
    Cow::Owned(out)
}

/// `url.full`: credentials replaced by `REDACTED:REDACTED`, sensitive query values
/// redacted, the fragment dropped (it never reaches the server).
pub(crate) fn redact_url(url: &str) -> Cow<'_, str> {
    let url_no_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    let Some((scheme, rest)) = url_no_fragment.split_once("://") else {
        return Cow::Borrowed(url_no_fragment);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let credentials = authority.rfind('@');
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let redacted_query = query.map(redact_query);
    let query_changed = matches!(redacted_query, Some(Cow::Owned(_)));
    if credentials.is_none() && !query_changed {
        return Cow::Borrowed(url_no_fragment);
    }
    let mut out = String::with_capacity(url_no_fragment.len() + 16);
    out.push_str(scheme);
    out.push_str("://");
    match credentials {
        Some(at) => {
            out.push_str("REDACTED:REDACTED@");
            out.push_str(&authority[at + 1..]);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(q) = redacted_query {
        out.push('?');
        out.push_str(&q);
    }
    Cow::Owned(out)
}

/// A `host[:port]` (`Host`, `:authority`, `Forwarded: host=`): the host (an IPv6
/// address without brackets) and its port when given.
pub(crate) fn host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let text = text.trim();
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            // More than one colon and no brackets: a bare IPv6 address.
            Some((host, _)) if host.contains(':') => (text, None),
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) if !p.is_empty() => Some(p.parse::<u16>().ok()?),
        _ => None,
    };
    Some((host, port))
}

/// The default port of `scheme`.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// A header's text: its bytes as UTF-8, lossily (a byte that is not UTF-8 becomes
/// U+FFFD; nothing is dropped).
pub(crate) fn header_text(value: &HeaderValue) -> Cow<'_, str> {
    match value.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value.as_bytes()),
    }
}

/// What a trusted proxy says about the original request: `Forwarded` (RFC 7239, its
/// first element) first, then `X-Forwarded-For`/`-Host`/`-Proto`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Forwarded {
    /// The original client's address, and port when given.
    pub(crate) client: Option<(String, Option<u16>)>,
    /// The host the client asked for.
    pub(crate) host: Option<String>,
    /// The scheme the client used.
    pub(crate) proto: Option<String>,
}

impl Forwarded {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut found = Self::default();
        if let Some(value) = headers.get(http::header::FORWARDED) {
            let text = header_text(value);
            // The first proxy's element is the client's.
            let first = text.split(',').next().unwrap_or_default();
            for pair in first.split(';') {
                let Some((key, value)) = pair.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => {
                        found.client = host_port(value)
                            .filter(|(h, _)| !h.starts_with('_') && *h != "unknown")
                            .map(|(h, p)| (h.to_owned(), p));
                    }
                    "host" if !value.is_empty() => found.host = Some(value.to_owned()),
                    "proto" if !value.is_empty() => {
                        found.proto = Some(value.to_ascii_lowercase());
                    }
                    _ => {}
                }
            }
        }
        let first = |name: &str| {
            headers.get(name).map(|v| {
                header_text(v)
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
        };
        if found.client.is_none() {
            found.client = first("x-forwarded-for")
                .as_deref()
                .and_then(host_port)
                .map(|(h, p)| (h.to_owned(), p));
        }
        if found.host.is_none() {
            found.host = first("x-forwarded-host").filter(|h| !h.is_empty());
        }
        if found.proto.is_none() {
            found.proto = first("x-forwarded-proto")
                .filter(|p| !p.is_empty())
                .map(|p| p.to_ascii_lowercase());
        }
        found
    }
}

/// The peer of a connection, as a server hands it over: insert it into a request's
/// extensions when the server is not axum (whose `ConnectInfo` the `axum` feature
/// reads) and the layers record `network.peer.*` (and `client.*`) from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The peer of a request: semtrace's [`PeerAddr`], or axum's `ConnectInfo`.
pub(crate) fn peer(extensions: &http::Extensions) -> Option<SocketAddr> {
    if let Some(PeerAddr(addr)) = extensions.get::<PeerAddr>() {
        return Some(*addr);
    }
    axum_peer(extensions)
}

#[cfg(feature = "axum")]
fn axum_peer(extensions: &http::Extensions) -> Option<SocketAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

#[cfg(not(feature = "axum"))]
fn axum_peer(_: &http::Extensions) -> Option<SocketAddr> {
    None
}

/// The route axum matched for the request (`/users/{id}`).
#[cfg(feature = "axum")]
pub(crate) fn matched_route(extensions: &http::Extensions) -> Option<&str> {
    extensions
        .get::<axum::extract::MatchedPath>()
        .map(axum::extract::MatchedPath::as_str)
}

#[cfg(not(feature = "axum"))]
pub(crate) fn matched_route(_: &http::Extensions) -> Option<&str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods() {
        assert_eq!(method(&Method::GET), ("GET", None));
        assert_eq!(
            method(&Method::from_bytes(b"QUERY").unwrap()),
            ("QUERY", None)
        );
        assert_eq!(
            method(&Method::from_bytes(b"PURGE").unwrap()),
            ("_OTHER", Some("PURGE"))
        );
        // Methods are case-sensitive: `get` is not `GET`.
        assert_eq!(
            method(&Method::from_bytes(b"get").unwrap()),
            ("_OTHER", Some("get"))
        );
    }

    #[test]
    fn queries_and_urls_are_redacted() {
        assert_eq!(
            redact_query("fields=name&verbose=true"),
            "fields=name&verbose=true"
        );
        assert!(matches!(redact_query("a=1"), Cow::Borrowed(_)));
        assert_eq!(
            redact_query("q=OpenTelemetry&sig=abc&X-Amz-Signature=xyz&SIG=kept"),
            "q=OpenTelemetry&sig=REDACTED&X-Amz-Signature=REDACTED&SIG=kept"
        );
        assert_eq!(redact_query("sig"), "sig");
        assert_eq!(
            redact_url("https://user:pw@www.example.com/p?color=blue&sig=s#frag"),
            "https://REDACTED:REDACTED@www.example.com/p?color=blue&sig=REDACTED"
        );
        assert_eq!(redact_url("http://h:8/p?x=1#f"), "http://h:8/p?x=1");
        assert_eq!(redact_url("http://a@b@h/"), "http://REDACTED:REDACTED@h/");
        assert_eq!(redact_url("/relative?sig=1"), "/relative?sig=1");
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            host_port("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(host_port("example.com"), Some(("example.com", None)));
        assert_eq!(host_port("[::1]:3000"), Some(("::1", Some(3000))));
        assert_eq!(host_port("2001:db8::1"), Some(("2001:db8::1", None)));
        assert_eq!(host_port("host:99999"), None);
        assert_eq!(host_port(""), None);
    }

    #[test]
    fn forwarded_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            "forwarded",
            HeaderValue::from_static(
                "for=\"[2001:db8:cafe::17]:4711\";proto=HTTPS;host=api.example.com, for=10.0.0.1",
            ),
        );
        h.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        let f = Forwarded::of(&h);
        assert_eq!(f.client, Some(("2001:db8:cafe::17".to_owned(), Some(4711))));
        assert_eq!(f.host.as_deref(), Some("api.example.com"));
        assert_eq!(f.proto.as_deref(), Some("https"));

        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.2"),
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let f = Forwarded::of(&h);
        assert_eq!(f.client, Some(("203.0.113.9".to_owned(), None)));
        assert_eq!(f.proto.as_deref(), Some("https"));
        assert_eq!(Forwarded::of(&HeaderMap::new()), Forwarded::default());
    }

    #[test]
    fn non_utf8_headers_are_kept_lossily() {
        let v = HeaderValue::from_bytes(b"agent \xff/1").unwrap();
        assert_eq!(header_text(&v), "agent \u{fffd}/1");
    }
}
