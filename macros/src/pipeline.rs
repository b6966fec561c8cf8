//! The one path every macro takes: parse → check (collecting every error) → expand.
//! On any error the user's function is emitted unchanged next to the errors, so one
//! mistake gives one error and not a cascade at every caller.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ctxt::{self, Ctxt};
use crate::domain::Domain;
use crate::registry::{self, Loaded};
use crate::{check, expand, parse};

/// `#[traced…(args)] item`.
pub(crate) fn instrument(domain: &dyn Domain, args: TokenStream, item: TokenStream) -> TokenStream {
    try_instrument(domain, args, item.clone()).unwrap_or_else(|err| ctxt::with_item(&err, item))
}

fn try_instrument(
    domain: &dyn Domain,
    args: TokenStream,
    item: TokenStream,
) -> syn::Result<TokenStream> {
    let func = parse::item_fn(domain.attr(), item)?;
    with_registry(|loaded| {
        let args: parse::Args = syn::parse2(args)?;
        let cx = Ctxt::new();
        let spec = check::check(&cx, &loaded.registry, domain, &args, &func.sig.ident);
        cx.check()?;
        Ok(expand::expand_fn(&spec, func, track_files(&loaded.files)))
    })
}

/// `record!(fields)`.
pub(crate) fn record(input: TokenStream) -> TokenStream {
    try_record(input).unwrap_or_else(syn::Error::into_compile_error)
}

fn try_record(input: TokenStream) -> syn::Result<TokenStream> {
    let fields: parse::Fields = syn::parse2(input)?;
    with_registry(|loaded| {
        let cx = Ctxt::new();
        let checked = check::check_record(&cx, &loaded.registry, &fields);
        cx.check()?;
        Ok(expand::record::expand_record(
            &checked,
            &track_files(&loaded.files),
        ))
    })
}

/// Runs `f` with the crate's registry, or reports why it could not be loaded.
fn with_registry(f: impl FnOnce(&Loaded) -> syn::Result<TokenStream>) -> syn::Result<TokenStream> {
    let loaded = registry::current();
    match &*loaded {
        Ok(loaded) => f(loaded),
        Err(e) => Err(syn::Error::new(Span::call_site(), e)),
    }
}

/// Mentions the user's registry files so the crate rebuilds when one changes.
fn track_files(files: &[std::path::PathBuf]) -> TokenStream {
    let paths = files.iter().filter_map(|f| f.to_str());
    quote! { #(const _: &[u8] = include_bytes!(#paths);)* }
}
