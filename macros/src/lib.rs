//! Attribute macros of [semtrace](https://docs.rs/semtrace). Use them through the
//! `semtrace` crate, which re-exports them and holds the code they expand to.
//!
//! Each macro follows the same path: parse the arguments into a model that keeps the
//! user's tokens, check every field against the semantic-conventions registry while
//! collecting all errors, then expand. On any error the function is emitted unchanged
//! next to the errors, so one mistake gives one error.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod args;
mod check;
mod ctxt;
mod expand;
mod query;
mod registry;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::check::MacroKind;
use crate::ctxt::Ctxt;

/// Instruments a function with a span checked against the semantic conventions.
///
/// Options: `name = "…"` (default: the function's name), `kind = "internal" | "server"
/// | "client" | "producer" | "consumer"` (default `internal`), `level = "trace" |
/// "debug" | "info" | "warn" | "error"` (default `info`). Every dotted key is a
/// semantic field: `key = value` records `value` with the field's type,
/// `key = %value` with `Display`, `key = ?value` with `Debug`, a bare `key` declares
/// it for [`record!`] later. Arguments are never recorded unless named in a field.
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument(MacroKind::Traced, args.into(), item.into()).into()
}

/// Instruments a task: an internal span with `task.*` and `worker.*` fields.
#[proc_macro_attribute]
pub fn traced_task(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument(MacroKind::Task, args.into(), item.into()).into()
}

/// Instruments a database call: a client span named `"{operation} {collection}"`,
/// or after the query's summary (`db.query.summary`, such as `SELECT orders
/// customers`) when neither is given.
///
/// `system` (required) is `db.system.name` and picks the SQL dialect; `operation`,
/// `collection`, `namespace`, `query` are `db.operation.name`, `db.collection.name`,
/// `db.namespace`, `db.query.text` (sanitized in the dialect unless
/// `sanitize = false`). A literal query is sanitized and summarized at compile time,
/// any other at run time for recorded spans only.
#[proc_macro_attribute]
pub fn traced_db(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument(MacroKind::Db, args.into(), item.into()).into()
}

/// Instruments an HTTP server handler (`method`, `route`, optional `parent = headers`)
/// or, with `client`, an HTTP call (`method`, `url`).
#[proc_macro_attribute]
pub fn traced_http(args: TokenStream, item: TokenStream) -> TokenStream {
    instrument(MacroKind::Http, args.into(), item.into()).into()
}

/// Records semantic fields on the current span, with the same checks as the
/// attributes: `semtrace::record!(task.state = "completed")`.
#[proc_macro]
pub fn record(input: TokenStream) -> TokenStream {
    record_impl(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn instrument(kind: MacroKind, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    try_instrument(kind, args, item.clone()).unwrap_or_else(|err| ctxt::with_item(&err, item))
}

fn try_instrument(
    kind: MacroKind,
    args: TokenStream2,
    item: TokenStream2,
) -> syn::Result<TokenStream2> {
    let func = parse_fn(kind, item)?;
    let loaded = registry::current();
    let loaded = match &*loaded {
        Ok(l) => l,
        Err(e) => return Err(syn::Error::new(proc_macro2::Span::call_site(), e)),
    };
    let args: args::Args = syn::parse2(args)?;
    let cx = Ctxt::new();
    let spec = check::check_args(&cx, &loaded.registry, kind, &args, &func.sig.ident);
    cx.check()?;
    Ok(expand::expand_fn(&spec, func, track_files(&loaded.files)))
}

/// Parses the item, rejecting what cannot be instrumented with an error at its token.
fn parse_fn(kind: MacroKind, item: TokenStream2) -> syn::Result<syn::ItemFn> {
    let attr = kind.attr_name();
    let parsed: syn::Result<syn::ItemFn> = syn::parse2(item.clone());
    let Ok(func) = parsed else {
        {
            let what = syn::parse2::<syn::TraitItemFn>(item.clone())
                .ok()
                .filter(|f| f.default.is_none())
                .map(|f| (f.sig.fn_token.span, format!("`#[{attr}]` needs a function body; put it on the trait's implementations")));
            let (span, msg) = what.unwrap_or_else(|| {
                let first = item
                    .into_iter()
                    .find(|t| matches!(t, proc_macro2::TokenTree::Ident(_)))
                    .map_or_else(proc_macro2::Span::call_site, |t| t.span());
                (
                    first,
                    format!("`#[{attr}]` can only be applied to functions"),
                )
            });
            return Err(syn::Error::new(span, msg));
        }
    };
    if let Some(c) = &func.sig.constness {
        return Err(syn::Error::new(
            c.span,
            format!("`#[{attr}]` cannot instrument a `const fn`: spans are created at run time"),
        ));
    }
    Ok(func)
}

/// Mentions the user's registry files so the crate rebuilds when one changes.
fn track_files(files: &[std::path::PathBuf]) -> TokenStream2 {
    let paths = files.iter().filter_map(|f| f.to_str());
    quote! { #(const _: &[u8] = include_bytes!(#paths);)* }
}

fn record_impl(input: TokenStream2) -> syn::Result<TokenStream2> {
    let fields: args::Fields = syn::parse2(input)?;
    let loaded = registry::current();
    let loaded = match &*loaded {
        Ok(l) => l,
        Err(e) => return Err(syn::Error::new(proc_macro2::Span::call_site(), e)),
    };
    let cx = Ctxt::new();
    let checked: Vec<_> = fields
        .0
        .iter()
        .filter_map(|f| {
            let field = check::check_field(&cx, &loaded.registry, f)?;
            if field.key == "otel.name" || field.key == "otel.kind" {
                cx.error_spanned_by(
                    &f.key,
                    format_args!("`{}` can only be set when the span is created", field.key),
                );
                return None;
            }
            if matches!(field.record, check::FieldRecord::Empty) {
                return None;
            }
            Some(field)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (f, arg) in checked.iter().zip(&fields.0) {
        if !seen.insert(f.key.clone()) {
            cx.error_spanned_by(&arg.key, format_args!("duplicate field `{}`", f.key));
        }
    }
    cx.check()?;
    let (prelude, values) = expand::prelude(&checked);
    let expand::Prelude {
        items,
        deprecations,
        ..
    } = prelude;
    let records = checked.iter().zip(values).map(|(f, v)| {
        let key = &f.key;
        match v {
            expand::Recorded::Scalar(v) => {
                quote!(::semtrace::__private::record(&__semtrace_span, #key, &#v);)
            }
            expand::Recorded::Array(v) => {
                quote!(::semtrace::__private::record_array(&__semtrace_span, #key, #v);)
            }
        }
    });
    let track = track_files(&loaded.files);
    Ok(quote! {{
        #items
        #track
        #deprecations
        let __semtrace_span = ::semtrace::__private::Span::current();
        #(#records)*
    }})
}
