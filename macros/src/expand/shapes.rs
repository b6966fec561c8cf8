//! The shapes of functions the expansion tells apart: futures returned by value or
//! boxed, `#[async_trait]` bodies, bodies that never return.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote};
use syn::{Block, Expr, ReturnType, Stmt, Type};

/// `impl Future<Output = T>`, `Pin<Box<dyn Future<Output = T> …>>` or `BoxFuture<'_, T>`.
/// The output is the written type, `impl Trait` parts as `_` (see [`infer_impl`]).
pub(super) struct FutureReturn {
    pub(super) boxed: bool,
    pub(super) output: Option<Type>,
}

pub(super) fn future_return(output: &ReturnType) -> Option<FutureReturn> {
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
                    let output = a
                        .args
                        .iter()
                        .find_map(|a| match a {
                            syn::GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .and_then(written);
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
) -> Option<Option<Type>> {
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
                syn::GenericArgument::AssocType(at) if at.ident == "Output" => written(&at.ty),
                _ => None,
            }),
            _ => None,
        };
        Some(output)
    })
}

/// `ty` as a closure can spell it: itself, or with `impl Trait` parts as `_`.
pub(super) fn written(ty: &Type) -> Option<Type> {
    if contains_impl(ty) {
        infer_impl(ty)
    } else {
        Some(ty.clone())
    }
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
pub(super) fn boxed_async_block(block: &Block) -> Option<(&[Stmt], &Expr)> {
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
pub(super) fn diverges(block: &Block) -> bool {
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
pub(super) fn contains_impl(ty: &Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(quote!(#ty))
}

/// `ty` with each `impl Trait` replaced by `_`, so a closure's parameter or return
/// type can still fix what is written around it (`Result<impl Iterator, String>` →
/// `Result<_, String>`: the error type is known before the outcome's method is
/// resolved). `None` when nothing would be left to fix (`impl Trait` alone) or an
/// `impl` sits where `_` cannot stand (a `Fn(…)` bound, a `dyn` bound).
fn infer_impl(ty: &Type) -> Option<Type> {
    fn walk(ty: &mut Type) {
        match ty {
            Type::ImplTrait(it) => {
                let span = it.impl_token.span;
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](span),
                });
            }
            Type::Path(p) => {
                if let Some(q) = &mut p.qself {
                    walk(&mut q.ty);
                }
                for seg in &mut p.path.segments {
                    let syn::PathArguments::AngleBracketed(a) = &mut seg.arguments else {
                        continue;
                    };
                    for arg in &mut a.args {
                        match arg {
                            syn::GenericArgument::Type(t) => walk(t),
                            syn::GenericArgument::AssocType(at) => walk(&mut at.ty),
                            _ => {}
                        }
                    }
                }
            }
            Type::Reference(r) => walk(&mut r.elem),
            Type::Ptr(p) => walk(&mut p.elem),
            Type::Slice(s) => walk(&mut s.elem),
            Type::Array(a) => walk(&mut a.elem),
            Type::Paren(p) => walk(&mut p.elem),
            Type::Group(g) => walk(&mut g.elem),
            Type::Tuple(t) => t.elems.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut ty = ty.clone();
    walk(&mut ty);
    (!matches!(ty, Type::Infer(_)) && !contains_impl(&ty)).then_some(ty)
}

/// `tokens` (a type re-written in the body) with each named lifetime but `'static`
/// as `'_`: inside the body the lifetime is inferred all the same, and a named one
/// there tells clippy's `needless_lifetimes` that the signature's lifetime is needed
/// by the body. Unchanged when the type binds lifetimes itself (`for<'a> fn(&'a T)`).
pub(super) fn anonymous_lifetimes(tokens: TokenStream) -> TokenStream {
    fn binds(tokens: &TokenStream) -> bool {
        tokens.clone().into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "for",
            proc_macro2::TokenTree::Group(g) => binds(&g.stream()),
            _ => false,
        })
    }
    fn walk(tokens: TokenStream) -> TokenStream {
        let mut after_quote = false;
        tokens
            .into_iter()
            .map(|t| {
                let was_quote = std::mem::replace(
                    &mut after_quote,
                    matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\''),
                );
                match t {
                    proc_macro2::TokenTree::Ident(i) if was_quote && i != "static" => {
                        proc_macro2::TokenTree::Ident(proc_macro2::Ident::new("_", i.span()))
                    }
                    proc_macro2::TokenTree::Group(g) => {
                        let mut inner = proc_macro2::Group::new(g.delimiter(), walk(g.stream()));
                        inner.set_span(g.span());
                        proc_macro2::TokenTree::Group(inner)
                    }
                    other => other,
                }
            })
            .collect()
    }
    if binds(&tokens) { tokens } else { walk(tokens) }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::{anonymous_lifetimes, written};

    fn written_as(ty: &str) -> Option<String> {
        let ty: syn::Type = syn::parse_str(ty).unwrap();
        written(&ty).map(|t| quote!(#t).to_string())
    }

    #[test]
    fn impl_trait_parts_become_inferred() {
        assert_eq!(
            written_as("Result<impl Iterator<Item = i32>, String>").as_deref(),
            Some("Result < _ , String >")
        );
        assert_eq!(
            written_as("Option<(Vec<u8>, impl Fn())>").as_deref(),
            Some("Option < (Vec < u8 > , _) >")
        );
        assert_eq!(written_as("impl Iterator<Item = u8>"), None);
        assert_eq!(written_as("Box<dyn Iterator<Item = impl Copy>>"), None);
    }

    #[test]
    fn named_lifetimes_become_anonymous_but_static_and_binders_stay() {
        let erased = |ts| anonymous_lifetimes(ts).to_string();
        assert_eq!(
            erased(quote!(Result<Cow<'a, str>, &'static str>)),
            quote!(Result<Cow<'_, str>, &'static str>).to_string()
        );
        let bound = quote!(Box<dyn for<'b> Fn(&'b str) + 'a>);
        assert_eq!(erased(bound.clone()), bound.to_string());
    }
}
