//! A span exporter for pipeline tests: keeps what it receives (also after
//! shutdown), and can fail ("collector down") or block ("collector stuck") on demand.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// See the module docs. Clones share one state.
#[derive(Debug, Clone, Default)]
pub struct TestExporter(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    spans: Mutex<Vec<SpanData>>,
    down: AtomicBool,
    calls: AtomicUsize,
    failed: AtomicUsize,
    /// `true` while exports block.
    stuck: Mutex<bool>,
    unstuck: Condvar,
}

impl TestExporter {
    /// Every span received so far.
    pub fn spans(&self) -> Vec<SpanData> {
        self.0
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The names of the spans received so far, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.spans().iter().map(|s| s.name.to_string()).collect();
        names.sort();
        names
    }

    /// Received spans grouped by trace id.
    pub fn traces(&self) -> HashMap<opentelemetry::trace::TraceId, Vec<SpanData>> {
        let mut traces: HashMap<_, Vec<SpanData>> = HashMap::new();
        for span in self.spans() {
            traces
                .entry(span.span_context.trace_id())
                .or_default()
                .push(span);
        }
        traces
    }

    /// Export calls so far, and how many of them failed.
    pub fn calls(&self) -> (usize, usize) {
        (
            self.0.calls.load(Ordering::SeqCst),
            self.0.failed.load(Ordering::SeqCst),
        )
    }

    /// While `down`, every export fails.
    pub fn set_down(&self, down: bool) {
        self.0.down.store(down, Ordering::SeqCst);
    }

    /// While stuck, every export blocks (the exporter's thread with it).
    pub fn set_stuck(&self, stuck: bool) {
        *self.0.stuck.lock().unwrap_or_else(PoisonError::into_inner) = stuck;
        self.0.unstuck.notify_all();
    }
}

impl SpanExporter for TestExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.calls.fetch_add(1, Ordering::SeqCst);
        let mut stuck = self.0.stuck.lock().unwrap_or_else(PoisonError::into_inner);
        while *stuck {
            stuck = self
                .0
                .unstuck
                .wait(stuck)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(stuck);
        if self.0.down.load(Ordering::SeqCst) {
            self.0.failed.fetch_add(1, Ordering::SeqCst);
            return Err(OTelSdkError::InternalFailure("collector down".into()));
        }
        self.0
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }
}
