// The argument shapes of tracing-attributes' `tests/destructuring.rs`,
// `tests/instrument.rs`, `tests/parents.rs` and `tests/follows_from.rs`: patterns,
// generics with `where` clauses, `impl Trait` arguments, methods.
use std::fmt::Debug;

#[semtrace::traced]
fn pair((first, second): (usize, usize)) -> usize {
    first + second
}

#[semtrace::traced]
fn pairs(((a, b), (c, d)): ((usize, usize), (usize, usize))) -> usize {
    a + b + c + d
}

#[semtrace::traced]
fn by_ref(&n: &usize) -> usize {
    n
}

struct Both(usize, usize);

#[semtrace::traced]
fn tuple_struct(Both(a, b): Both) -> usize {
    a + b
}

struct Named {
    bar: usize,
    baz: usize,
}

#[semtrace::traced]
fn named_struct(Named { bar: a, baz: b }: Named) -> usize {
    a + b
}

struct Wrapped((usize, usize));

struct Outer {
    bar: Wrapped,
    baz: (usize, usize),
    #[allow(dead_code)]
    qux: usize,
}

#[semtrace::traced]
fn nested_ref(
    &Outer {
        bar: Wrapped((a, b)),
        baz: (c, d),
        ..
    }: &Outer,
) -> usize {
    a + b + c + d
}

#[semtrace::traced]
fn generic_where<S, T: Debug>(s: S, t: T) -> String
where
    S: Debug,
{
    format!("{s:?}{t:?}")
}

#[semtrace::traced]
fn into_option<P>(parent: P) -> bool
where
    P: Into<Option<u64>>,
{
    parent.into().is_some()
}

#[semtrace::traced]
fn impl_args(causes: impl IntoIterator<Item = impl Into<Option<u64>>>) -> usize {
    causes.into_iter().filter_map(Into::into).count()
}

#[semtrace::traced]
async fn impl_args_later(causes: impl IntoIterator<Item = impl Into<Option<u64>>>) -> usize {
    causes.into_iter().filter_map(Into::into).count()
}

#[semtrace::traced]
fn counts_to(x: usize) -> impl Iterator<Item = usize> {
    0..x
}

#[derive(Debug)]
struct Receiver;

impl Receiver {
    #[semtrace::traced(server.port = arg)]
    fn method(&self, arg: u16) -> u16 {
        arg
    }
}

fn main() {
    assert_eq!(pair((1, 2)), 3);
    assert_eq!(pairs(((1, 2), (3, 4))), 10);
    assert_eq!(by_ref(&5), 5);
    assert_eq!(tuple_struct(Both(1, 2)), 3);
    assert_eq!(named_struct(Named { bar: 1, baz: 2 }), 3);
    let outer = Outer {
        bar: Wrapped((1, 2)),
        baz: (3, 4),
        qux: 5,
    };
    assert_eq!(nested_ref(&outer), 10);
    assert_eq!(generic_where(1, "x"), "1\"x\"");
    assert!(into_option(Some(1)));
    assert_eq!(impl_args([Some(1), None]), 1);
    drop(impl_args_later(vec![Some(1_u64)]));
    assert_eq!(counts_to(3).count(), 3);
    assert_eq!(Receiver.method(8), 8);
}
