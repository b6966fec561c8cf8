//! The one spelling of the runtime path generated code names.
//!
//! Every path into the runtime goes through [`Private`]: `quote!(#PRIVATE::Span)`
//! expands to `::semtrace::__private::Span`, so the crate's name is written once.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// `::semtrace::__private`, as tokens.
#[derive(Clone, Copy)]
pub(crate) struct Private;

/// The path token to interpolate: `quote!(#PRIVATE::Span)`.
pub(crate) const PRIVATE: Private = Private;

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote!(::semtrace::__private));
    }
}
