//! `server.address` and `server.port` from a `url.full`, as the HTTP client
//! conventions ask: the host and port of the URL's authority, the port defaulting to
//! the scheme's (80 for `http`/`ws`, 443 for `https`/`wss`). The macros use it for a
//! URL given as a literal, the runtime for one known only per call.

/// The server of an absolute URL: its host (an IPv6 address without its brackets)
/// and its port, explicit or the scheme's default. `None` when `url` is not an
/// absolute URL with a host.
///
/// ```
/// use semtrace_semconv::url::server;
/// assert_eq!(server("https://api.example.com/v1?q=1"), Some(("api.example.com", Some(443))));
/// assert_eq!(server("http://user:pw@[::1]:8080/"), Some(("::1", Some(8080))));
/// assert_eq!(server("ftp://files.example.com"), Some(("files.example.com", None)));
/// assert_eq!(server("/relative/path"), None);
/// ```
#[must_use]
pub fn server(url: &str) -> Option<(&str, Option<u16>)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials end at the last `@`.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        // `http://host:/` has an empty port: the default one.
        Some(p) if !p.is_empty() => Some(p.parse::<u16>().ok()?),
        _ => default_port(scheme),
    };
    Some((host, port))
}

fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("ws") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss") {
        Some(443)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::server;

    #[test]
    fn hosts_and_ports() {
        for (url, expected) in [
            ("http://example.com", Some(("example.com", Some(80)))),
            (
                "HTTPS://Example.com:8443/a/b",
                Some(("Example.com", Some(8443))),
            ),
            ("https://example.com:/x", Some(("example.com", Some(443)))),
            (
                "wss://chat.example.com/socket",
                Some(("chat.example.com", Some(443))),
            ),
            ("http://10.1.2.80:3000?x=1", Some(("10.1.2.80", Some(3000)))),
            ("http://u:p@h.example#frag", Some(("h.example", Some(80)))),
            ("http://a@b@host:81/", Some(("host", Some(81)))),
            ("https://[2001:db8::1]/", Some(("2001:db8::1", Some(443)))),
            (
                "https://[2001:db8::1]:9443/",
                Some(("2001:db8::1", Some(9443))),
            ),
            (
                "grpc+tls://svc.internal:50051",
                Some(("svc.internal", Some(50051))),
            ),
            ("custom://svc.internal", Some(("svc.internal", None))),
            ("http://host:99999/", None),
            ("http://host:8o/", None),
            ("http:///path", None),
            ("https://[::1/", None),
            ("example.com/path", None),
            ("://host", None),
            ("", None),
        ] {
            assert_eq!(server(url), expected, "{url}");
        }
    }
}
