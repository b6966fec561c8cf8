//! Trace context between the span and the user's values: `parent = …` and a
//! consumer's `carrier = …` (a remote parent read before the span starts), a
//! producer's or client's `carrier = …` (the span's context written into it), a
//! receiver's `carrier = …` and `links = …` (span links).
//!
//! Each value is checked by a local trait whose diagnostic names the option, the way
//! field values are, so a wrong type reads "`carrier` cannot …" at the user's token.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Expr;
use syn::spanned::Spanned as _;

use crate::domain::Context;
use crate::private::PRIVATE;

/// The statements around the span that a context needs.
#[derive(Default)]
pub(super) struct Wiring {
    /// Items (the check traits), before any statement.
    pub(super) items: TokenStream,
    /// A remote parent, read before the span is created.
    pub(super) parent: Option<TokenStream>,
    /// Statements after the span is created.
    pub(super) after: TokenStream,
}

const CARRIERS: &str = "carriers are `http::HeaderMap`, `http::Request<_>`, `HashMap<String, String>`, header lists such as `Vec<(String, Vec<u8>)>`, tonic's `MetadataMap` (feature `tonic`), or types implementing `semtrace::propagation::Carrier`";

/// `carrier = &headers` is the user's choice: the method call that takes it by
/// reference must not make clippy call the `&` needless in the user's crate.
const ALLOW_BORROW: AllowBorrow = AllowBorrow;

struct AllowBorrow;

impl quote::ToTokens for AllowBorrow {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote!(#[allow(clippy::needless_borrow)]));
    }
}

pub(super) fn wire(context: &Context, links: Option<&Expr>) -> Wiring {
    let mut w = Wiring::default();
    let span = quote!(&__semtrace_span);
    match context {
        Context::None => {}
        Context::Parent(expr, option) => {
            let message = format!("`{option}` cannot read a trace context from `{{Self}}`");
            let check = Check {
                what: "parent",
                message: &message,
                label: "expected request headers, metadata or a message's headers",
                note: CARRIERS,
                bound: quote!(#PRIVATE::Carrier),
                mutable: false,
                param: quote!(),
                ret: quote!(-> #PRIVATE::ParentScope),
                body: quote!(#PRIVATE::remote_parent(self)),
            };
            let (items, check) = check.items();
            w.items.extend(items);
            let carrier = quote_spanned!(expr.span()=> (#expr).__semtrace_ref());
            let call = quote_spanned!(expr.span()=> #check(__semtrace_carrier));
            w.parent = Some(quote! {{
                #ALLOW_BORROW
                let __semtrace_carrier = #carrier;
                #call
            }});
        }
        Context::Inject(expr) => {
            let check = Check {
                what: "carrier",
                message: "`carrier` cannot carry a trace context in `{Self}`",
                label: "expected outgoing headers or metadata",
                note: CARRIERS,
                bound: quote!(#PRIVATE::Carrier),
                mutable: true,
                param: quote!(span: &#PRIVATE::Span),
                ret: quote!(),
                body: quote!(#PRIVATE::inject(span, self)),
            };
            let (items, check) = check.items();
            w.items.extend(items);
            // A method call, so `headers`, `&mut headers` and a `&mut` argument all
            // reborrow the way `self` would.
            let carrier = quote_spanned!(expr.span()=> (#expr).__semtrace_mut());
            let call = quote_spanned!(expr.span()=> #check(__semtrace_carrier, #span));
            w.after.extend(quote! {{
                #ALLOW_BORROW
                let __semtrace_carrier = #carrier;
                #call;
            }});
        }
        Context::LinkReceived(expr) => {
            let check = Check {
                what: "received",
                message: "`carrier` cannot read received messages' trace context from `{Self}`",
                label: "expected a carrier, or a batch of carriers",
                note: "a receive takes one carrier or a slice, array, `Vec` or `VecDeque` of carriers; each becomes a span link",
                bound: quote!(#PRIVATE::Received),
                mutable: false,
                param: quote!(span: &#PRIVATE::Span),
                ret: quote!(),
                body: quote!(#PRIVATE::link_received(span, self)),
            };
            let (items, check) = check.items();
            w.items.extend(items);
            let carrier = quote_spanned!(expr.span()=> (#expr).__semtrace_ref());
            let call = quote_spanned!(expr.span()=> #check(__semtrace_carrier, #span));
            w.after.extend(quote! {
                if !__semtrace_span.is_disabled() {
                    #ALLOW_BORROW
                    let __semtrace_carrier = #carrier;
                    #call;
                }
            });
        }
    }
    if let Some(expr) = links {
        let check = Check {
            what: "link",
            message: "`links` cannot link to `{Self}`",
            label: "expected span contexts or carriers",
            note: "`links` takes an iterator of `SpanContext`s, `opentelemetry::Context`s, `tracing::Span`s or carriers of trace context",
            bound: quote!(#PRIVATE::Link),
            mutable: false,
            param: quote!(span: &#PRIVATE::Span),
            ret: quote!(),
            body: quote!(#PRIVATE::link(span, self)),
        };
        let (items, check) = check.items();
        w.items.extend(items);
        let each = quote_spanned!(expr.span()=> #check(__semtrace_link.__semtrace_ref(), #span));
        // Only for a recorded span: a disabled one does not evaluate its links.
        w.after.extend(quote! {
            if !__semtrace_span.is_disabled() {
                for __semtrace_link in #expr {
                    #each;
                }
            }
        });
    }
    w
}

/// A local trait with the option's diagnostic, implemented for the runtime trait's
/// types, whose one method makes the runtime call; and a function that demands it.
struct Check<'a> {
    what: &'static str,
    message: &'a str,
    label: &'static str,
    note: &'static str,
    bound: TokenStream,
    mutable: bool,
    param: TokenStream,
    ret: TokenStream,
    body: TokenStream,
}

impl Check<'_> {
    fn items(self) -> (TokenStream, Ident) {
        let Self {
            what,
            message,
            label,
            note,
            bound,
            mutable,
            param,
            ret,
            body,
        } = self;
        let mut camel = what.to_owned();
        camel[..1].make_ascii_uppercase();
        let trait_name = format_ident!("__SemtraceCheck{}", camel);
        let fn_name = format_ident!("__semtrace_check_{}", what);
        let (receiver, arg) = if mutable {
            (quote!(&mut self), quote!(&mut T))
        } else {
            (quote!(&self), quote!(&T))
        };
        let args = if param.is_empty() {
            quote!()
        } else {
            quote!(span)
        };
        let fn_param = if param.is_empty() {
            quote!()
        } else {
            quote!(, #param)
        };
        let items = quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait #trait_name {
                fn __semtrace_use(#receiver #fn_param) #ret;
            }
            #[diagnostic::do_not_recommend]
            impl<T: #bound + ?::core::marker::Sized> #trait_name for T {
                #[inline]
                fn __semtrace_use(#receiver #fn_param) #ret {
                    #body
                }
            }
            #[inline]
            fn #fn_name<T: #trait_name + ?::core::marker::Sized>(value: #arg #fn_param) #ret {
                value.__semtrace_use(#args)
            }
        };
        (items, fn_name)
    }
}
