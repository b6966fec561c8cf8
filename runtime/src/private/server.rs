//! `server.address` and `server.port` of an HTTP client call whose `url` is known
//! only per call: found in the URL (see `semtrace_semconv::url`) before the span
//! starts, recorded on the span and in the call's metric.
//!
//! Only when something will record them (the span's level is on, or the call is
//! timed for its metric). The host is interned, so a metric's bound attribute sets
//! can hold it as `&'static str`: up to [`HOSTS`] distinct hosts per process; more
//! are recorded as owned text (the metric then records without a bound set).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::{Mutex, PoisonError};

/// Distinct hosts interned per process.
const HOSTS: usize = 1024;
/// Hosts a thread remembers, most recent first.
const RECENT: usize = 8;
/// The longest URL prefix formatted to find the server (the authority comes first).
const PREFIX: usize = 512;

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
        let mut prefix = Prefix::default();
        // A URL longer than the prefix is cut; its authority is at its start.
        let _ = write!(prefix, "{url}");
        match std::str::from_utf8(&prefix.bytes[..prefix.len]) {
            Ok(text) => Self::parse(text),
            // Cut inside a character: what is before it.
            Err(e) => std::str::from_utf8(&prefix.bytes[..e.valid_up_to()])
                .map_or_else(|_| Self::default(), Self::parse),
        }
    }

    fn parse(url: &str) -> Self {
        match semtrace_semconv::url::server(url) {
            Some((host, port)) => Self {
                address: Some(intern(host)),
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
}

/// A fixed buffer a URL is formatted into, keeping what fits.
struct Prefix {
    bytes: [u8; PREFIX],
    len: usize,
}

impl Default for Prefix {
    fn default() -> Self {
        Self {
            bytes: [0; PREFIX],
            len: 0,
        }
    }
}

impl fmt::Write for Prefix {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(PREFIX - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() { Err(fmt::Error) } else { Ok(()) }
    }
}

thread_local! {
    static RECENT_HOSTS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Every interned host.
static ALL: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// `host` as `&'static str` (a thread's recent hosts first, then the process's),
/// or owned once the process has interned [`HOSTS`].
fn intern(host: &str) -> Cow<'static, str> {
    let recent = RECENT_HOSTS
        .try_with(|r| {
            let mut r = r.borrow_mut();
            let i = r.iter().position(|h| *h == host)?;
            let found = r[i];
            // Most recent first, so a thread calling a few hosts finds them at once.
            r[..=i].rotate_right(1);
            Some(found)
        })
        .ok()
        .flatten();
    if let Some(found) = recent {
        return Cow::Borrowed(found);
    }
    let interned = {
        let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
        let all = all.get_or_insert_with(HashSet::new);
        match all.get(host) {
            Some(found) => Some(*found),
            None if all.len() < HOSTS => {
                let leaked: &'static str = Box::leak(host.to_owned().into_boxed_str());
                all.insert(leaked);
                Some(leaked)
            }
            None => None,
        }
    };
    let Some(interned) = interned else {
        return Cow::Owned(host.to_owned());
    };
    let _ = RECENT_HOSTS.try_with(|r| {
        let mut r = r.borrow_mut();
        if r.len() == RECENT {
            r.pop();
        }
        r.insert(0, interned);
    });
    Cow::Borrowed(interned)
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

    #[test]
    fn a_host_is_interned_once() {
        let a = intern("interned-once.example");
        let b = std::thread::spawn(|| intern("interned-once.example"))
            .join()
            .unwrap();
        match (a, b) {
            (Cow::Borrowed(a), Cow::Borrowed(b)) => assert!(std::ptr::eq(a, b)),
            other => panic!("{other:?}"),
        }
    }
}
