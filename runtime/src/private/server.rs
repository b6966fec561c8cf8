//! `server.address` and `server.port` of an HTTP client call whose `url` is known
//! only per call: found in the URL (see `semtrace_semconv::url`) before the span
//! starts, recorded on the span and in the call's metric.
//!
//! Only when something will record them (the span's level is on, or the call is
//! timed for its metric). The host is interned (see `dynamic`), so a metric's bound
//! attribute sets can hold it as `&'static str`.

use std::borrow::Cow;
use std::fmt;

/// A client call's server, from its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Server {
    pub(crate) address: Option<Cow<'static, str>>,
    pub(crate) port: Option<u16>,
}

impl Server {
    /// The server of `url`, when `wanted`.
    #[inline]
    pub fn of_text(url: Option<&str>, wanted: bool) -> Self {
        match url {
            Some(url) if wanted => Self::parse(url),
            _ => Self::default(),
        }
    }

    /// The server of a URL given by its `Display` form, when `wanted`.
    pub fn of_display<T: fmt::Display + ?Sized>(url: &T, wanted: bool) -> Self {
        if !wanted {
            return Self::default();
        }
        // A URL longer than the prefix is cut; its authority is at its start.
        super::dynamic::Prefix::of(url).with_text(Self::parse)
    }

    fn parse(url: &str) -> Self {
        match semtrace_semconv::url::server(url) {
            Some((host, port)) => Self {
                address: Some(crate::metrics::value::intern(host)),
                port,
            },
            None => Self::default(),
        }
    }

    /// `server.address`, for the span.
    #[inline]
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// `server.port`, for the span.
    #[inline]
    pub fn port(&self) -> Option<i64> {
        self.port.map(i64::from)
    }

    /// `server.address` and `server.port` for the call's metric.
    #[inline]
    pub fn metric(&self) -> [(&'static str, crate::metrics::value::MetricValue); 2] {
        use semtrace_semconv::keys;
        [
            (
                keys::SERVER_ADDRESS,
                self.address.clone().map_or(
                    crate::metrics::value::MetricValue::None,
                    crate::metrics::value::MetricValue::Str,
                ),
            ),
            (
                keys::SERVER_PORT,
                self.port
                    .map_or(crate::metrics::value::MetricValue::None, |p| {
                        crate::metrics::value::MetricValue::Int(i64::from(p))
                    }),
            ),
        ]
    }
}

/// A client's `url = %value` for the span, and the server found in it. The span's
/// value does not name `T`, so a value that is not `Display` gets one error, at this
/// call on the user's field.
#[inline]
pub fn url_server_display<T: fmt::Display>(
    url: &T,
    wanted: bool,
) -> (tracing::field::DisplayValue<&dyn fmt::Display>, Server) {
    (
        tracing::field::display(url),
        Server::of_display(url, wanted),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Uri;
    impl fmt::Display for Uri {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("http://")?;
            f.write_str("[::1]:8080")?;
            f.write_str(&"/x".repeat(1000))
        }
    }

    #[test]
    fn servers_from_text_and_display() {
        let s = Server::of_text(Some("https://api.example.com/v1"), true);
        assert_eq!(
            (s.address(), s.port()),
            (Some("api.example.com"), Some(443))
        );
        assert!(matches!(s.address, Some(Cow::Borrowed(_))));
        assert_eq!(
            Server::of_text(Some("https://api.example.com/v1"), false),
            Server::default()
        );
        assert_eq!(Server::of_text(None, true), Server::default());
        assert_eq!(Server::of_text(Some("not a url"), true), Server::default());

        let s = Server::of_display(&Uri, true);
        assert_eq!((s.address(), s.port()), (Some("::1"), Some(8080)));
        // Cut inside a character: still found.
        let long = format!("http://h.example/{}", "é".repeat(600));
        let s = Server::of_display(&long, true);
        assert_eq!(s.address(), Some("h.example"));
    }
}
