//! Filters that can be replaced while the program runs.
//!
//! tracing-subscriber's `reload` layer panics with per-layer filters (tracing#1629),
//! so each output gets a [`LevelFilter`] of its own: a plain level is one atomic
//! compare (no lock on the hot path); an `EnvFilter` with targets or spans is kept
//! behind a read-mostly lock. After a swap the callsite interest cache is rebuilt,
//! so `tracing`'s disabled fast path stays exact.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use tracing::level_filters::LevelFilter as Level;
use tracing::subscriber::Interest;
use tracing::{Metadata, span};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Filter};

/// A layer over the registry, boxed: what console, file and (beside them) the
/// pipeline are, each behind its own filter.
pub(crate) type BoxedLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;

/// `layer` behind a replaceable filter of `directives` (already checked during
/// resolution), returned with the filter's handle.
#[cfg(any(feature = "console", feature = "file"))]
pub(crate) fn filtered<L>(layer: L, directives: &str) -> (BoxedLayer, LevelFilter)
where
    L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync,
{
    use tracing_subscriber::Layer as _;
    let filter = LevelFilter::new(directives, None);
    (layer.with_filter(filter.clone()).boxed(), filter)
}

/// `fast` when the filter is an `EnvFilter` rather than a plain level.
const COMPLEX: u8 = u8::MAX;

/// A filter whose directives can be replaced, shared by the layer it filters and the
/// control handle.
#[derive(Debug, Clone)]
pub(crate) struct LevelFilter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The plain level (as `level_index`), or [`COMPLEX`].
    fast: AtomicU8,
    complex: RwLock<Option<Arc<EnvFilter>>>,
    directives: RwLock<String>,
    /// When set and false, nothing passes (sampling mode `off` for the pipeline).
    gate: Option<Arc<AtomicBool>>,
}

/// A directive string that does not parse, with the directive at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadDirective {
    pub(crate) directive: String,
    pub(crate) reason: String,
}

/// Levels as integers, most verbose highest: `OFF` 0 … `TRACE` 5.
fn level_index(level: Level) -> u8 {
    match level.into_level() {
        None => 0,
        Some(tracing::Level::ERROR) => 1,
        Some(tracing::Level::WARN) => 2,
        Some(tracing::Level::INFO) => 3,
        Some(tracing::Level::DEBUG) => 4,
        Some(tracing::Level::TRACE) => 5,
    }
}

fn index_level(index: u8) -> Level {
    match index {
        0 => Level::OFF,
        1 => Level::ERROR,
        2 => Level::WARN,
        3 => Level::INFO,
        4 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Checks a directive string; the error names the first directive that does not parse.
pub(crate) fn check(directives: &str) -> Result<(), BadDirective> {
    if let Err(e) = EnvFilter::builder().parse(directives) {
        let directive = directives
            .split(',')
            .map(str::trim)
            .find(|d| !d.is_empty() && EnvFilter::builder().parse(d).is_err())
            .unwrap_or(directives)
            .to_owned();
        return Err(BadDirective {
            directive,
            reason: e.to_string(),
        });
    }
    Ok(())
}

impl LevelFilter {
    /// A filter of `directives` (already checked during resolution; a bad one falls
    /// back to `info`). With a `gate`, nothing passes while the gate is false.
    pub(crate) fn new(directives: &str, gate: Option<Arc<AtomicBool>>) -> Self {
        let filter = Self {
            inner: Arc::new(Inner {
                fast: AtomicU8::new(level_index(Level::INFO)),
                complex: RwLock::new(None),
                directives: RwLock::new(String::new()),
                gate,
            }),
        };
        if filter.store(directives).is_err() {
            let _ = filter.store("info");
        }
        filter
    }

    /// The directives in force.
    pub(crate) fn directives(&self) -> String {
        self.inner
            .directives
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the directives; on error the old ones stay. Callers rebuild the
    /// interest cache (see [`rebuild`]).
    pub(crate) fn store(&self, directives: &str) -> Result<(), BadDirective> {
        check(directives)?;
        let trimmed = directives.trim();
        if let Ok(level) = trimmed.parse::<Level>() {
            self.inner.fast.store(level_index(level), Ordering::Release);
            *self
                .inner
                .complex
                .write()
                .unwrap_or_else(PoisonError::into_inner) = None;
        } else {
            let filter = EnvFilter::builder()
                .parse(trimmed)
                .map_err(|e| BadDirective {
                    directive: trimmed.to_owned(),
                    reason: e.to_string(),
                })?;
            *self
                .inner
                .complex
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(filter));
            self.inner.fast.store(COMPLEX, Ordering::Release);
        }
        trimmed.clone_into(
            &mut self
                .inner
                .directives
                .write()
                .unwrap_or_else(PoisonError::into_inner),
        );
        Ok(())
    }

    fn open(&self) -> bool {
        self.inner
            .gate
            .as_ref()
            .is_none_or(|g| g.load(Ordering::Relaxed))
    }

    fn complex(&self) -> Option<Arc<EnvFilter>> {
        self.inner
            .complex
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    #[inline]
    fn fast(&self) -> Option<Level> {
        let fast = self.inner.fast.load(Ordering::Acquire);
        (fast != COMPLEX).then(|| index_level(fast))
    }
}

impl LevelFilter {
    /// Whether `meta` passes, outside any layer (semtrace's span store asks each
    /// output's filter for each span and event).
    #[inline]
    pub(crate) fn wants(&self, meta: &Metadata<'_>) -> bool {
        if !self.open() {
            return false;
        }
        match self.fast() {
            Some(level) => level >= *meta.level(),
            None => self.complex().is_some_and(|f| probe::enabled(f, meta)),
        }
    }
}

/// `EnvFilter::enabled` takes a layer's `Context`, which it does not read (its span
/// directives keep their own per-thread state), and only tracing-subscriber can
/// make one: a layer over no subscriber receives one and asks the filter.
mod probe {
    use std::cell::RefCell;
    use std::sync::{Arc, LazyLock};

    use tracing::subscriber::NoSubscriber;
    use tracing::{Metadata, Subscriber};
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::layer::{Context, Layer, Layered, SubscriberExt as _};

    thread_local! {
        /// The filter asked on this thread, and its answer.
        static ASKED: RefCell<Option<(Arc<EnvFilter>, bool)>> = const { RefCell::new(None) };
    }

    struct Probe;

    impl<S: Subscriber> Layer<S> for Probe {
        fn enabled(&self, meta: &Metadata<'_>, cx: Context<'_, S>) -> bool {
            ASKED.with(|asked| {
                if let Some((filter, answer)) = asked.borrow_mut().as_mut() {
                    *answer = filter.enabled(meta, cx);
                }
            });
            false
        }
    }

    static PROBE: LazyLock<Layered<Probe, NoSubscriber>> =
        LazyLock::new(|| NoSubscriber::default().with(Probe));

    pub(super) fn enabled(filter: Arc<EnvFilter>, meta: &Metadata<'_>) -> bool {
        ASKED.with(|asked| *asked.borrow_mut() = Some((filter, false)));
        PROBE.enabled(meta);
        ASKED
            .with(|asked| asked.borrow_mut().take())
            .is_some_and(|(_, answer)| answer)
    }
}

/// Makes every callsite ask the filters again (after a filter or the mode changed).
pub(crate) fn rebuild() {
    tracing::callsite::rebuild_interest_cache();
}

impl<S> Filter<S> for LevelFilter {
    #[inline]
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        if !self.open() {
            return false;
        }
        match self.fast() {
            Some(level) => level >= *meta.level(),
            None => self
                .complex()
                .is_some_and(|f| <EnvFilter as Filter<S>>::enabled(&f, meta, cx)),
        }
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if !self.open() {
            return Interest::never();
        }
        match self.fast() {
            Some(level) if level >= *meta.level() => Interest::always(),
            Some(_) => Interest::never(),
            None => self.complex().map_or_else(Interest::never, |f| {
                <EnvFilter as Filter<S>>::callsite_enabled(&f, meta)
            }),
        }
    }

    fn max_level_hint(&self) -> Option<Level> {
        if !self.open() {
            return Some(Level::OFF);
        }
        match self.fast() {
            Some(level) => Some(level),
            None => self
                .complex()
                .and_then(|f| <EnvFilter as Filter<S>>::max_level_hint(&f)),
        }
    }

    #[inline]
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        if let Some(f) = self.fast().is_none().then(|| self.complex()).flatten() {
            <EnvFilter as Filter<S>>::on_new_span(&f, attrs, id, cx);
        }
    }

    #[inline]
    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        if let Some(f) = self.fast().is_none().then(|| self.complex()).flatten() {
            <EnvFilter as Filter<S>>::on_record(&f, id, values, cx);
        }
    }

    #[inline]
    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        if let Some(f) = self.fast().is_none().then(|| self.complex()).flatten() {
            <EnvFilter as Filter<S>>::on_enter(&f, id, cx);
        }
    }

    #[inline]
    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        if let Some(f) = self.fast().is_none().then(|| self.complex()).flatten() {
            <EnvFilter as Filter<S>>::on_exit(&f, id, cx);
        }
    }

    #[inline]
    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        if let Some(f) = self.fast().is_none().then(|| self.complex()).flatten() {
            <EnvFilter as Filter<S>>::on_close(&f, id, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_directives_are_named_and_change_nothing() {
        let f = LevelFilter::new("info", None);
        let err = f.store("warn,my_crate=loud").unwrap_err();
        assert_eq!(err.directive, "my_crate=loud");
        assert_eq!(f.directives(), "info");
        f.store("debug,hyper=warn").unwrap();
        assert_eq!(f.directives(), "debug,hyper=warn");
        assert!(f.fast().is_none());
        f.store(" trace ").unwrap();
        assert_eq!(f.fast(), Some(Level::TRACE));
    }

    #[test]
    #[cfg(any(feature = "console", feature = "file"))]
    fn wants_asks_plain_levels_and_env_filters() {
        let meta = &META;
        let f = LevelFilter::new("warn", None);
        assert!(!f.wants(meta));
        f.store("warn,app::db=info").unwrap();
        assert!(f.wants(meta));
        f.store("warn,app::http=info").unwrap();
        assert!(!f.wants(meta));
    }

    struct Callsite;
    static CALLSITE: Callsite = Callsite;
    static META: Metadata<'static> = tracing_core::metadata! {
        name: "m",
        target: "app::db",
        level: tracing::Level::INFO,
        fields: &[],
        callsite: &CALLSITE,
        kind: tracing_core::metadata::Kind::EVENT,
    };
    impl tracing::callsite::Callsite for Callsite {
        fn set_interest(&self, _: Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unimplemented!()
        }
    }
}
