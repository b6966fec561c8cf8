//! Turns a checked [`Spec`] and the user's function into the instrumented function.
//!
//! Generated code names only `::semtrace::__private::…`. Items it needs (value checks,
//! deprecation markers, trait imports) come first in the body, so the user's crate
//! sees no item after a statement.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens as _, format_ident, quote, quote_spanned};
use semtrace_semconv::ValueType;
use syn::spanned::Spanned as _;
use syn::{Block, Expr, ItemFn, ReturnType, Stmt, Type};

use crate::check::{Field, FieldRecord, HttpSide, SpanName, Spec, article};
use crate::query::QueryValue;

/// Items and statements shared by every expansion: field checks, deprecation uses
/// and the `tracing::span!` call.
pub(crate) struct Prelude {
    pub(crate) items: TokenStream,
    /// Statements that warn about deprecated fields at the user's tokens.
    pub(crate) deprecations: TokenStream,
    /// `key = value` pairs for `tracing::span!`.
    pub(crate) span_fields: Vec<TokenStream>,
    /// Statements that set array fields once `__semtrace_span` exists.
    pub(crate) arrays: Option<TokenStream>,
}

/// How `record!` records one field's value.
pub(crate) enum Recorded {
    Scalar(TokenStream),
    Array(TokenStream),
}

/// Builds the checks and the field list. `record_fields` are the fields' value
/// expressions in order, for `record!`.
pub(crate) fn prelude(fields: &[Field]) -> (Prelude, Vec<Recorded>) {
    let mut items = TokenStream::new();
    let mut deprecations = TokenStream::new();
    let mut arrays = TokenStream::new();
    let mut span_fields = Vec::new();
    let mut values = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if let Some(note) = &field.deprecated {
            let key_span = field
                .key_tokens
                .clone()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span());
            // Spanned on the user's key, so the warning points there.
            let marker = proc_macro2::Ident::new(
                &field.key.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                key_span,
            );
            let use_marker = quote_spanned!(key_span=> let () = #marker;);
            // In a block of its own, so the marker's name cannot meet the user's.
            deprecations.extend(quote! {{
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const #marker: () = ();
                #use_marker
            }});
        }
        let key = &field.key;
        let value = match &field.record {
            FieldRecord::Empty => quote!(::semtrace::__private::Empty),
            FieldRecord::Literal(e) => int_literal(e).unwrap_or_else(|| quote!(#e)),
            // Borrowed, as tracing's own `%`/`?` do: the body may still use the value.
            FieldRecord::Display(e) => {
                quote!(::semtrace::__private::tracing::field::display(&(#e)))
            }
            FieldRecord::Debug(e) => quote!(::semtrace::__private::tracing::field::debug(&(#e))),
            FieldRecord::Checked { expr, ty } => {
                let check = check_items(i, key, *ty, false);
                let check_fn = format_ident!("__semtrace_check_{}", i);
                items.extend(check);
                // The call carries the expression's span, so a type error lands on it.
                let checked = quote_spanned!(expr.span()=> #check_fn(&(#expr)));

                if ty.is_array() {
                    // tracing fields cannot hold arrays: declare the field, set it after.
                    span_fields.push(quote!(#key = ::semtrace::__private::Empty));
                    arrays.extend(quote! {
                        ::semtrace::__private::record_array(&__semtrace_span, #key, #checked);
                    });
                    values.push(Recorded::Array(checked));
                    continue;
                }
                checked
            }
        };
        span_fields.push(quote!(#key = #value));
        values.push(Recorded::Scalar(value));
    }
    (
        Prelude {
            items,
            deprecations,
            span_fields,
            arrays: (!arrays.is_empty()).then(|| {
                quote! {
                    if !__semtrace_span.is_disabled() {
                        #arrays
                    }
                }
            }),
        },
        values,
    )
}

/// A local trait whose diagnostic names the field and its type, implemented for the
/// values of that type, and a function that demands it of its argument.
/// With `query`, the value is handed on as `&dyn QueryText` for `db_query`.
fn check_items(i: usize, key: &str, ty: ValueType, query: bool) -> TokenStream {
    let marker = match ty {
        _ if query => quote!(QueryText),
        ValueType::String => quote!(StrValue),
        ValueType::Int => quote!(IntValue),
        ValueType::Double => quote!(DoubleValue),
        ValueType::Boolean => quote!(BoolValue),
        ValueType::Any => quote!(AnyValue),
        ValueType::StringArray => quote!(StrArray),
        ValueType::IntArray => quote!(IntArray),
        ValueType::DoubleArray => quote!(DoubleArray),
        ValueType::BooleanArray => quote!(BoolArray),
    };
    let trait_name = format_ident!("__SemtraceCheck{}", i);
    let fn_name = format_ident!("__semtrace_check_{}", i);
    let message = format!(
        "`{{Self}}` cannot be recorded as `{key}`, which is {}",
        article(ty)
    );
    let label = format!("expected {} for `{key}`", article(ty));
    let note = match ty {
        _ if query => "use `%value` to record a value with its `Display` form",
        ValueType::String => {
            "use `%value` to record a value with its `Display` form, or `?value` with `Debug`"
        }
        ValueType::Int => {
            "ints are recorded from the integer types (`i64`, `u32`, …) or an `Option` of one"
        }
        ValueType::Double => "doubles are recorded from `f64` or `f32`",
        ValueType::Boolean => "booleans are recorded from `bool`",
        ValueType::StringArray => {
            "string arrays are recorded from slices, arrays or `Vec`s of `&str` or `String`"
        }
        ValueType::IntArray => "int arrays are recorded from slices, arrays or `Vec`s of integers",
        ValueType::DoubleArray => {
            "double arrays are recorded from slices, arrays or `Vec`s of `f64` or `f32`"
        }
        ValueType::BooleanArray => {
            "boolean arrays are recorded from slices, arrays or `Vec`s of `bool`"
        }
        ValueType::Any => "any `tracing` value is accepted",
    };
    // What the check hands on: ints widened to `i64`, arrays as a trait object, the
    // rest as they are. Converting inside the local trait keeps a mismatch to one error.
    let unsized_ok = quote!(+ ?::core::marker::Sized);
    let (trait_out, fn_out, convert, unsized_ok) = match ty {
        _ if query => {
            let o = quote!(&dyn ::semtrace::__private::QueryText);
            (o.clone(), o, quote!(self), quote!())
        }
        ValueType::Int => {
            let o = quote!(::semtrace::__private::Option<i64>);
            (
                o.clone(),
                o,
                quote!(::semtrace::__private::IntValue::to_i64(self)),
                unsized_ok,
            )
        }
        ValueType::StringArray
        | ValueType::IntArray
        | ValueType::DoubleArray
        | ValueType::BooleanArray => {
            let o = quote!(&dyn ::semtrace::__private::ArrayValue);
            (o.clone(), o, quote!(self), quote!())
        }
        _ => (quote!(&Self), quote!(&T), quote!(self), unsized_ok),
    };
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait #trait_name {
            fn __semtrace_value(&self) -> #trait_out;
        }
        #[diagnostic::do_not_recommend]
        impl<T: ::semtrace::__private::#marker #unsized_ok> #trait_name for T {
            #[inline]
            fn __semtrace_value(&self) -> #trait_out {
                #convert
            }
        }
        #[inline]
        fn #fn_name<T: #trait_name #unsized_ok>(value: &T) -> #fn_out {
            value.__semtrace_value()
        }
    }
}

/// The instrumented function.
#[allow(clippy::too_many_lines)] // one template per function shape, side by side
pub(crate) fn expand_fn(spec: &Spec, func: ItemFn, track: TokenStream) -> TokenStream {
    let (prelude, _) = prelude(&spec.fields);
    let Prelude {
        mut items,
        deprecations,
        span_fields,
        arrays,
    } = prelude;
    items.extend(track);
    let level = &spec.level;
    let (static_name, otel_name) = match &spec.name {
        SpanName::Static(n) => (n.clone(), None),
        SpanName::Dynamic { fallback, format } => {
            (fallback.clone(), Some(quote!("otel.name" = #format,)))
        }
    };
    let kind = spec.kind.map(|k| quote!("otel.kind" = #k,));
    let query_name = spec
        .query
        .as_ref()
        .filter(|q| q.name)
        .map(|_| quote!("otel.name" = ::semtrace::__private::Empty,));
    let db_query = spec.query.as_ref().map(|q| {
        let dialect = format_ident!("{}", q.dialect.variant_name());
        let (sanitize, name) = (q.sanitize, q.name);
        // Borrowed: the body may still use the query.
        let arg = match &q.value {
            QueryValue::Text(expr) => {
                // Checked like a `string` field, so a mistake reads the same.
                let i = spec.fields.len();
                items.extend(check_items(i, "db.query.text", ValueType::String, true));
                let check_fn = format_ident!("__semtrace_check_{}", i);
                quote_spanned!(expr.span()=> #check_fn(&(#expr)))
            }
            QueryValue::Display(expr) => {
                quote!(&::semtrace::__private::DisplayQuery(&(#expr)))
            }
        };
        quote! {
            ::semtrace::__private::db_query(
                &__semtrace_span,
                ::semtrace::__private::Dialect::#dialect,
                #arg,
                #sanitize,
                #name,
            );
        }
    });
    let span_call = quote! {
        ::semtrace::__private::tracing::span!(
            target: ::semtrace::__private::module_path!(),
            ::semtrace::__private::Level::#level,
            #static_name,
            #otel_name
            #query_name
            #kind
            #(#span_fields),*
        )
    };
    // A remote parent is read before the span starts, so the sampler decides with
    // it; only when the level is on, so a disabled span costs no header parsing.
    let make_span = if let Some(headers) = &spec.parent {
        let scope = quote_spanned! {headers.span()=>
            ::semtrace::__private::remote_parent(&#headers)
        };
        quote! {
            let __semtrace_span = {
                let __semtrace_parent = ::semtrace::__private::tracing::level_enabled!(
                    ::semtrace::__private::Level::#level
                )
                .then(|| #scope);
                #span_call
            };
        }
    } else {
        quote! { let __semtrace_span = #span_call; }
    };
    let http_status = spec.http.map(|side| {
        let server = side == HttpSide::Server;
        quote! {
            (&&::semtrace::__private::Outcome(__semtrace_out)).__semtrace_status(__semtrace_span, #server);
        }
    });
    let status_import = spec.http.map(|_| quote!(StatusNone as _, StatusSome as _,));
    let imports = quote! {
        #[allow(unused_imports)]
        use ::semtrace::__private::{ErrCode as _, ErrDebug as _, ErrDisplay as _, ErrNone as _, #status_import};
    };
    // Every shape starts the same: items first (no item after a statement in the
    // user's crate), then the warnings, the span, its parent and its arrays.
    let head = quote! {
        #items
        #imports
        #deprecations
        #make_span
        #arrays
        #db_query
    };
    let record_outcome = quote! {
        #http_status
        (&&&&::semtrace::__private::Outcome(__semtrace_out)).__semtrace_record(__semtrace_span);
    };

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let output_ty = match &sig.output {
        ReturnType::Default => Some(quote!(())),
        // `!` is stable only as a function's return type; closures take the alias.
        ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) => {
            Some(quote!(::semtrace::__private::Never))
        }
        ReturnType::Type(_, ty) if !contains_impl(ty) => Some(quote!(#ty)),
        // An `impl Trait` body that cannot return has the hidden type `!`; left to
        // inference, the outcome's type would still be unknown when it is recorded.
        ReturnType::Type(..) if diverges(&block) => Some(quote!(::semtrace::__private::Never)),
        ReturnType::Type(..) => None,
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
            |__semtrace_span: &::semtrace::__private::Span, #out_param| { #record_outcome }
        }
    };

    let body = if sig.asyncness.is_some() {
        let on_exit = on_exit(output_ty);
        quote! {
            #head
            ::semtrace::__private::Traced::new(async move #block, __semtrace_span, #on_exit).await
        }
    } else if let Some(future) = future_return(&sig.output) {
        let on_exit = on_exit(future.output.map(|t| quote!(#t)));
        if future.boxed
            && let Some(inner) = boxed_async_block(&block)
        {
            // `#[async_trait]` and hand-written `Box::pin(async move { … })`: instrument
            // the async block in place instead of boxing a second time.
            let (stmts, async_block) = inner;
            quote! {
                #head
                #(#stmts)*
                ::semtrace::__private::Box::pin(::semtrace::__private::Traced::new(#async_block, __semtrace_span, #on_exit))
            }
        } else {
            let wrap = if future.boxed {
                quote!(::semtrace::__private::Box::pin)
            } else {
                quote!()
            };
            quote! {
                #head
                let __semtrace_future = {
                    let __semtrace_entered = __semtrace_span.enter();
                    ::semtrace::__private::call_once(move || #block)
                };
                #wrap(::semtrace::__private::Traced::new(__semtrace_future, __semtrace_span, #on_exit))
            }
        }
    } else {
        let closure = if let Some(t) = &output_ty {
            quote!(move || -> #t #block)
        } else {
            quote!(move || #block)
        };
        let on_exit = on_exit(output_ty);
        // The body's result never sits in a local here: a diverging body would make
        // the recording after it unreachable code in the user's crate.
        quote! {
            #head
            ::semtrace::__private::run(&__semtrace_span, #closure, #on_exit)
        }
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    }
}

/// `impl Future<Output = T>`, `Pin<Box<dyn Future<Output = T> …>>` or `BoxFuture<'_, T>`.
struct FutureReturn<'a> {
    boxed: bool,
    output: Option<&'a Type>,
}

fn future_return(output: &ReturnType) -> Option<FutureReturn<'_>> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    match &**ty {
        Type::ImplTrait(it) => future_bound(&it.bounds).map(|output| FutureReturn {
            boxed: false,
            output,
        }),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            match last.ident.to_string().as_str() {
                "Pin" => {
                    let inner = single_type_arg(&last.arguments)?;
                    let Type::Path(b) = inner else { return None };
                    let boxed = b.path.segments.last()?;
                    if boxed.ident != "Box" {
                        return None;
                    }
                    let Type::TraitObject(obj) = single_type_arg(&boxed.arguments)? else {
                        return None;
                    };
                    future_bound(&obj.bounds).map(|output| FutureReturn {
                        boxed: true,
                        output,
                    })
                }
                "BoxFuture" | "LocalBoxFuture" => {
                    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                        return None;
                    };
                    let output = a.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    });
                    Some(FutureReturn {
                        boxed: true,
                        output,
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `Some(output)` when the bounds include `Future`; `output` when it is written.
#[allow(clippy::option_option)] // "is a future" and "its output type is written" are separate
fn future_bound(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> Option<Option<&Type>> {
    bounds.iter().find_map(|b| {
        let syn::TypeParamBound::Trait(t) = b else {
            return None;
        };
        let seg = t.path.segments.last()?;
        if seg.ident != "Future" {
            return None;
        }
        let output = match &seg.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                syn::GenericArgument::AssocType(at)
                    if at.ident == "Output" && !contains_impl(&at.ty) =>
                {
                    Some(&at.ty)
                }
                _ => None,
            }),
            _ => None,
        };
        Some(output)
    })
}

fn single_type_arg(args: &syn::PathArguments) -> Option<&Type> {
    let syn::PathArguments::AngleBracketed(a) = args else {
        return None;
    };
    a.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// A body ending in `Box::pin(async move { … })`: its leading statements and the
/// async block.
fn boxed_async_block(block: &Block) -> Option<(&[Stmt], &Expr)> {
    let (last, stmts) = block.stmts.split_last()?;
    let Stmt::Expr(Expr::Call(call), None) = last else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let segs: Vec<_> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if segs.len() < 2
        || segs[segs.len() - 1] != "pin"
        || segs[segs.len() - 2] != "Box"
        || call.args.len() != 1
    {
        return None;
    }
    let arg = call.args.first()?;
    matches!(arg, Expr::Async(_)).then_some((stmts, arg))
}

/// Whether `block` surely never returns: it ends in `loop` without `break`, or in
/// `panic!`, `todo!`, `unimplemented!` or `unreachable!`, and nothing in it can return
/// (`return`, `?`, a labelled `break`). Conservative: `false` when unsure.
fn diverges(block: &Block) -> bool {
    fn can_leave(tokens: TokenStream, in_nested_loop: bool) -> bool {
        let mut tokens = tokens.into_iter().peekable();
        let mut nested_loop_next = false;
        while let Some(t) = tokens.next() {
            match t {
                proc_macro2::TokenTree::Ident(i) if i == "return" => return true,
                proc_macro2::TokenTree::Ident(i) if i == "break" => {
                    let labelled = matches!(
                        tokens.peek(),
                        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '\''
                    );
                    if labelled || !in_nested_loop {
                        return true;
                    }
                }
                proc_macro2::TokenTree::Ident(i) if i == "loop" || i == "while" || i == "for" => {
                    nested_loop_next = true;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == '?' => return true,
                proc_macro2::TokenTree::Group(g) => {
                    let nested = in_nested_loop
                        || nested_loop_next && g.delimiter() == proc_macro2::Delimiter::Brace;
                    if g.delimiter() == proc_macro2::Delimiter::Brace {
                        nested_loop_next = false;
                    }
                    if can_leave(g.stream(), nested) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
    let Some(last) = block.stmts.last() else {
        return false;
    };
    let tail_diverges = match last {
        Stmt::Expr(Expr::Loop(l), _) => !can_leave(l.body.to_token_stream(), false),
        Stmt::Expr(Expr::Macro(syn::ExprMacro { mac: m, .. }), _)
        | Stmt::Macro(syn::StmtMacro { mac: m, .. }) => m.path.segments.last().is_some_and(|s| {
            ["panic", "todo", "unimplemented", "unreachable"]
                .iter()
                .any(|n| s.ident == n)
        }),
        _ => false,
    };
    tail_diverges && !can_leave(block.to_token_stream(), false)
}

/// Whether a type mentions `impl Trait` (which cannot be written on a closure).
fn contains_impl(ty: &Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(quote!(#ty))
}

/// An integer literal as an `i64` literal: tracing-opentelemetry records only `i64`
/// as an int, and `8080_u16` would otherwise arrive as text.
fn int_literal(expr: &Expr) -> Option<TokenStream> {
    let lit = crate::args::literal(expr)?;
    let syn::Lit::Int(int) = lit.lit else {
        return None;
    };
    let sign = if lit.negative { "-" } else { "" };
    let widened = syn::LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
    let sign: TokenStream = sign.parse().ok()?;
    Some(quote!(#sign #widened))
}
