// tracing-attributes' `tests/ui/pass/type_shadowing.rs` shape: a glob import in
// the body shadows the name of the declared return type, sync and async.
#![allow(dead_code)]

type Foo = ();

enum Bar {
    Foo,
}

#[semtrace::traced]
fn sync_shadowed() -> Foo {
    #[allow(unused_imports)]
    use Bar::*;
}

#[semtrace::traced]
async fn async_shadowed() -> Foo {
    #[allow(unused_imports)]
    use Bar::*;
}

fn main() {
    sync_shadowed();
    drop(async_shadowed());
}
