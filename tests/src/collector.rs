//! A real OpenTelemetry collector ([rotel]) for end-to-end tests.
//!
//! [`Collector::start`] runs `rotel-agent` on two free loopback ports with the
//! blackhole exporter and its detailed trace debug log, which prints every span it
//! receives on stdout. The harness captures that output and parses it into
//! [`Span`]s, so tests assert on what actually crossed the wire: names, kinds, ids,
//! status and every attribute with its OTLP value type.
//!
//! The binary comes from `SEMTRACE_ROTEL` when set, else from the project-local
//! install made by `scripts/install-rotel` (`.tools/venv`).
//!
//! What rotel 0.0.1a15 prints, on stdout (the `--log-file` and `--pid-file` are only
//! written with `--daemon`; its own log lines, ANSI-coloured, share stdout):
//!
//! ```text
//! ResourceSpans #0
//! Resource SchemaURL:
//! Resource attributes:
//!      -> service.name: Str(e2e-grpc)
//! ScopeSpans #0
//! ScopeSpans SchemaURL:
//! InstrumentationScope semtrace
//! Span #0
//!     Trace ID       : 5b8efff798038103d269b633813fc60c
//!     Parent ID      : eee19b7ec3c1b173
//!     ID             : eee19b7ec3c1b174
//!     Name           : GET /items/{id}
//!     Kind           : SPAN_KIND_SERVER
//! Start time: 1544712660000000000
//! End time: 1544712661000000000
//!     Status code    : STATUS_CODE_ERROR
//!     Status message : no such item: 7
//! Attributes:
//!      -> http.route: Str(/items/{id})
//!      -> http.response.status_code: Int(404)
//! ```
//!
//! Values print as `Str(…)`, `Int(…)`, `Double(…)`, `Bool(…)`, `Slice(…)`,
//! `Map(k:V, …)` and `Bytes([…])`; strings are not escaped, so a multi-line string
//! continues on the following lines. Without a status the two status lines are
//! missing; `Events:` and `Links:` sections follow the attributes.
//!
//! [rotel]: https://github.com/streamfold/rotel

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long [`Collector::start`] waits for rotel to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Interval of every bounded poll in this module.
const POLL: Duration = Duration::from_millis(20);

/// A running rotel collector; killed and reaped on drop.
pub struct Collector {
    child: Child,
    grpc: SocketAddr,
    http: SocketAddr,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
    scratch: PathBuf,
}

impl Collector {
    /// Starts rotel on free loopback ports and waits (bounded) until both its gRPC
    /// and HTTP receivers accept connections.
    ///
    /// # Errors
    /// When the binary is missing (run `scripts/install-rotel`), cannot be spawned,
    /// exits early or does not become ready in time.
    pub fn start() -> io::Result<Self> {
        Self::start_with(&["--debug-log", "traces", "--debug-log-verbosity", "detailed"])
    }

    /// Starts rotel without printing what it receives: for benchmarks and load runs,
    /// where printing every span would cost the collector more than receiving it.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_quiet() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// Starts rotel with these extra arguments.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_with(debug_args: &[&str]) -> io::Result<Self> {
        Self::start_with_at(debug_args, None)
    }

    /// Starts rotel again on the ports of an earlier run (to bring a collector back
    /// after a simulated outage).
    ///
    /// # Errors
    /// As [`start`](Self::start), also when the ports are taken meanwhile.
    pub fn restart_at(debug_args: &[&str], grpc: SocketAddr, http: SocketAddr) -> io::Result<Self> {
        Self::start_with_at(debug_args, Some((grpc, http)))
    }

    fn start_with_at(
        debug_args: &[&str],
        ports: Option<(SocketAddr, SocketAddr)>,
    ) -> io::Result<Self> {
        let binary = rotel_binary()?;
        // A port picked free may be taken by someone else before rotel binds it;
        // retrying with fresh ports makes that race harmless.
        let mut last_error = None;
        for _ in 0..3 {
            match Self::start_once(&binary, debug_args, ports) {
                Ok(collector) => return Ok(collector),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("rotel did not start")))
    }

    fn start_once(
        binary: &Path,
        debug_args: &[&str],
        ports: Option<(SocketAddr, SocketAddr)>,
    ) -> io::Result<Self> {
        let (grpc, http) = match ports {
            Some(ports) => ports,
            None => (free_loopback_addr()?, free_loopback_addr()?),
        };
        let scratch = scratch_dir()?;
        let mut child = Command::new(binary)
            .arg("start")
            .args(["--exporter", "blackhole"])
            .args(debug_args)
            .arg("--otlp-grpc-endpoint")
            .arg(grpc.to_string())
            .arg("--otlp-http-endpoint")
            .arg(http.to_string())
            // Only used in daemon mode, but kept out of the shared /tmp defaults.
            .arg("--pid-file")
            .arg(scratch.join("rotel.pid"))
            .arg("--log-file")
            .arg(scratch.join("rotel.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("spawning {}: {e}", binary.display())))?;

        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            capture(
                child.stdout.take().expect("stdout is piped"),
                Arc::clone(&stdout),
            ),
            capture(
                child.stderr.take().expect("stderr is piped"),
                Arc::clone(&stderr),
            ),
        ];
        let mut collector = Self {
            child,
            grpc,
            http,
            stdout,
            stderr,
            readers,
            scratch,
        };
        collector.wait_ready()?;
        Ok(collector)
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "rotel exited early ({status}):\n{}",
                    self.diagnostics()
                )));
            }
            let up = |addr| TcpStream::connect_timeout(&addr, POLL).is_ok();
            if up(self.grpc) && up(self.http) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "rotel not ready after {READY_TIMEOUT:?}:\n{}",
                        self.diagnostics()
                    ),
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// The gRPC and HTTP receiver addresses.
    pub fn addrs(&self) -> (SocketAddr, SocketAddr) {
        (self.grpc, self.http)
    }

    /// The OTLP/gRPC endpoint, e.g. `http://127.0.0.1:43117`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// The OTLP/HTTP base endpoint, e.g. `http://127.0.0.1:43118`; exporters
    /// configured through `OTEL_EXPORTER_OTLP_ENDPOINT` append `/v1/traces`.
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http)
    }

    /// The OTLP/HTTP traces URL, `{http_endpoint}/v1/traces`.
    pub fn http_traces_url(&self) -> String {
        format!("{}/v1/traces", self.http_endpoint())
    }

    /// Stops the collector now, keeping what it printed (for counting afterwards).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything rotel printed on stdout so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    /// The spans received so far, in arrival order.
    pub fn spans(&self) -> Vec<Span> {
        parse(&self.output())
    }

    /// Waits (bounded poll) until at least `count` spans have been printed and the
    /// output has stopped growing, then returns all spans received.
    ///
    /// Waiting for the output to settle makes sure the last span's attributes are
    /// complete, and lets a test see spans beyond `count` (and fail on them).
    ///
    /// # Errors
    /// When fewer than `count` spans arrive within `timeout`; the error carries
    /// rotel's output for diagnosis.
    pub fn wait_for_spans(&self, count: usize, timeout: Duration) -> Result<Vec<Span>, WaitError> {
        let deadline = Instant::now() + timeout;
        let mut seen_len = usize::MAX;
        loop {
            let output = self.output();
            let spans = parse(&output);
            if spans.len() >= count && output.len() == seen_len {
                return Ok(spans);
            }
            seen_len = output.len();
            if Instant::now() > deadline {
                return Err(WaitError {
                    expected: count,
                    received: spans.len(),
                    diagnostics: self.diagnostics(),
                });
            }
            thread::sleep(POLL);
        }
    }

    /// Spans received, as counted from rotel's `basic` debug output (one line per
    /// batch), once the output stopped growing (at most `timeout`).
    pub fn wait_received_settled(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut last = usize::MAX;
        loop {
            let output = self.output();
            if output.len() == last || Instant::now() > deadline {
                return count_basic(&output);
            }
            last = output.len();
            thread::sleep(Duration::from_millis(300));
        }
    }

    fn diagnostics(&self) -> String {
        format!(
            "--- rotel stdout ---\n{}\n--- rotel stderr ---\n{}",
            self.output(),
            String::from_utf8_lossy(&lock(&self.stderr))
        )
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        // Ignore errors: the process may already have exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collector")
            .field("pid", &self.child.id())
            .field("grpc", &self.grpc)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

/// Sums the span counts of rotel's `basic` debug lines, which read (less the ANSI
/// colours) `… INFO Received traces. data_type="traces" resource_spans=1 spans=512`.
fn count_basic(output: &str) -> usize {
    output
        .lines()
        .filter(|line| line.contains("Received traces."))
        .filter_map(|line| {
            let plain = strip_ansi(line);
            let value = plain
                .split_whitespace()
                .find_map(|w| w.strip_prefix("spans="))?;
            value.parse::<usize>().ok()
        })
        .sum()
}

/// `line` without ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Fewer spans than expected reached the collector in time.
#[derive(Debug)]
pub struct WaitError {
    /// Spans the test waited for.
    pub expected: usize,
    /// Spans the collector had printed at the deadline.
    pub received: usize,
    /// rotel's stdout and stderr.
    pub diagnostics: String,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {} spans, collector received {}\n{}",
            self.expected, self.received, self.diagnostics
        )
    }
}

impl std::error::Error for WaitError {}

/// Where the rotel binary is: `SEMTRACE_ROTEL`, else `.tools/venv` at the workspace root.
///
/// # Errors
/// When neither exists.
pub fn rotel_binary() -> io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("SEMTRACE_ROTEL") {
        return Ok(PathBuf::from(path));
    }
    // The tests crate is `<workspace>/tests`; scripts/install-rotel uses a venv, or
    // a plain `pip install --target` directory where Python has no venv module.
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools");
    // The venv's lib folder is named after the Python version (`python3.11`).
    let in_venv = std::fs::read_dir(tools.join("venv/lib"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("site-packages/rotel/rotel-agent"));
    let in_target = std::iter::once(tools.join("rotel/rotel/rotel-agent"));
    in_venv
        .chain(in_target)
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "rotel-agent not found under {}; run scripts/install-rotel or set SEMTRACE_ROTEL",
                    tools.display()
                ),
            )
        })
}

fn free_loopback_addr() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

fn scratch_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "semtrace-rotel-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn capture(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            lock(&into).extend_from_slice(&buf[..n]);
        }
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A span as the collector printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The span name.
    pub name: String,
    /// The span kind.
    pub kind: SpanKind,
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    /// The parent's span id; `None` for a root span.
    pub parent_span_id: Option<String>,
    /// The status code.
    pub status_code: StatusCode,
    /// The status message (empty when none).
    pub status_message: String,
    /// The span's attributes, by key.
    pub attributes: BTreeMap<String, Value>,
    /// The span's events, in order.
    pub events: Vec<Event>,
    /// The attributes of the resource that sent the span.
    pub resource: BTreeMap<String, Value>,
    /// The instrumentation scope name.
    pub scope: String,
}

impl Span {
    /// The attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }

    /// The resource attribute `key`, if present.
    pub fn resource_attr(&self, key: &str) -> Option<&Value> {
        self.resource.get(key)
    }

    /// Whether `self` is a direct child of `parent` (same trace, parent id link).
    pub fn is_child_of(&self, parent: &Span) -> bool {
        self.trace_id == parent.trace_id && self.parent_span_id.as_deref() == Some(&*parent.span_id)
    }
}

/// An event recorded on a span.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event name.
    pub name: String,
    /// The event's attributes, by key.
    pub attributes: BTreeMap<String, Value>,
}

/// OTLP span kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// `SPAN_KIND_UNSPECIFIED`
    Unspecified,
    /// `SPAN_KIND_INTERNAL`
    Internal,
    /// `SPAN_KIND_SERVER`
    Server,
    /// `SPAN_KIND_CLIENT`
    Client,
    /// `SPAN_KIND_PRODUCER`
    Producer,
    /// `SPAN_KIND_CONSUMER`
    Consumer,
}

/// OTLP status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// `STATUS_CODE_UNSET`, also when rotel printed no status at all.
    Unset,
    /// `STATUS_CODE_OK`
    Ok,
    /// `STATUS_CODE_ERROR`
    Error,
}

/// An OTLP attribute value with its wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `string_value`, printed `Str(…)`.
    String(String),
    /// `int_value`, printed `Int(…)`.
    Int(i64),
    /// `double_value`, printed `Double(…)`.
    Double(f64),
    /// `bool_value`, printed `Bool(…)`.
    Bool(bool),
    /// `array_value`, printed `Slice(…)`.
    Array(Vec<Value>),
    /// `kvlist_value`, printed `Map(k:V, …)`.
    Map(Vec<(String, Value)>),
    /// `bytes_value`, printed `Bytes([1, 2])`.
    Bytes(Vec<u8>),
    /// A value this parser does not understand, verbatim.
    Unknown(String),
}

impl Value {
    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an int value.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Parses rotel's `--debug-log traces --debug-log-verbosity detailed` output.
///
/// Lines that are not part of the dump (rotel's own log lines) are ignored. A
/// string value spanning several lines is joined back with `\n`.
pub fn parse(output: &str) -> Vec<Span> {
    Parser::default().run(output)
}

/// What the next `-> key: value` line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Section {
    #[default]
    None,
    Resource,
    Span,
    Events,
    Links,
}

/// The last multi-line-capable item, so continuation lines can be appended to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    ResourceAttr,
    SpanAttr,
    EventAttr,
    StatusMessage,
}

#[derive(Default)]
struct Parser {
    spans: Vec<Span>,
    resource: Vec<(String, String)>,
    scope: String,
    section: Section,
    open: Option<Open>,
    span_attrs: Vec<(String, String)>,
    event_attrs: Vec<(String, String)>,
    current: Option<Span>,
}

impl Parser {
    fn run(mut self, output: &str) -> Vec<Span> {
        for line in output.lines() {
            self.line(line);
        }
        self.finish_span();
        self.spans
    }

    fn line(&mut self, line: &str) {
        let section = self.section;
        if is_log_line(line) {
            self.open = None;
        } else if line.starts_with("ResourceSpans #") {
            self.finish_span();
            self.resource.clear();
            self.section = Section::None;
            self.open = None;
        } else if line == "Resource attributes:" {
            self.section = Section::Resource;
        } else if line.starts_with("ScopeSpans #") || line.starts_with("Resource SchemaURL:") {
            self.finish_span();
            self.open = None;
        } else if let Some(scope) = line.strip_prefix("InstrumentationScope ") {
            self.finish_span();
            scope
                .split(' ')
                .next()
                .unwrap_or_default()
                .clone_into(&mut self.scope);
        } else if line.starts_with("ScopeSpans SchemaURL:") {
            self.open = None;
        } else if line.starts_with("Span #") {
            self.finish_span();
            self.current = Some(self.new_span());
            self.section = Section::None;
            self.open = None;
        } else if let Some((key, value)) = field(line) {
            self.span_field(key, value);
        } else if line.starts_with("Start time:") || line.starts_with("End time:") {
            self.open = None;
        } else if line == "Attributes:" {
            self.section = Section::Span;
            self.open = None;
        } else if line == "Events:" {
            self.section = Section::Events;
            self.open = None;
        } else if line == "Links:" {
            self.section = Section::Links;
            self.open = None;
        } else if line.starts_with("SpanEvent #") {
            self.finish_event();
            if let Some(span) = &mut self.current {
                span.events.push(Event {
                    name: String::new(),
                    attributes: BTreeMap::new(),
                });
            }
            self.open = None;
        } else if line.starts_with("SpanLink #") {
            self.finish_event();
            self.open = None;
        } else if let Some(rest) = line.strip_prefix("          -> ") {
            // Event and link attributes are indented one level deeper.
            if section == Section::Events {
                if let Some((k, v)) = rest.split_once(": ") {
                    self.event_attrs.push((k.to_owned(), v.to_owned()));
                    self.open = Some(Open::EventAttr);
                }
            } else {
                self.open = None;
            }
        } else if let Some(rest) = line.strip_prefix("     -> ") {
            self.arrow(section, rest);
        } else {
            self.continuation(line);
        }
    }

    fn new_span(&self) -> Span {
        Span {
            name: String::new(),
            kind: SpanKind::Unspecified,
            trace_id: String::new(),
            span_id: String::new(),
            parent_span_id: None,
            status_code: StatusCode::Unset,
            status_message: String::new(),
            attributes: BTreeMap::new(),
            events: Vec::new(),
            resource: self
                .resource
                .iter()
                .map(|(k, v)| (k.clone(), parse_value(v)))
                .collect(),
            scope: self.scope.clone(),
        }
    }

    /// A `    Name           : value` line of the span header.
    fn span_field(&mut self, key: &str, value: &str) {
        let Some(span) = &mut self.current else {
            return;
        };
        self.open = None;
        match key {
            "Trace ID" => value.clone_into(&mut span.trace_id),
            "Parent ID" => span.parent_span_id = (!value.is_empty()).then(|| value.to_owned()),
            "ID" => value.clone_into(&mut span.span_id),
            "Name" => value.clone_into(&mut span.name),
            "Kind" => span.kind = parse_kind(value),
            "Status code" => span.status_code = parse_status(value),
            "Status message" => {
                value.clone_into(&mut span.status_message);
                self.open = Some(Open::StatusMessage);
            }
            _ => {}
        }
    }

    /// A `     -> key: value` line.
    fn arrow(&mut self, section: Section, rest: &str) {
        match section {
            Section::Resource => {
                if let Some((k, v)) = rest.split_once(": ") {
                    self.resource.push((k.to_owned(), v.to_owned()));
                    self.open = Some(Open::ResourceAttr);
                }
            }
            Section::Span => {
                if let Some((k, v)) = rest.split_once(": ") {
                    self.span_attrs.push((k.to_owned(), v.to_owned()));
                    self.open = Some(Open::SpanAttr);
                }
            }
            Section::Events => {
                if let (Some(name), Some(event)) = (
                    rest.strip_prefix("Name: "),
                    self.current.as_mut().and_then(|s| s.events.last_mut()),
                ) {
                    name.clone_into(&mut event.name);
                }
                self.open = None;
            }
            Section::Links | Section::None => self.open = None,
        }
    }

    /// A line that continues a multi-line string value.
    fn continuation(&mut self, line: &str) {
        let target = match self.open {
            Some(Open::ResourceAttr) => self.resource.last_mut().map(|(_, v)| v),
            Some(Open::SpanAttr) => self.span_attrs.last_mut().map(|(_, v)| v),
            Some(Open::EventAttr) => self.event_attrs.last_mut().map(|(_, v)| v),
            Some(Open::StatusMessage) => self.current.as_mut().map(|s| &mut s.status_message),
            None => None,
        };
        if let Some(value) = target {
            value.push('\n');
            value.push_str(line);
        }
    }

    fn finish_event(&mut self) {
        let attrs = std::mem::take(&mut self.event_attrs);
        if let Some(event) = self.current.as_mut().and_then(|s| s.events.last_mut()) {
            event
                .attributes
                .extend(attrs.into_iter().map(|(k, v)| (k, parse_value(&v))));
        }
    }

    fn finish_span(&mut self) {
        self.finish_event();
        let attrs = std::mem::take(&mut self.span_attrs);
        if let Some(mut span) = self.current.take() {
            span.attributes
                .extend(attrs.into_iter().map(|(k, v)| (k, parse_value(&v))));
            self.spans.push(span);
        }
        self.open = None;
    }
}

/// rotel's own log lines start with an ANSI escape or a timestamp.
fn is_log_line(line: &str) -> bool {
    line.starts_with('\u{1b}')
        || (line.len() > 20
            && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[4] == b'-')
}

/// Splits a span header line `    Trace ID       : value`.
fn field(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("    ")?;
    if rest.starts_with(' ') {
        return None;
    }
    let (key, value) = rest
        .split_once(" : ")
        .or_else(|| rest.strip_suffix(" :").map(|k| (k, "")))?;
    Some((key.trim_end(), value))
}

fn parse_kind(value: &str) -> SpanKind {
    match value {
        "SPAN_KIND_INTERNAL" => SpanKind::Internal,
        "SPAN_KIND_SERVER" => SpanKind::Server,
        "SPAN_KIND_CLIENT" => SpanKind::Client,
        "SPAN_KIND_PRODUCER" => SpanKind::Producer,
        "SPAN_KIND_CONSUMER" => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    }
}

fn parse_status(value: &str) -> StatusCode {
    match value {
        "STATUS_CODE_OK" => StatusCode::Ok,
        "STATUS_CODE_ERROR" => StatusCode::Error,
        _ => StatusCode::Unset,
    }
}

/// Parses a top-level value such as `Str(a, b)`. The whole text up to the final
/// `)` is the payload, so strings containing parentheses or commas survive.
pub(crate) fn parse_value(text: &str) -> Value {
    let Some((tag, rest)) = text.split_once('(') else {
        return Value::Unknown(text.to_owned());
    };
    let Some(inner) = rest.strip_suffix(')') else {
        return Value::Unknown(text.to_owned());
    };
    match tag {
        "Str" => Value::String(inner.to_owned()),
        "Slice" => Value::Array(split_top_level(inner).map(parse_value).collect()),
        "Map" => Value::Map(
            split_top_level(inner)
                .filter_map(|entry| entry.split_once(':'))
                .map(|(k, v)| (k.to_owned(), parse_value(v)))
                .collect(),
        ),
        _ => parse_scalar(tag, inner).unwrap_or_else(|| Value::Unknown(text.to_owned())),
    }
}

fn parse_scalar(tag: &str, inner: &str) -> Option<Value> {
    Some(match tag {
        "Int" => Value::Int(inner.parse().ok()?),
        "Double" => Value::Double(inner.parse().ok()?),
        "Bool" => Value::Bool(inner.parse().ok()?),
        "Bytes" => Value::Bytes(
            split_top_level(inner.strip_prefix('[')?.strip_suffix(']')?)
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?,
        ),
        _ => return None,
    })
}

/// Splits `a, B(c, d), e` at the commas outside parentheses and brackets. Nested
/// strings with unbalanced parentheses are beyond what this format can tell apart.
fn split_top_level(text: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.into_iter().filter(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from rotel 0.0.1a15 (`rotel-agent` reports 0.0.1-alpha10) after
    /// posting `tests/data/rotel-sample-request-{1,2}.json` to its OTLP/HTTP
    /// receiver (the first failed attempt at request 2 left an error log line).
    const SAMPLE: &str = include_str!("../data/rotel-detailed-traces.txt");

    #[test]
    fn parses_every_span_of_the_sample() {
        let spans = parse(SAMPLE);
        let names: Vec<_> = spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["GET /api/tasks/{id}", "root", "ev", "p", "c"]);
        let kinds: Vec<_> = spans.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SpanKind::Server,
                SpanKind::Internal,
                SpanKind::Client,
                SpanKind::Producer,
                SpanKind::Consumer
            ]
        );
    }

    #[test]
    fn parses_ids_status_and_resource() {
        let spans = parse(SAMPLE);
        let server = &spans[0];
        assert_eq!(server.trace_id, "5b8efff798038103d269b633813fc60c");
        assert_eq!(server.span_id, "eee19b7ec3c1b174");
        assert_eq!(server.parent_span_id.as_deref(), Some("eee19b7ec3c1b173"));
        assert_eq!(server.status_code, StatusCode::Error);
        assert_eq!(server.status_message, "boom: it failed");
        assert_eq!(server.scope, "probe-scope");
        assert_eq!(
            server.resource_attr("service.name"),
            Some(&Value::String("probe".into()))
        );
        assert_eq!(server.resource_attr("n"), Some(&Value::Int(3)));

        let root = &spans[1];
        assert_eq!(root.parent_span_id, None);
        assert_eq!(root.status_code, StatusCode::Unset);
        assert_eq!(root.status_message, "");
        assert!(root.attributes.is_empty());

        assert_eq!(spans[2].status_code, StatusCode::Ok);
        assert_eq!(
            spans[2].resource_attr("service.name"),
            Some(&Value::String("probe2".into()))
        );
        // The second resource of the same request has no attributes at all.
        assert!(spans[3].resource.is_empty());
        assert_eq!(spans[3].status_code, StatusCode::Unset);
    }

    #[test]
    fn keeps_attribute_value_types() {
        let spans = parse(SAMPLE);
        let a = &spans[0].attributes;
        assert_eq!(a["s"], Value::String("hello world".into()));
        assert_eq!(a["i"], Value::Int(42));
        assert_eq!(a["d"], Value::Double(1.5));
        assert_eq!(a["b"], Value::Bool(true));
        assert_eq!(
            a["arr"],
            Value::Array(vec![Value::String("a".into()), Value::Int(1)])
        );
        assert_eq!(a["weird"], Value::String("a, b: c\nnext line".into()));
        assert_eq!(a.len(), 6);

        let b = &spans[2].attributes;
        assert_eq!(b["paren"], Value::String("f(x) = )(".into()));
        assert_eq!(b["empty"], Value::String(String::new()));
        assert_eq!(b["kv"], Value::Map(vec![("a".into(), Value::Int(1))]));
        assert_eq!(b["bytes"], Value::Bytes(vec![1, 2]));
        assert_eq!(b["earr"], Value::Array(vec![]));
        assert_eq!(b["neg"], Value::Int(-7));
        assert_eq!(b["dd"], Value::Double(2.0));
    }

    #[test]
    fn parses_events_and_skips_links_and_log_lines() {
        let spans = parse(SAMPLE);
        let events = &spans[2].events;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name, "exception");
        assert_eq!(
            events[0].attributes["exception.message"],
            Value::String("bad".into())
        );
        // Link attributes (`l`) must not leak into span or event attributes.
        assert!(!spans[2].attributes.contains_key("l"));
        assert!(!events[0].attributes.contains_key("l"));
    }

    #[test]
    fn a_truncated_dump_yields_the_spans_so_far() {
        let cut = SAMPLE.find("Span #1").expect("sample has two spans");
        let spans = parse(&SAMPLE[..cut]);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].attributes.len(), 6);
    }
}
