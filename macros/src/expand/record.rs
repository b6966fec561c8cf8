//! `record!`: the same fields and value checks as the attributes, recorded on the
//! current span.

use proc_macro2::TokenStream;
use quote::quote;

use super::fields::{Prelude, Recorded, prelude};
use crate::model::Field;
use crate::private::PRIVATE;

/// The block `record!` expands to.
pub(crate) fn expand_record(fields: &[Field], track: &TokenStream) -> TokenStream {
    // Inside the body an argument's name may be shadowed: no argument types here.
    let (prelude, values) = prelude(fields, &[]);
    let Prelude {
        items,
        deprecations,
        ..
    } = prelude;
    let records = fields.iter().zip(values).map(|(f, v)| {
        let key = &f.key;
        match v {
            Recorded::Scalar(v) => quote!(#PRIVATE::record(&__semtrace_span, #key, &#v);),
            Recorded::Array(v) => quote!(#PRIVATE::record_array(&__semtrace_span, #key, #v);),
        }
    });
    quote! {{
        #items
        #track
        #deprecations
        let __semtrace_span = #PRIVATE::Span::current();
        #(#records)*
    }}
}
