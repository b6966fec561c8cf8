//! Log records as rotel prints them (`--debug-log logs --debug-log-verbosity
//! detailed`), for the end-to-end tests of the log pipeline. Run a collector of its
//! own for logs: its output then holds no span dumps to tell apart.

use std::collections::BTreeMap;
use std::thread;
use std::time::{Duration, Instant};

use crate::collector::{Collector, Value, WaitError, parse_value};

/// One log record as the collector received it.
#[derive(Debug, Clone, Default)]
pub struct LogRecord {
    /// The instrumentation scope's name (the event's target).
    pub scope: String,
    /// `TRACE` ..= `ERROR`.
    pub severity_text: String,
    /// 1, 5, 9, 13, 17.
    pub severity_number: i32,
    /// The body, as text (`Str(…)` unwrapped).
    pub body: String,
    /// The record's attributes, typed.
    pub attributes: BTreeMap<String, Value>,
    /// Lowercase hex; empty when the record has none.
    pub trace_id: String,
    /// Lowercase hex; empty when the record has none.
    pub span_id: String,
    /// W3C trace flags (1: sampled).
    pub flags: u32,
    /// The resource's attributes.
    pub resource: BTreeMap<String, Value>,
}

impl LogRecord {
    /// The attribute `key`, if the record has it.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }
}

/// The arguments that make rotel print received log records.
pub const LOG_ARGS: &[&str] = &["--debug-log", "logs", "--debug-log-verbosity", "detailed"];

/// Parses rotel's detailed log dump.
pub fn parse_logs(output: &str) -> Vec<LogRecord> {
    let mut records = Vec::new();
    let mut resource = BTreeMap::new();
    let mut in_resource = false;
    let mut scope = String::new();
    let mut current: Option<LogRecord> = None;
    for line in output.lines() {
        if line.starts_with("ResourceLog #") {
            records.extend(current.take());
            resource = BTreeMap::new();
            in_resource = false;
        } else if line == "Resource attributes:" {
            in_resource = true;
        } else if let Some(name) = line.strip_prefix("InstrumentationScope ") {
            records.extend(current.take());
            name.split(' ')
                .next()
                .unwrap_or_default()
                .clone_into(&mut scope);
            in_resource = false;
        } else if line.starts_with("LogRecord #") {
            records.extend(current.take());
            in_resource = false;
            current = Some(LogRecord {
                scope: scope.clone(),
                resource: resource.clone(),
                ..LogRecord::default()
            });
        } else if let Some(rest) = line.strip_prefix("     -> ") {
            if let Some((k, v)) = rest.split_once(": ") {
                if in_resource {
                    resource.insert(k.to_owned(), parse_value(v));
                } else if let Some(record) = &mut current {
                    record.attributes.insert(k.to_owned(), parse_value(v));
                }
            }
        } else if let Some(record) = &mut current {
            let trimmed = line.trim();
            if let Some(v) = trimmed.strip_prefix("SeverityText: ") {
                v.clone_into(&mut record.severity_text);
            } else if let Some(v) = trimmed.strip_prefix("SeverityNumber: ") {
                record.severity_number = v
                    .rsplit_once('(')
                    .and_then(|(_, n)| n.strip_suffix(')')?.parse().ok())
                    .unwrap_or_default();
            } else if let Some(v) = trimmed.strip_prefix("Body: ") {
                record.body = match parse_value(v) {
                    Value::String(s) => s,
                    other => format!("{other:?}"),
                };
            } else if let Some(v) = trimmed.strip_prefix("Trace ID       : ") {
                v.clone_into(&mut record.trace_id);
            } else if let Some(v) = trimmed.strip_prefix("Span ID        : ") {
                v.clone_into(&mut record.span_id);
            } else if let Some(v) = trimmed.strip_prefix("Flags: ") {
                record.flags = v.parse().unwrap_or_default();
            }
        }
    }
    records.extend(current);
    records
}

impl Collector {
    /// The log records received so far (a collector started with [`LOG_ARGS`]).
    pub fn logs(&self) -> Vec<LogRecord> {
        parse_logs(&self.output())
    }

    /// Waits (bounded poll) until at least `count` log records were printed and the
    /// output stopped growing.
    ///
    /// # Errors
    /// When fewer arrive within `timeout`.
    pub fn wait_for_logs(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<LogRecord>, WaitError> {
        let deadline = Instant::now() + timeout;
        let mut seen_len = usize::MAX;
        loop {
            let output = self.output();
            let logs = parse_logs(&output);
            if logs.len() >= count && output.len() == seen_len {
                return Ok(logs);
            }
            seen_len = output.len();
            if Instant::now() > deadline {
                return Err(WaitError {
                    expected: count,
                    received: logs.len(),
                    diagnostics: output,
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}
