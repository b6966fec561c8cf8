//! Attribute macros of [semtrace](https://docs.rs/semtrace). Use them through the
//! `semtrace` crate, which re-exports them, documents them with examples, and holds
//! the code they expand to.
//!
//! Every macro takes the same path (`pipeline`): parse the arguments into a model
//! that keeps the user's tokens (`parse`), check them against the registry and the
//! macro's domain while collecting every error (`check`, `domain`), then expand
//! (`expand`). On any error the function is emitted unchanged next to the errors, so
//! one mistake gives one error.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod check;
mod ctxt;
mod domain;
mod expand;
mod parse;
mod pipeline;
mod private;
mod registry;

use proc_macro::TokenStream;

/// A span of your own: `name`, `kind`, `level`, `links`, and any semantic fields.
/// See `semtrace::traced`.
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::traced::Traced, args.into(), item.into()).into()
}

/// An internal task span with `task.*` and `worker.*` fields. See `semtrace::traced_task`.
#[proc_macro_attribute]
pub fn traced_task(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::task::Task, args.into(), item.into()).into()
}

/// A database client span. See `semtrace::traced_db`.
#[proc_macro_attribute]
pub fn traced_db(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::db::Db, args.into(), item.into()).into()
}

/// An HTTP server or client span. See `semtrace::traced_http`.
#[proc_macro_attribute]
pub fn traced_http(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::http::Http, args.into(), item.into()).into()
}

/// A messaging span: send, receive, process, create or settle. See
/// `semtrace::traced_messaging`.
#[proc_macro_attribute]
pub fn traced_messaging(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::messaging::Messaging, args.into(), item.into()).into()
}

/// An RPC server or client span. See `semtrace::traced_rpc`.
#[proc_macro_attribute]
pub fn traced_rpc(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::instrument(&domain::rpc::Rpc, args.into(), item.into()).into()
}

/// Records semantic fields on the current span, with the same checks as the
/// attributes. See `semtrace::record`.
#[proc_macro]
pub fn record(input: TokenStream) -> TokenStream {
    pipeline::record(input.into()).into()
}
