//! Checks of the options (bare words): known to the macro, given once, with the
//! value their kind takes, on the side of the call they belong to. An option that
//! stands for a field becomes that field, spanned on the option.

use std::fmt::Write as _;

use proc_macro2::Span;
use semtrace_semconv::Registry;
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::domain::{COMMON, Domain, LEVEL, Plan};
use crate::model::{Given, Opt, Options, Takes, closest, one_of, quoted};
use crate::parse::{self, Arg, Args, DottedKey, FieldArg, OptArg, Sigil};

/// Every option a domain takes: its own, then the common ones.
pub(crate) fn all(domain: &dyn Domain) -> impl Iterator<Item = &'static Opt> {
    domain.options().iter().chain(COMMON.iter())
}

/// Splits the arguments into options (checked) and fields (checked later).
pub(crate) fn collect<'a>(
    cx: &Ctxt,
    registry: &'a Registry,
    domain: &dyn Domain,
    args: &'a Args,
) -> (Options<'a>, Vec<(FieldArg, Option<&'static str>)>) {
    let mut given: Vec<Given<'a>> = Vec::new();
    let mut fields = Vec::new();
    for arg in &args.0 {
        match arg {
            Arg::Field(f) => fields.push((f.clone(), None)),
            Arg::Opt(o) => {
                let name = o.name.to_string();
                let Some(opt) = all(domain).find(|k| k.name == name) else {
                    cx.error_spanned_by(&o.name, unknown_option(domain, &name));
                    continue;
                };
                if given.iter().any(|g| g.opt.name == opt.name) {
                    cx.error_spanned_by(&o.name, format_args!("duplicate option `{name}`"));
                    continue;
                }
                let valid = value_fits(cx, opt, o);
                given.push(Given::new(opt, o, valid));
            }
        }
    }
    (Options::new(registry, given), fields)
}

/// Whether the option's value is what it takes; reports it when not.
fn value_fits(cx: &Ctxt, opt: &Opt, arg: &OptArg) -> bool {
    let name = opt.name;
    let Some(expr) = &arg.value else {
        if opt.takes == Takes::Flag {
            return true;
        }
        let shape = match opt.takes {
            Takes::Str | Takes::LiteralField => "\"…\"",
            Takes::Bool => "true",
            _ => "…",
        };
        cx.error_spanned_by(
            &arg.name,
            format_args!("`{name}` needs a value: `{name} = {shape}`"),
        );
        return false;
    };
    let string_literal = matches!(arg.sigil, Sigil::Value)
        && parse::literal(expr)
            .and_then(parse::Lit::str_value)
            .is_some();
    match opt.takes {
        Takes::Flag => {
            cx.error_spanned_by(expr, format_args!("`{name}` is a flag and takes no value"));
            false
        }
        Takes::Str | Takes::LiteralField if !string_literal => {
            cx.error_spanned_by(expr, format_args!("`{name}` takes a string literal"));
            // A field option still stands for its field, so nothing else reports it
            // as missing.
            opt.takes == Takes::LiteralField
        }
        Takes::Bool if !matches!(parse::literal(expr).map(|l| l.lit), Some(syn::Lit::Bool(_))) => {
            cx.error_spanned_by(&arg.name, format_args!("`{name}` takes `true` or `false`"));
            false
        }
        Takes::Expr if !matches!(arg.sigil, Sigil::Value) => {
            cx.error_spanned_by(
                expr,
                format_args!("`{name}` takes an expression, without `%` or `?`"),
            );
            false
        }
        _ => true,
    }
}

/// Options given on the wrong side of a call.
pub(crate) fn misplaced(cx: &Ctxt, opts: &Options<'_>, plan: &Plan) {
    for g in opts.iter() {
        if let Some((side, why)) = g.opt.only
            && plan.side != Some(side)
        {
            cx.error_spanned_by(g.name(), why);
        }
    }
}

/// The fields that options stand for, spanned on the options.
pub(crate) fn fields(opts: &Options<'_>, plan: &Plan) -> Vec<(FieldArg, Option<&'static str>)> {
    opts.iter()
        .filter(|g| g.opt.only.is_none_or(|(side, _)| plan.side == Some(side)))
        .filter_map(|g| {
            let key = g.opt.key?;
            let value = g.field_value()?;
            let arg = FieldArg {
                key: DottedKey {
                    tokens: quote::ToTokens::to_token_stream(g.name()),
                    text: key.to_owned(),
                },
                value: Some(value),
            };
            Some((arg, Some(g.opt.name)))
        })
        .collect()
}

/// The span's level: `level = "…"`, else `INFO`.
pub(crate) fn level(cx: &Ctxt, opts: &Options<'_>) -> Ident {
    const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];
    let info = || Ident::new("INFO", Span::call_site());
    let Some((given, expr)) = opts.get(LEVEL).and_then(|g| g.literal()) else {
        return info();
    };
    let lower = given.to_ascii_lowercase();
    if LEVELS.contains(&lower.as_str()) {
        Ident::new(&lower.to_ascii_uppercase(), Span::call_site())
    } else {
        cx.error_spanned_by(expr, one_of("level", &given, &LEVELS));
        info()
    }
}

fn unknown_option(domain: &dyn Domain, given: &str) -> String {
    let names = || all(domain).map(|o| o.name);
    let mut msg = format!("unknown option `{given}` for `#[{}]`", domain.attr());
    if let Some(best) = closest(given, names()) {
        let _ = write!(msg, "; did you mean `{best}`?");
    }
    let _ = write!(
        msg,
        " (options: {}; semantic fields are dotted, like `db.collection.name = …`)",
        quoted(names())
    );
    msg
}
