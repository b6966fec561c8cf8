//! Fields as `tracing::span!` takes them, and the generated checks of their values:
//! a local trait per checked value whose diagnostic names the field and its type.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use semtrace_semconv::{ValueType, keys};
use syn::Expr;
use syn::spanned::Spanned as _;

use crate::check::article;
use crate::model::{Field, FieldRecord};
use crate::private::PRIVATE;

/// Items and statements shared by every expansion: field checks, deprecation uses
/// and the `tracing::span!` call.
pub(crate) struct Prelude {
    pub(crate) items: TokenStream,
    /// Statements that warn about deprecated fields at the user's tokens.
    pub(crate) deprecations: TokenStream,
    /// The span's fields in order: a key and its value, or `None` for a field
    /// declared for later (recorded by the outcome, `record!` or an array).
    pub(crate) span_fields: Vec<(String, Option<TokenStream>)>,
    /// Statements that set array fields once `__semtrace_span` exists.
    pub(crate) arrays: Option<TokenStream>,
}

/// How `record!` records one field's value.
pub(crate) enum Recorded {
    Scalar(TokenStream),
    Array(TokenStream),
}

/// Builds the checks and the field list. `record_fields` are the fields' value
/// expressions in order, for `record!`. `int_args` are the function's arguments of
/// a primitive integer type, by name: `%arg` of one is written by
/// `__private::IntText`.
pub(crate) fn prelude(fields: &[Field], int_args: &[syn::Ident]) -> (Prelude, Vec<Recorded>) {
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
            FieldRecord::Empty => quote!(#PRIVATE::Empty),
            FieldRecord::Literal(e) => int_literal(e).unwrap_or_else(|| quote!(#e)),
            // Borrowed, as tracing's own `%`/`?` do: the body may still use the value.
            FieldRecord::Display(e) => match e {
                // An integer argument, by value (it is `Copy`): its digits.
                Expr::Path(p)
                    if p.qself.is_none() && int_args.iter().any(|a| p.path.is_ident(a)) =>
                {
                    quote!(#PRIVATE::tracing::field::display(#PRIVATE::IntText(#e)))
                }
                _ => quote!(#PRIVATE::tracing::field::display(&(#e))),
            },
            FieldRecord::Debug(e) => quote!(#PRIVATE::tracing::field::debug(&(#e))),
            FieldRecord::Checked { expr, ty } => {
                let check = check_items(i, key, *ty, false);
                let check_fn = format_ident!("__semtrace_check_{}", i);
                items.extend(check);
                // The call carries the expression's span, so a type error lands on it.
                let checked = quote_spanned!(expr.span()=> #check_fn(&(#expr)));

                if ty.is_array() {
                    // tracing fields cannot hold arrays: declare the field, set it after.
                    span_fields.push((key.clone(), None));
                    arrays.extend(quote! {
                        #PRIVATE::record_array(&__semtrace_span, #key, #checked);
                    });
                    values.push(Recorded::Array(checked));
                    continue;
                }
                checked
            }
        };
        let declared = !matches!(field.record, FieldRecord::Empty);
        span_fields.push((key.clone(), declared.then(|| value.clone())));
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
pub(super) fn check_items(i: usize, key: &str, ty: ValueType, query: bool) -> TokenStream {
    check_items_with(i, key, ty, query, false)
}

/// [`check_items`], with a method giving a string value's text when `text`.
fn check_items_with(i: usize, key: &str, ty: ValueType, query: bool, text: bool) -> TokenStream {
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
            let o = quote!(&dyn #PRIVATE::QueryText);
            (o.clone(), o, quote!(self), quote!())
        }
        ValueType::Int => {
            let o = quote!(#PRIVATE::Option<i64>);
            (
                o.clone(),
                o,
                quote!(#PRIVATE::IntValue::to_i64(self)),
                unsized_ok,
            )
        }
        ValueType::StringArray
        | ValueType::IntArray
        | ValueType::DoubleArray
        | ValueType::BooleanArray => {
            let o = quote!(&dyn #PRIVATE::ArrayValue);
            (o.clone(), o, quote!(self), quote!())
        }
        _ => (quote!(&Self), quote!(&T), quote!(self), unsized_ok),
    };
    let (text_decl, text_impl) = if text {
        (
            quote!(fn __semtrace_text(&self) -> #PRIVATE::Option<&str>;),
            quote! {
                #[inline]
                fn __semtrace_text(&self) -> #PRIVATE::Option<&str> {
                    #PRIVATE::StrValue::text(self)
                }
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait #trait_name {
            fn __semtrace_value(&self) -> #trait_out;
            #text_decl
        }
        #[diagnostic::do_not_recommend]
        impl<T: #PRIVATE::#marker #unsized_ok> #trait_name for T {
            #[inline]
            fn __semtrace_value(&self) -> #trait_out {
                #convert
            }
            #text_impl
        }
        #[inline]
        fn #fn_name<T: #trait_name #unsized_ok>(value: &T) -> #fn_out {
            value.__semtrace_value()
        }
    }
}

/// An integer literal as an `i64` literal: tracing-opentelemetry records only `i64`
/// as an int, and `8080_u16` would otherwise arrive as text.
fn int_literal(expr: &Expr) -> Option<TokenStream> {
    let lit = crate::parse::literal(expr)?;
    let syn::Lit::Int(int) = lit.lit else {
        return None;
    };
    let sign = if lit.negative { "-" } else { "" };
    let widened = syn::LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
    let sign: TokenStream = sign.parse().ok()?;
    Some(quote!(#sign #widened))
}

/// An HTTP client's `url` known only per call: evaluated once, before the span,
/// into `__semtrace_url` (the span's value) and `__semtrace_server` (its
/// `server.address` and `server.port`, found when `wanted`); the fields then read
/// those. Returns the statement, and the items it needs.
pub(super) fn server_from_url(
    fields: &mut [Field],
    wanted: &TokenStream,
) -> (TokenStream, TokenStream) {
    let mut items = TokenStream::new();
    let mut binding = TokenStream::new();
    for (i, f) in fields.iter_mut().enumerate() {
        match f.key.as_str() {
            keys::URL_FULL => {
                binding = match &f.record {
                    FieldRecord::Display(e) => quote_spanned! {e.span()=>
                        let (__semtrace_url, __semtrace_server) =
                            #PRIVATE::url_server_display(&(#e), #wanted);
                    },
                    FieldRecord::Checked {
                        expr,
                        ty: ValueType::String,
                    } => {
                        let text_fn = text_check(&mut items, i, &f.key);
                        quote_spanned! {expr.span()=>
                            let (__semtrace_url, __semtrace_text) = #text_fn(&(#expr));
                            let __semtrace_server = #PRIVATE::Server::of_text(__semtrace_text, #wanted);
                        }
                    }
                    _ => return (TokenStream::new(), TokenStream::new()),
                };
                f.record = FieldRecord::Literal(syn::parse_quote!(__semtrace_url));
            }
            keys::SERVER_ADDRESS => {
                f.record = FieldRecord::Literal(syn::parse_quote!(__semtrace_server.address()));
            }
            keys::SERVER_PORT => {
                f.record = FieldRecord::Literal(syn::parse_quote!(__semtrace_server.port()));
            }
            _ => {}
        }
    }
    (binding, items)
}

/// A metric's attributes known only per call: each field evaluated once, before the
/// span, into `__semtrace_dyn_N` (the span's value) and `__semtrace_metric_N` (the
/// metric's, when the call is timed). Returns the statements, the items they need,
/// and the `(key, value)` pairs for the timer.
pub(super) fn metric_fields(
    fields: &mut [Field],
    keys: &[String],
) -> (TokenStream, TokenStream, Vec<TokenStream>) {
    let mut items = TokenStream::new();
    let mut bindings = TokenStream::new();
    let mut pairs = Vec::new();
    let timed = quote!(__semtrace_timer.timing());
    for (i, f) in fields.iter_mut().enumerate() {
        if !keys.contains(&f.key) {
            continue;
        }
        let value = format_ident!("__semtrace_dyn_{}", i);
        let metric = format_ident!("__semtrace_metric_{}", i);
        let binding = match &f.record {
            FieldRecord::Display(e) => quote_spanned! {e.span()=>
                let (#value, #metric) = #PRIVATE::metric_display(&(#e), #timed);
            },
            FieldRecord::Checked {
                expr,
                ty: ValueType::String,
            } => {
                let text_fn = text_check(&mut items, i, &f.key);
                quote_spanned! {expr.span()=>
                    let (#value, __semtrace_text) = #text_fn(&(#expr));
                    let #metric = #PRIVATE::MetricValue::text(__semtrace_text, #timed);
                }
            }
            FieldRecord::Checked {
                expr,
                ty: ty @ ValueType::Int,
            } => {
                items.extend(check_items(i, &f.key, *ty, false));
                let check_fn = format_ident!("__semtrace_check_{}", i);
                let checked = quote_spanned!(expr.span()=> #check_fn(&(#expr)));
                quote! {
                    let #value = #checked;
                    let #metric = #PRIVATE::MetricValue::int(#value, #timed);
                }
            }
            _ => continue,
        };
        bindings.extend(binding);
        f.record = FieldRecord::Literal(syn::parse_quote!(#value));
        let key = &f.key;
        pairs.push(quote!((#key, #metric)));
    }
    (bindings, items, pairs)
}

/// The checks of a string field whose text generated code also reads: the field's
/// own local trait, with a method giving the text, and `__semtrace_text_N(&value)`
/// returning the value and its text. One generic call, so a value of the wrong type
/// gets the field's one error.
fn text_check(items: &mut TokenStream, i: usize, key: &str) -> proc_macro2::Ident {
    items.extend(check_items_with(i, key, ValueType::String, false, true));
    let trait_name = format_ident!("__SemtraceCheck{}", i);
    let text_fn = format_ident!("__semtrace_text_{}", i);
    items.extend(quote! {
        #[inline]
        fn #text_fn<T: #trait_name + ?::core::marker::Sized>(
            value: &T,
        ) -> (&T, #PRIVATE::Option<&str>) {
            (value, value.__semtrace_text())
        }
    });
    text_fn
}
