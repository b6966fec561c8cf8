//! semtrace's own span store (the pipeline alone, and beside console lines) against
//! tracing-subscriber's registry (beside a layer of the user's, which needs it): the same program gives the same traces through all three. Parents, the current span per thread,
//! re-entries, spans that outlive their handles' order, explicit parents and
//! roots, events, links, and two subscribers on one thread. No global subscriber.

use std::collections::BTreeSet;

use opentelemetry_sdk::trace::SpanData;
use semtrace::SpanStats;
use semtrace_tests::buffer::Buffer;
use semtrace_tests::exporter::TestExporter;
use tracing::{Dispatch, info_span};

/// Each span as (name, its parent's name, whether it shares the parent's trace),
/// and its events' names: what a trace viewer shows of the program's structure.
type Shape = BTreeSet<(String, Option<String>, bool, Vec<String>)>;

fn shape(spans: &[SpanData]) -> Shape {
    spans
        .iter()
        .map(|s| {
            let parent = spans
                .iter()
                .find(|p| p.span_context.span_id() == s.parent_span_id);
            (
                s.name.to_string(),
                parent.map(|p| p.name.to_string()),
                parent.is_none_or(|p| p.span_context.trace_id() == s.span_context.trace_id()),
                s.events.iter().map(|e| e.name.to_string()).collect(),
            )
        })
        .collect()
}

/// Which subscriber a run builds.
#[derive(Clone, Copy)]
enum Console {
    /// semtrace's store, the pipeline alone.
    Off,
    /// semtrace's store, writing console lines too.
    Lines,
    /// tracing-subscriber's registry, beside a layer of the user's that does nothing.
    Registry,
}

/// Runs `program` under one of the subscribers; asserts every span is accounted
/// for and exported, and returns what was exported.
fn run(console: Console, program: impl Fn(&Dispatch)) -> Vec<SpanData> {
    run_at(console, "trace", "info", program)
}

/// [`run`], the pipeline at `otlp` and the console at `console_level`.
fn run_at(
    console: Console,
    otlp: &str,
    console_level: &str,
    program: impl Fn(&Dispatch),
) -> Vec<SpanData> {
    let exporter = TestExporter::default();
    let mut builder = semtrace::Telemetry::builder("span-store-test")
        .env_lookup(|_| None)
        .otlp_level(otlp)
        .console_level(console_level)
        .span_exporter(exporter.clone());
    builder = match console {
        Console::Off => builder.console(false),
        Console::Lines => builder.console_writer(Buffer::default()),
        Console::Registry => builder
            .console_writer(Buffer::default())
            .with_layer(tracing_subscriber::layer::Identity::new()),
    };
    let (dispatch, guard) = builder.build().unwrap();
    tracing::dispatcher::with_default(&dispatch, || program(&dispatch));
    let stats = guard.shutdown().unwrap();
    assert_balanced(stats);
    assert_eq!(stats.exported, exporter.spans().len() as u64, "{stats:?}");
    exporter.spans()
}

/// Runs `program` under semtrace's own store (alone and beside console lines) and
/// under the registry; asserts all export the same shape, and returns it with the
/// own store's spans.
fn both(program: impl Fn(&Dispatch)) -> (Shape, Vec<SpanData>) {
    let own = run(Console::Off, &program);
    let lines = run(Console::Lines, &program);
    let registry = run(Console::Registry, &program);
    assert_eq!(shape(&own), shape(&registry));
    assert_eq!(shape(&lines), shape(&registry));
    (shape(&own), own)
}

fn assert_balanced(stats: SpanStats) {
    assert_eq!(
        stats.started,
        stats.sampled_out + stats.exported + stats.dropped,
        "{stats:?}"
    );
    assert_eq!(stats.dropped, 0, "{stats:?}");
}

fn row(name: &str, parent: Option<&str>) -> (String, Option<String>, bool, Vec<String>) {
    (name.into(), parent.map(Into::into), true, Vec::new())
}

#[test]
fn nested_spans_and_a_reentered_one_give_the_registry_s_parents() {
    let (shape, _) = both(|_| {
        let a = info_span!("a");
        let b = info_span!("b");
        let _in_a = a.enter();
        b.in_scope(|| {
            // Re-entering `a` inside `b`: the registry's current span stays `b`.
            a.in_scope(|| info_span!("c").in_scope(|| {}));
        });
        info_span!("d").in_scope(|| {});
    });
    let want: Shape = [
        row("a", None),
        // Made before `a` was entered.
        row("b", None),
        row("c", Some("b")),
        row("d", Some("a")),
    ]
    .into();
    assert_eq!(shape, want);
}

#[test]
fn a_span_below_the_pipeline_s_level_is_transparent_to_it() {
    // The console wants the debug spans, the pipeline does not: its spans' parent is
    // the nearest span it records, and events in a debug span join that one.
    let program = |_: &Dispatch| {
        info_span!("outer").in_scope(|| {
            tracing::debug_span!("hidden").in_scope(|| {
                tracing::info!("in hidden");
                info_span!("inner").in_scope(|| {
                    tracing::debug_span!(parent: None, "hidden_root")
                        .in_scope(|| info_span!("orphan").in_scope(|| {}));
                });
            });
        });
    };
    let lines = run_at(Console::Lines, "info", "debug", program);
    let registry = run_at(Console::Registry, "info", "debug", program);
    let want: Shape = [
        ("outer".to_owned(), None, true, vec!["in hidden".to_owned()]),
        row("inner", Some("outer")),
        row("orphan", None),
    ]
    .into();
    assert_eq!(shape(&registry), want);
    assert_eq!(shape(&lines), want);
}

#[test]
fn a_parent_whose_handle_is_dropped_first_ends_after_its_children() {
    let (shape, spans) = both(|_| {
        let parent = info_span!("parent");
        let child = info_span!(parent: &parent, "child");
        drop(parent);
        child.in_scope(|| info_span!("grandchild").in_scope(|| {}));
        drop(child);
    });
    let want: Shape = [
        row("parent", None),
        row("child", Some("parent")),
        row("grandchild", Some("child")),
    ]
    .into();
    assert_eq!(shape, want);
    let end = |name: &str| spans.iter().find(|s| s.name == name).unwrap().end_time;
    assert!(end("parent") >= end("child"));
    assert!(end("child") >= end("grandchild"));
}

#[test]
fn a_chain_of_parents_ends_with_its_last_child_on_a_thread_without_a_dispatcher() {
    // The own store only: tracing-subscriber's registry ends a parent through the
    // thread's default dispatcher, and on a thread without one it never does (the
    // trace stays open; semtrace counts it as unfinished at shutdown).
    let spans = run(Console::Off, |_| {
        let grandparent = info_span!("grandparent");
        let parent = info_span!(parent: &grandparent, "parent");
        let child = info_span!(parent: &parent, "child");
        drop((grandparent, parent));
        // The last handle ends on a thread where no dispatcher is the default: the
        // child, its parent and its grandparent all end there, in that order.
        std::thread::spawn(move || drop(child)).join().unwrap();
    });
    let want: Shape = [
        row("grandparent", None),
        row("parent", Some("grandparent")),
        row("child", Some("parent")),
    ]
    .into();
    assert_eq!(shape(&spans), want);
}

#[test]
fn explicit_parents_and_explicit_roots_override_the_current_span() {
    let (shape, _) = both(|_| {
        let other = info_span!("other");
        info_span!("current").in_scope(|| {
            info_span!(parent: None, "root").in_scope(|| {
                info_span!("under_root").in_scope(|| {});
            });
            info_span!(parent: &other, "adopted").in_scope(|| {});
            info_span!(parent: other.id(), "by_id").in_scope(|| {});
        });
    });
    let want: Shape = [
        row("other", None),
        row("current", None),
        row("root", None),
        row("under_root", Some("root")),
        row("adopted", Some("other")),
        row("by_id", Some("other")),
    ]
    .into();
    assert_eq!(shape, want);
}

#[test]
fn a_span_moved_to_another_thread_is_the_current_span_there() {
    let (shape, _) = both(|dispatch| {
        let moved = info_span!("moved");
        let dispatch = dispatch.clone();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                moved.in_scope(|| {
                    assert_eq!(
                        tracing::Span::current()
                            .metadata()
                            .map(tracing::Metadata::name),
                        Some("moved")
                    );
                    info_span!("there").in_scope(|| {});
                });
            });
        })
        .join()
        .unwrap();
        // Nothing is entered here: a new span is a root.
        info_span!("here").in_scope(|| {});
    });
    let want: Shape = [
        row("moved", None),
        row("there", Some("moved")),
        row("here", None),
    ]
    .into();
    assert_eq!(shape, want);
}

#[test]
fn events_join_the_current_or_the_named_span_and_links_are_kept() {
    let (shape, spans) = both(|_| {
        let first = info_span!("first");
        first.in_scope(|| tracing::info!("inside"));
        let second = info_span!("second");
        second.follows_from(&first);
        tracing::info!(parent: &second, "addressed");
        // No span entered: an event of no span, and nothing to keep it.
        tracing::info!("outside");
    });
    let want: Shape = [
        ("first".into(), None, true, vec!["inside".into()]),
        ("second".into(), None, true, vec!["addressed".into()]),
    ]
    .into();
    assert_eq!(shape, want);
    let first = spans.iter().find(|s| s.name == "first").unwrap();
    let second = spans.iter().find(|s| s.name == "second").unwrap();
    assert_eq!(second.links.links.len(), 1);
    assert_eq!(
        second.links.links[0].span_context.span_id(),
        first.span_context.span_id()
    );
}

#[test]
fn two_subscribers_on_one_thread_keep_their_own_current_span() {
    let outer_exporter = TestExporter::default();
    let inner_exporter = TestExporter::default();
    let build = |exporter: &TestExporter| {
        semtrace::Telemetry::builder("span-store-test")
            .env_lookup(|_| None)
            .console(false)
            .span_exporter(exporter.clone())
            .build()
            .unwrap()
    };
    let (outer, outer_guard) = build(&outer_exporter);
    let (inner, inner_guard) = build(&inner_exporter);
    // Each store's first span on this thread gets the same slot key, so `outer`'s
    // id also names `other` in the inner store: read untagged, the stack would make
    // `other` the parent of `inner`.
    let other = tracing::dispatcher::with_default(&inner, || info_span!("other"));
    tracing::dispatcher::with_default(&outer, || {
        let outer_span = info_span!("outer");
        assert_eq!(outer_span.id(), other.id());
        let _outer = outer_span.entered();
        tracing::dispatcher::with_default(&inner, || {
            // `outer` is this thread's current span in the other subscriber only.
            info_span!("inner").in_scope(|| {});
        });
        info_span!("outer_child").in_scope(|| {});
    });
    drop(other);
    outer_guard.shutdown().unwrap();
    inner_guard.shutdown().unwrap();
    assert_eq!(
        shape(&outer_exporter.spans()),
        [row("outer", None), row("outer_child", Some("outer"))].into()
    );
    assert_eq!(
        shape(&inner_exporter.spans()),
        [row("other", None), row("inner", None)].into()
    );
}
