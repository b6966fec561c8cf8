//! Turns a checked [`Spec`] and the user's function into the instrumented function.
//!
//! Generated code names only `::semtrace::__private_{version}::…` (through
//! [`PRIVATE`]). Items it needs (value checks, deprecation markers, trait imports)
//! come first in the body, so the user's crate sees no item after a statement.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use semtrace_semconv::{ValueType, keys};
use syn::spanned::Spanned as _;
use syn::{Block, ItemFn, ReturnType, Type};

use crate::check::Spec;
use crate::domain::SpanName;
use crate::domain::db::query::QueryValue;
use crate::private::PRIVATE;

mod catalogue;
mod context;
mod fields;
pub(crate) mod record;
mod shapes;

use fields::{Prelude, check_items, prelude};
use shapes::{
    anonymous_lifetimes, boxed_async_block, contains_impl, diverges, future_return, written,
};

/// The span's creation: `tracing::span!`'s steps (a callsite, its interest, the
/// subscriber's say), with a value only for the fields that start with one, so no
/// layer visits a dozen `Empty` values per span. Those fields come first in the
/// callsite's field set (in their written order), so the value set names them by
/// position and holds nothing else: a layer's visit walks three entries, not the
/// dozen a `#[traced_task]` declares.
///
/// With `adopt`, the span of `semtrace::http::ServerLayer` found current
/// (`__semtrace_layer_span`) is the span instead, and gets the starting values.
fn span_call(
    name: &str,
    level: &syn::Ident,
    declared: &[(String, Option<TokenStream>)],
    adopt: bool,
) -> TokenStream {
    let (starting, later): (Vec<_>, Vec<_>) = declared.iter().partition(|(_, v)| v.is_some());
    let keys = starting.iter().chain(&later).map(|(k, _)| k);
    let values: Vec<TokenStream> = starting
        .iter()
        .filter_map(|(_, v)| v.as_ref())
        .map(|v| quote!(&(#v) as &dyn #PRIVATE::tracing::Value))
        .collect();
    let adopted = adopt.then(|| {
        quote! {
            if let #PRIVATE::Option::Some(__semtrace_adopted) = __semtrace_layer_span {
                #PRIVATE::adopt_fields(&__semtrace_adopted, &__SEMTRACE_CALLSITE, [#(#values),*]);
                __semtrace_adopted
            } else
        }
    });
    quote! {{
        static __SEMTRACE_CALLSITE: #PRIVATE::tracing::callsite::DefaultCallsite = {
            static __SEMTRACE_META: #PRIVATE::tracing::Metadata<'static> =
                #PRIVATE::tracing::Metadata::new(
                    #name,
                    #PRIVATE::module_path!(),
                    #PRIVATE::Level::#level,
                    #PRIVATE::Option::Some(#PRIVATE::file!()),
                    #PRIVATE::Option::Some(#PRIVATE::line!()),
                    #PRIVATE::Option::Some(#PRIVATE::module_path!()),
                    #PRIVATE::tracing::field::FieldSet::new(
                        &[#(#keys),*],
                        #PRIVATE::tracing::callsite::Identifier(&__SEMTRACE_CALLSITE),
                    ),
                    #PRIVATE::tracing::metadata::Kind::SPAN,
                );
            #PRIVATE::tracing::callsite::DefaultCallsite::new(&__SEMTRACE_META)
        };
        #adopted
        if #PRIVATE::span_enabled(&__SEMTRACE_CALLSITE, #PRIVATE::Level::#level) {
            #PRIVATE::new_span(&__SEMTRACE_CALLSITE, [#(#values),*])
        } else {
            #PRIVATE::disabled_span(&__SEMTRACE_CALLSITE)
        }
    }}
}

/// The function's arguments declared with a primitive integer type (`id: u64`),
/// bound by a plain name: the span reads them before the body runs, so the name
/// is the argument.
fn int_args(sig: &syn::Signature) -> Vec<syn::Ident> {
    const INTEGERS: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .filter_map(|t| match (&*t.pat, &*t.ty) {
            (syn::Pat::Ident(p), syn::Type::Path(ty))
                if p.by_ref.is_none()
                    && p.subpat.is_none()
                    && ty.qself.is_none()
                    && INTEGERS.iter().any(|i| ty.path.is_ident(i)) =>
            {
                Some(p.ident.clone())
            }
            _ => None,
        })
        .collect()
}

/// The instrumented function.
#[allow(clippy::too_many_lines)] // one template per function shape, side by side
pub(crate) fn expand_fn(spec: &Spec, func: ItemFn, track: TokenStream) -> TokenStream {
    let level = &spec.level;
    // An HTTP client's server, from its `url`, when the span or the metric records it.
    let mut fields = spec.fields.clone();
    let (server_binding, server_items) = if spec.server_from_url {
        let enabled = quote!(#PRIVATE::tracing::level_enabled!(#PRIVATE::Level::#level));
        let wanted = if spec.metric.is_some() {
            quote!((__semtrace_timer.timing() || #enabled))
        } else {
            enabled
        };
        fields::server_from_url(&mut fields, &wanted)
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let (metric_bindings, metric_items, metric_pairs) = match &spec.metric {
        Some(m) if !m.dynamic.is_empty() => fields::metric_fields(&mut fields, &m.dynamic),
        _ => (TokenStream::new(), TokenStream::new(), Vec::new()),
    };
    let (prelude, _) = prelude(&fields, &int_args(&func.sig));
    let Prelude {
        mut items,
        deprecations,
        span_fields,
        arrays,
    } = prelude;
    items.extend(track);
    items.extend(catalogue::entry(
        spec,
        &crate::domain::fn_name(&func.sig.ident),
    ));
    items.extend(server_items);
    items.extend(metric_items);
    // The span's fields in order, each with its value or `None` (set later).
    let mut declared: Vec<(String, Option<TokenStream>)> = Vec::new();
    let static_name = match &spec.name {
        SpanName::Static(n) => n.clone(),
        SpanName::Dynamic {
            fallback, format, ..
        } => {
            declared.push((keys::OTEL_NAME.to_owned(), Some(format.clone())));
            fallback.clone()
        }
    };
    if spec.query.as_ref().is_some_and(|q| q.name) {
        declared.push((keys::OTEL_NAME.to_owned(), None));
    }
    if let Some(k) = spec.kind {
        declared.push((keys::OTEL_KIND.to_owned(), Some(quote!(#k))));
    }
    declared.extend(span_fields);
    // A run-time query's summary is also the metric's `db.query.summary`, unless
    // the annotation gives that attribute itself.
    let summary_pair = spec.query.as_ref().and_then(|_| {
        let m = spec.metric.as_ref()?;
        let key = keys::DB_QUERY_SUMMARY;
        let given =
            m.attributes.iter().any(|(k, _)| k == key) || m.dynamic.iter().any(|k| k == key);
        (!given).then(|| quote!((#key, __semtrace_query_summary)))
    });
    let timed = if summary_pair.is_some() {
        quote!(__semtrace_timer.timing())
    } else {
        quote!(false)
    };
    let metric_pairs: Vec<TokenStream> = metric_pairs.into_iter().chain(summary_pair).collect();
    let db_query = spec.query.as_ref().map(|q| {
        let dialect = format_ident!("{}", q.dialect.variant_name());
        let (sanitize, name) = (q.sanitize, q.name);
        // Borrowed: the body may still use the query.
        let arg = match &q.value {
            QueryValue::Text(expr) => {
                // Checked like a `string` field, so a mistake reads the same.
                let i = spec.fields.len();
                items.extend(check_items(i, keys::DB_QUERY_TEXT, ValueType::String, true));
                let check_fn = format_ident!("__semtrace_check_{}", i);
                quote_spanned!(expr.span()=> #check_fn(&(#expr)))
            }
            QueryValue::Display(expr) => {
                quote!(&#PRIVATE::DisplayQuery(&(#expr)))
            }
        };
        quote! {
            let __semtrace_query_summary = #PRIVATE::db_query(
                &__semtrace_span,
                #PRIVATE::Dialect::#dialect,
                #arg,
                #sanitize,
                #name,
                #timed,
            );
        }
    });
    let span_call = span_call(&static_name, level, &declared, spec.adopt_server);
    let wiring = context::wire(&spec.context, spec.links.as_ref());
    items.extend(wiring.items);
    let after_span = wiring.after;
    // A remote parent is read before the span starts, so the sampler decides with
    // it; only when the level is on, so a disabled span costs no header parsing.
    // Under the HTTP server layer its span already has the caller's parent.
    let no_layer = spec
        .adopt_server
        .then(|| quote!(&&__semtrace_layer_span.is_none()));
    let make_span = if let Some(scope) = wiring.parent {
        quote! {
            let __semtrace_span = {
                let __semtrace_parent = (#PRIVATE::tracing::level_enabled!(
                    #PRIVATE::Level::#level
                ) #no_layer)
                .then(|| #scope);
                #span_call
            };
        }
    } else {
        quote! { let __semtrace_span = #span_call; }
    };
    // The domain's status rules (see `domain::Outcome`) and the traits they call.
    let (status, status_import) = (&spec.outcome.status, &spec.outcome.imports);
    let imports = quote! {
        #[allow(unused_imports)]
        use #PRIVATE::{CarrierArg as _, ErrCode as _, ErrDebug as _, ErrDisplay as _, ErrNone as _, #status_import};
    };
    let record_outcome = quote! {
        if !__semtrace_span.is_disabled() {
            #status
            (&&&&#PRIVATE::Outcome(__semtrace_out)).__semtrace_record(__semtrace_span);
        }
    };
    // The metric: a `static` per call site, a timer started with the span, finished
    // with the outcome whatever the span's level or sampling.
    let (record_outcome, closure_move) = match &spec.metric {
        None => (record_outcome, None),
        Some(m) => {
            items.extend(metric_site(m));
            let outcome = &spec.outcome.metric;
            // Attributes known only per call: the fields' and the URL's server.
            let finish = if metric_pairs.is_empty() && !spec.server_from_url {
                quote!(__semtrace_timer.finish(__semtrace_span, &#outcome);)
            } else {
                let (server, server_pairs) = if spec.server_from_url {
                    (
                        Some(
                            quote!(let [__semtrace_address, __semtrace_port] = __semtrace_server.metric();),
                        ),
                        Some(quote!(__semtrace_address, __semtrace_port,)),
                    )
                } else {
                    (None, None)
                };
                quote! {
                    #server
                    __semtrace_timer.finish_with(
                        __semtrace_span,
                        &#outcome,
                        &[#server_pairs #(#metric_pairs),*],
                    );
                }
            };
            (
                quote! {
                    // A closure, so the outcome's early `return` still reaches the metric.
                    (|| { #record_outcome })();
                    #finish
                },
                Some(quote!(move)),
            )
        }
    };
    // The timer reads the clock just before the span is made, and the span starts
    // at that reading.
    // Under the HTTP server layer, the layer records the request's duration.
    let (start_timer, span_made) = match &spec.metric {
        None => (None, None),
        Some(_) if spec.adopt_server => (
            Some(quote! {
                let __semtrace_timer = if __semtrace_layer_span.is_some() {
                    #PRIVATE::MetricTimer::off(&__SEMTRACE_METRIC)
                } else {
                    #PRIVATE::MetricTimer::start(&__SEMTRACE_METRIC)
                };
            }),
            Some(quote! { __semtrace_timer.span_made(); }),
        ),
        Some(_) => (
            Some(
                quote! { let __semtrace_timer = #PRIVATE::MetricTimer::start(&__SEMTRACE_METRIC); },
            ),
            Some(quote! { __semtrace_timer.span_made(); }),
        ),
    };
    let find_layer = spec
        .adopt_server
        .then(|| quote! { let __semtrace_layer_span = #PRIVATE::layer_server_span(); });
    // Every shape starts the same: items first (no item after a statement in the
    // user's crate), then the warnings, the span, its parent, links and arrays.
    let head = quote! {
        #items
        #imports
        #deprecations
        #find_layer
        #start_timer
        #server_binding
        #metric_bindings
        #make_span
        #span_made
        #arrays
        #after_span
        #db_query
    };

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    // Inner attributes (`#![allow(…)]` in the body) open the generated body, where
    // they still cover the user's code.
    let (inner, outer): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    let never = match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => {
            matches!(**ty, Type::Never(_)) || contains_impl(ty) && diverges(&block)
        }
    };
    let output_ty = match &sig.output {
        ReturnType::Default => Some(quote!(())),
        // `!` is stable only as a function's return type; closures take the alias. An
        // `impl Trait` body that cannot return has the hidden type `!`; left to
        // inference, the outcome's type would still be unknown when it is recorded.
        ReturnType::Type(..) if never => Some(quote!(#PRIVATE::Never)),
        // `impl Trait` parts as `_`: what is written around them (a `Result`'s error
        // type) is then known when the outcome's method is resolved.
        ReturnType::Type(_, ty) => written(ty).map(|t| anonymous_lifetimes(quote!(#t))),
    };
    // The closure that records the outcome; typed where the type can be written, so
    // method resolution sees the concrete type.
    let on_exit = |out_ty: Option<TokenStream>| {
        let out_param = if let Some(t) = out_ty {
            quote!(__semtrace_out: &#t)
        } else {
            quote!(__semtrace_out)
        };
        quote! {
            #closure_move |__semtrace_span: &#PRIVATE::Span, #out_param| { #record_outcome }
        }
    };
    let braces = block.brace_token.span.join();

    let body = if sig.asyncness.is_some() {
        // `!` needs no pin, and a `return` of it would be unreachable code.
        let pin = output_ty.as_ref().filter(|_| !never);
        let async_block =
            pinned_async_block(&block, &sig.output, sig.paren_token.span.close(), pin);
        let on_exit = on_exit(output_ty);
        quote! {
            #head
            #PRIVATE::Traced::new(#async_block, __semtrace_span, #on_exit).await
        }
    } else if let Some(future) = future_return(&sig.output) {
        let on_exit = on_exit(future.output.map(|t| anonymous_lifetimes(quote!(#t))));
        if future.boxed
            && let Some(inner) = boxed_async_block(&block)
        {
            // `#[async_trait]` and hand-written `Box::pin(async move { … })`: instrument
            // the async block in place instead of boxing a second time.
            let (stmts, async_block) = inner;
            quote! {
                #head
                #(#stmts)*
                #PRIVATE::Box::pin(#PRIVATE::Traced::new(#async_block, __semtrace_span, #on_exit))
            }
        } else {
            let wrap = if future.boxed {
                quote!(#PRIVATE::Box::pin)
            } else {
                quote!()
            };
            quote! {
                #head
                let __semtrace_future = {
                    let __semtrace_entered = __semtrace_span.enter();
                    #PRIVATE::call_once(move || #block)
                };
                #wrap(#PRIVATE::Traced::new(__semtrace_future, __semtrace_span, #on_exit))
            }
        }
    } else {
        // Not `move`: the closure borrows what the body only reads and takes what it
        // consumes, so lints about how arguments are used (`needless_pass_by_value`,
        // `boxed_local`) see the body as in a plain function, and arguments drop when
        // the function returns, as without the macro.
        let closure = if let Some(t) = &output_ty {
            quote!(|| -> #t #block)
        } else {
            quote!(|| #block)
        };
        let on_exit = on_exit(output_ty);
        // The body's result never sits in a local here: a diverging body would make
        // the recording after it unreachable code in the user's crate.
        // Nothing records the call (the span is disabled and no metrics recorder
        // exists): the body runs alone, before the recording closure is even built.
        // Both branches are the tail, so a diverging body leaves nothing unreachable.
        let skip = if spec.metric.is_some() {
            quote!(!__semtrace_timer.timing() && __semtrace_span.is_disabled())
        } else {
            quote!(__semtrace_span.is_disabled())
        };
        quote! {
            #head
            let __semtrace_body = #PRIVATE::once(#closure);
            if #skip {
                __semtrace_body()
            } else {
                #PRIVATE::run(&__semtrace_span, __semtrace_body, #on_exit)
            }
        }
    };
    // The user's braces around the generated body: with them the item is still the
    // user's code to rustc and clippy, so `dead_code`, `#[expect]` and item lints see
    // it as they see a plain function (generated tokens inside stay macro-made).
    let mut body = Group::new(Delimiter::Brace, quote!(#(#inner)* #body));
    body.set_span(braces);
    quote! {
        #(#outer)*
        #vis #sig #body
    }
}

/// The async body as a block whose output is the declared return type: a first
/// `return` of that type, in a branch never taken, so the body's tail and `return`s
/// coerce to it as in the function itself (`&self.name` to `&str`, `Box::new(e)` to
/// `Box<dyn Error>`) and a wrong one is reported at the user's expression.
fn pinned_async_block(
    block: &Block,
    output: &ReturnType,
    paren_close: Span,
    output_ty: Option<&TokenStream>,
) -> TokenStream {
    // The `return` carries the declared type's span, so a mismatch's note points at
    // the signature; the branch around it is macro-made, so no lint sees it.
    let pin = output_ty.map(|ty| {
        let span = match output {
            ReturnType::Type(_, t) => t.span(),
            // Where a return type would be written.
            ReturnType::Default => paren_close,
        };
        let ret = quote_spanned!(span=> return __semtrace_declared;);
        quote! {
            if false {
                let __semtrace_declared: #ty = #PRIVATE::declared_output();
                #ret
            }
        }
    });
    // The user's block stays a scope of its own: an item it declares (`use E::*`)
    // must not change what the declared type's names mean.
    quote!(async move { #pin #block })
}

/// The call site's metric: `static __SEMTRACE_METRIC`.
fn metric_site(m: &crate::check::metric::MetricSpec) -> TokenStream {
    let (name, unit, brief) = (m.name, m.unit, m.brief);
    let time_unit = if m.millis {
        quote!(#PRIVATE::TimeUnit::Millis)
    } else {
        quote!(#PRIVATE::TimeUnit::Seconds)
    };
    let attrs = m.attributes.iter().filter_map(|(key, expr)| {
        let lit = crate::parse::literal(expr)?;
        let variant = match lit.lit {
            syn::Lit::Str(_) => quote!(Str),
            syn::Lit::Int(_) => quote!(Int),
            syn::Lit::Float(_) => quote!(Double),
            syn::Lit::Bool(_) => quote!(Bool),
            _ => return None,
        };
        Some(quote!((#key, #PRIVATE::StaticValue::#variant(#expr))))
    });
    quote! {
        static __SEMTRACE_METRIC: #PRIVATE::MetricSite = #PRIVATE::MetricSite::new(
            #name, #unit, #time_unit, #brief, &[#(#attrs),*],
        );
    }
}
