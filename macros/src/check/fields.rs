//! Checks of one field: its key against the registry, its value against the key's
//! type and enum members, and the keys semtrace sets itself.

use std::fmt::Write as _;

use quote::{ToTokens, quote};
use semtrace_semconv::{AttrType, Attribute, DeprecationReason, Registry, ValueType, keys};

use crate::ctxt::Ctxt;
use crate::model::{Field, FieldRecord, closest};
use crate::parse::{self as args, FieldArg, FieldValue, Sigil};

/// Keys semtrace sets itself; users reach them through options instead.
const RESERVED: &[(&str, &str)] = &[
    (keys::OTEL_NAME, "set the span name with the `name` option"),
    (keys::OTEL_KIND, "set the span kind with the `kind` option"),
    (
        keys::OTEL_STATUS_CODE,
        "semtrace sets it from the function's result",
    ),
    (
        keys::OTEL_STATUS_DESCRIPTION,
        "semtrace sets it from the function's result",
    ),
    (
        keys::ERROR_TYPE,
        "semtrace sets it from the function's result (implement `semtrace::ErrorType` to choose the value)",
    ),
];

/// Checks every field, and that none is given twice; keeps those that pass.
pub(crate) fn check_all(
    cx: &Ctxt,
    registry: &Registry,
    args: &[(FieldArg, Option<&'static str>)],
) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for (arg, option) in args {
        let Some(mut field) = check_field(cx, registry, arg) else {
            continue;
        };
        if fields.iter().any(|f| f.key == field.key) {
            let how = option.map_or_else(String::new, |o| format!(" (the `{o}` option sets it)"));
            cx.error_spanned_by(
                &arg.key,
                format_args!("duplicate field `{}`{how}", field.key),
            );
            continue;
        }
        field.option = *option;
        fields.push(field);
    }
    fields
}

/// Checks one `key = value` field.
pub(crate) fn check_field(cx: &Ctxt, registry: &Registry, arg: &FieldArg) -> Option<Field> {
    let key = &arg.key.text;
    if let Some(t) = registry.exact(key).filter(|a| a.template) {
        cx.error_spanned_by(
            &arg.key,
            format_args!(
                "`{}` is a template: add a key after it, like `{}.<key>`",
                t.key, t.key
            ),
        );
        return None;
    }
    let Some(found) = registry.lookup(key) else {
        let mut msg = format!("unknown semantic field `{key}`");
        if let Some(s) = registry.suggest(key) {
            let _ = write!(msg, "; did you mean `{s}`?");
        }
        cx.error_spanned_by(&arg.key, msg);
        return None;
    };
    let attr = found.attribute;
    if let Some((_, why)) = RESERVED.iter().find(|(k, _)| k == key) {
        cx.error_spanned_by(&arg.key, format_args!("`{key}` cannot be set here: {why}"));
        return None;
    }
    let deprecated = attr.deprecated.map(|d| {
        let mut note = format!("`{key}` is deprecated");
        match (d.reason, d.renamed_to) {
            (DeprecationReason::Renamed, Some(to)) => {
                let _ = write!(note, ": use `{to}` instead");
            }
            _ if !d.note.is_empty() => {
                let _ = write!(note, ": {}", d.note);
            }
            _ => {}
        }
        note
    });
    let record = match &arg.value {
        None => FieldRecord::Empty,
        Some(v) => check_value(cx, key, attr, v)?,
    };
    Some(Field {
        key: key.clone(),
        key_tokens: arg.key.to_token_stream(),
        record,
        deprecated,
        option: None,
    })
}

fn check_value(cx: &Ctxt, key: &str, attr: &Attribute, value: &FieldValue) -> Option<FieldRecord> {
    let ty = attr.ty.value_type();
    let string_like = matches!(ty, ValueType::String | ValueType::Any);
    match &value.sigil {
        Sigil::Display(_) | Sigil::Debug(_) if !string_like => {
            let (sigil, tokens) = match &value.sigil {
                Sigil::Display(t) => ("%", quote!(#t)),
                Sigil::Debug(t) => ("?", quote!(#t)),
                Sigil::Value => unreachable!(),
            };
            cx.error_spanned_by(tokens, format_args!("`{key}` is {}, but `{sigil}` records the value as a string; remove the `{sigil}` and pass {}", article(ty), article(ty)));
            return None;
        }
        Sigil::Display(_) => return Some(FieldRecord::Display(value.expr.clone())),
        Sigil::Debug(_) => return Some(FieldRecord::Debug(value.expr.clone())),
        Sigil::Value => {}
    }
    let Some(lit) = args::literal(&value.expr) else {
        return Some(FieldRecord::Checked {
            expr: value.expr.clone(),
            ty,
        });
    };
    let fits = matches!(
        (ty, lit.lit),
        (
            ValueType::Any,
            syn::Lit::Str(_) | syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_),
        ) | (ValueType::String, syn::Lit::Str(_))
            | (ValueType::Int, syn::Lit::Int(_))
            | (ValueType::Double, syn::Lit::Float(_))
            | (ValueType::Boolean, syn::Lit::Bool(_))
    );
    if !fits || (lit.negative && matches!(lit.lit, syn::Lit::Str(_) | syn::Lit::Bool(_))) {
        let hint = match (ty, lit.lit) {
            (ValueType::Double, syn::Lit::Int(i)) => format!("; write `{}.0`", i.base10_digits()),
            (ValueType::Int, syn::Lit::Str(_)) | (ValueType::String, syn::Lit::Int(_)) => {
                String::new()
            }
            (t, _) if t.as_str().ends_with("[]") => {
                "; pass an array or slice expression".to_owned()
            }
            _ => String::new(),
        };
        cx.error_spanned_by(
            &value.expr,
            format_args!("`{key}` is {}, found {}{hint}", article(ty), lit.describe()),
        );
        return None;
    }
    if let AttrType::Enum { members, .. } = attr.ty
        && let Some(text) = lit.registry_text()
        && !members.iter().any(|m| m.value == text)
    {
        let mut msg = format!("`{text}` is not a known value of `{key}`");
        if let Some(best) = closest(
            &text,
            members.iter().filter(|m| !m.deprecated).map(|m| m.value),
        ) {
            let _ = write!(msg, "; did you mean `{best}`?");
        }
        let shown: Vec<_> = members
            .iter()
            .filter(|m| !m.deprecated)
            .take(12)
            .map(|m| format!("`{}`", m.value))
            .collect();
        let more = if members.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        let open = if value.literal_only {
            ""
        } else {
            "; enums are open: pass a non-literal value to record another"
        };
        let _ = write!(msg, " (known: {}{more}{open})", shown.join(", "));
        cx.error_spanned_by(&value.expr, msg);
        return None;
    }
    Some(FieldRecord::Literal(value.expr.clone()))
}

/// `an int`, `a string`, … for messages.
pub(crate) fn article(ty: ValueType) -> String {
    let s = ty.as_str();
    if matches!(ty, ValueType::Int | ValueType::IntArray | ValueType::Any) {
        format!("an `{s}`")
    } else {
        format!("a `{s}`")
    }
}
