//! The argument model: `key.path = value` fields and `word = value` options, with the
//! user's tokens kept for error spans; and the item, a function with a body.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// A dotted field name such as `db.collection.name`, or a string literal for keys
/// that are not identifiers (`"http.request.header.content-type"`).
#[derive(Clone)]
pub(crate) struct DottedKey {
    /// The user's tokens, for error spans.
    pub(crate) tokens: TokenStream,
    pub(crate) text: String,
}

impl DottedKey {
    fn parse_rest(first: Ident, input: ParseStream<'_>) -> syn::Result<Self> {
        let mut segments: Punctuated<Ident, Token![.]> = Punctuated::new();
        segments.push_value(first);
        while input.peek(Token![.]) {
            segments.push_punct(input.parse()?);
            segments.push_value(input.call(Ident::parse_any)?);
        }
        if input.peek(Token![-]) {
            let sofar: Vec<String> = segments.iter().map(|s| s.unraw().to_string()).collect();
            return Err(input.error(format_args!(
                "a dotted key cannot contain `-`; write the key as a string: `\"{}-…\" = …`",
                sofar.join(".")
            )));
        }
        let text = segments
            .iter()
            .map(|s| s.unraw().to_string())
            .collect::<Vec<_>>()
            .join(".");
        Ok(Self {
            tokens: segments.into_token_stream(),
            text,
        })
    }

    fn from_lit(lit: &syn::LitStr) -> Self {
        Self {
            tokens: lit.to_token_stream(),
            text: lit.value(),
        }
    }

    /// Whether this names a field (has a dot) rather than an option.
    pub(crate) fn is_dotted(&self) -> bool {
        self.text.contains('.')
    }
}

impl Parse for DottedKey {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(syn::LitStr) {
            return Ok(Self::from_lit(&input.parse()?));
        }
        let first = input.call(Ident::parse_any)?;
        Self::parse_rest(first, input)
    }
}

impl ToTokens for DottedKey {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.tokens.to_tokens(tokens);
    }
}

/// How a value is recorded.
#[derive(Clone)]
pub(crate) enum Sigil {
    /// As its own type.
    Value,
    /// `%expr`: with `Display`, as a string.
    Display(Token![%]),
    /// `?expr`: with `Debug`, as a string.
    Debug(Token![?]),
}

/// The right-hand side of a field.
#[derive(Clone)]
pub(crate) struct FieldValue {
    pub(crate) sigil: Sigil,
    pub(crate) expr: Expr,
    /// Only a literal is accepted here (an option that names the span, such as
    /// `operation`), so no message suggests another kind of value.
    pub(crate) literal_only: bool,
}

impl Parse for FieldValue {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let sigil = if input.peek(Token![%]) {
            Sigil::Display(input.parse()?)
        } else if input.peek(Token![?]) {
            Sigil::Debug(input.parse()?)
        } else {
            Sigil::Value
        };
        Ok(Self {
            sigil,
            expr: input.parse()?,
            literal_only: false,
        })
    }
}

/// `key.path` or `key.path = value`.
#[derive(Clone)]
pub(crate) struct FieldArg {
    pub(crate) key: DottedKey,
    /// `None` declares the field empty, to be filled by `semtrace::record!` later.
    pub(crate) value: Option<FieldValue>,
}

/// `word` or `word = expr` (options that stand for a field also take `%expr` / `?expr`).
pub(crate) struct OptArg {
    pub(crate) name: Ident,
    pub(crate) value: Option<Expr>,
    pub(crate) sigil: Sigil,
}

pub(crate) enum Arg {
    Field(FieldArg),
    Opt(OptArg),
}

/// A comma-separated argument list.
pub(crate) struct Args(pub(crate) Vec<Arg>);

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        while !input.is_empty() {
            let string_key = if input.peek(syn::LitStr) {
                let lit: syn::LitStr = input.parse()?;
                // `#[instrument("name")]` names the span; here a literal alone is
                // neither a key nor an option.
                if !lit.value().contains('.') && !input.peek(Token![=]) {
                    return Err(positional(&syn::Lit::Str(lit)));
                }
                Some(DottedKey::from_lit(&lit))
            } else if input.peek(syn::Lit) {
                return Err(positional(&input.parse::<syn::Lit>()?));
            } else {
                None
            };
            let first = match &string_key {
                Some(_) => Ident::new("key", Span::call_site()),
                None => input.call(Ident::parse_any)?,
            };
            let arg = if string_key.is_some() || input.peek(Token![.]) {
                let key = match string_key {
                    Some(key) => key,
                    None => DottedKey::parse_rest(first, input)?,
                };
                let value = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                Arg::Field(FieldArg { key, value })
            } else {
                let (value, sigil) = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    let v: FieldValue = input.parse()?;
                    (Some(v.expr), v.sigil)
                } else {
                    (None, Sigil::Value)
                };
                Arg::Opt(OptArg {
                    name: first,
                    value,
                    sigil,
                })
            };
            args.push(arg);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Self(args))
    }
}

/// The error for a literal where a field or an option is expected.
fn positional(lit: &syn::Lit) -> syn::Error {
    let found = lit.to_token_stream();
    let hint = match lit {
        syn::Lit::Str(_) => format!("; to name the span, write `name = {found}`"),
        _ => String::new(),
    };
    syn::Error::new_spanned(
        lit,
        format_args!(
            "expected a field (`key.path = value`) or an option (`word = value`), found the literal `{found}`{hint}"
        ),
    )
}

/// Fields only (for `record!`).
pub(crate) struct Fields(pub(crate) Vec<FieldArg>);

impl Parse for Fields {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut fields = Vec::new();
        while !input.is_empty() {
            let key: DottedKey = input.parse()?;
            if !key.is_dotted() {
                return Err(syn::Error::new_spanned(
                    &key,
                    format_args!(
                        "expected a dotted semantic field name such as `task.state`, found `{}`",
                        key.text
                    ),
                ));
            }
            input.parse::<Token![=]>()?;
            fields.push(FieldArg {
                key,
                value: Some(input.parse()?),
            });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if fields.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "expected at least one field, such as `task.state = \"completed\"`",
            ));
        }
        Ok(Self(fields))
    }
}

/// The literal inside `expr`, looking through a leading `-` and parentheses.
pub(crate) fn literal(expr: &Expr) -> Option<Lit<'_>> {
    match expr {
        Expr::Lit(l) => Some(Lit {
            lit: &l.lit,
            negative: false,
        }),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => literal(&u.expr).map(|l| Lit {
            negative: true,
            ..l
        }),
        Expr::Paren(p) => literal(&p.expr),
        Expr::Group(g) => literal(&g.expr),
        _ => None,
    }
}

/// A literal value, possibly negated.
#[derive(Clone, Copy)]
pub(crate) struct Lit<'a> {
    pub(crate) lit: &'a syn::Lit,
    pub(crate) negative: bool,
}

impl Lit<'_> {
    /// The string value of a string literal.
    pub(crate) fn str_value(self) -> Option<String> {
        match self.lit {
            syn::Lit::Str(s) if !self.negative => Some(s.value()),
            _ => None,
        }
    }

    /// The literal as the registry writes enum values (`postgresql`, `3`, `-1`).
    pub(crate) fn registry_text(self) -> Option<String> {
        let sign = if self.negative { "-" } else { "" };
        match self.lit {
            syn::Lit::Str(s) if !self.negative => Some(s.value()),
            syn::Lit::Int(i) => Some(format!("{sign}{}", i.base10_digits())),
            syn::Lit::Float(f) => Some(format!("{sign}{}", f.base10_digits())),
            _ => None,
        }
    }

    /// What kind of literal this is, for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self.lit {
            syn::Lit::Str(_) => "a string literal",
            syn::Lit::Int(_) => "an integer literal",
            syn::Lit::Float(_) => "a float literal",
            syn::Lit::Bool(_) => "a boolean literal",
            syn::Lit::Char(_) => "a char literal",
            syn::Lit::Byte(_) | syn::Lit::ByteStr(_) | syn::Lit::CStr(_) => "a byte literal",
            _ => "a literal",
        }
    }
}

/// Parses the item, rejecting what cannot be instrumented with an error at its token.
pub(crate) fn item_fn(attr: &str, item: TokenStream) -> syn::Result<syn::ItemFn> {
    let Ok(func) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        let body_missing = syn::parse2::<syn::TraitItemFn>(item.clone())
            .ok()
            .filter(|f| f.default.is_none())
            .map(|f| {
                (
                    f.sig.fn_token.span,
                    format!(
                        "`#[{attr}]` needs a function body; put it on the trait's implementations"
                    ),
                )
            });
        let (span, msg) = body_missing.unwrap_or_else(|| {
            let first = item
                .into_iter()
                .find(|t| matches!(t, proc_macro2::TokenTree::Ident(_)))
                .map_or_else(Span::call_site, |t| t.span());
            (
                first,
                format!("`#[{attr}]` can only be applied to functions"),
            )
        });
        return Err(syn::Error::new(span, msg));
    };
    if let Some(c) = &func.sig.constness {
        return Err(syn::Error::new(
            c.span,
            format!("`#[{attr}]` cannot instrument a `const fn`: spans are created at run time"),
        ));
    }
    Ok(func)
}
