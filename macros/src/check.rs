//! Checks fields and options against the registry and the macro's rules, and turns
//! them into a [`Spec`] ready for expansion. Every mistake is reported through the
//! [`Ctxt`], spanned on the user's token; checking goes on after a mistake so one
//! compile shows them all.

use std::fmt::Write as _;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use semtrace_semconv::{AttrType, Attribute, DeprecationReason, Registry, ValueType};
use syn::{Expr, Ident};

use crate::args::{self, Arg, Args, FieldArg, FieldValue, OptArg, Sigil};
use crate::ctxt::Ctxt;
use crate::query::{self, Query, RuntimeQuery};

/// Which macro is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacroKind {
    Traced,
    Task,
    Db,
    Http,
}

impl MacroKind {
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Self::Traced => "traced",
            Self::Task => "traced_task",
            Self::Db => "traced_db",
            Self::Http => "traced_http",
        }
    }

    fn options(self) -> &'static [&'static str] {
        match self {
            Self::Traced => &[NAME, LEVEL, KIND],
            Self::Task => &[NAME, LEVEL],
            Self::Db => &[
                SYSTEM, OPERATION, COLLECTION, NAMESPACE, QUERY, SANITIZE, NAME, LEVEL,
            ],
            Self::Http => &[CLIENT, METHOD, ROUTE, URL, PARENT, NAME, LEVEL],
        }
    }
}

// Option keywords, one constant each so a typo cannot drift between parse and check.
const NAME: &str = "name";
const LEVEL: &str = "level";
const KIND: &str = "kind";
const SYSTEM: &str = "system";
const OPERATION: &str = "operation";
const COLLECTION: &str = "collection";
const NAMESPACE: &str = "namespace";
const QUERY: &str = "query";
const SANITIZE: &str = "sanitize";
const CLIENT: &str = "client";
const METHOD: &str = "method";
const ROUTE: &str = "route";
const URL: &str = "url";
const PARENT: &str = "parent";

/// Keys semtrace sets itself; users reach them through options instead.
const RESERVED: &[(&str, &str)] = &[
    ("otel.name", "set the span name with the `name` option"),
    ("otel.kind", "set the span kind with the `kind` option"),
    (
        "otel.status_code",
        "semtrace sets it from the function's result",
    ),
    (
        "otel.status_description",
        "semtrace sets it from the function's result",
    ),
    (
        "error.type",
        "semtrace sets it from the function's result (implement `semtrace::ErrorType` to choose the value)",
    ),
];

/// tracing's limit on the fields of one callsite.
const MAX_FIELDS: usize = 32;

/// How a checked field's value is recorded.
pub(crate) enum FieldRecord {
    /// Declared empty, recorded later.
    Empty,
    /// A literal of the right type, recorded as it is.
    Literal(Expr),
    /// `%expr` / `?expr`: a string.
    Display(Expr),
    Debug(Expr),
    /// An expression whose type is checked against the field's value type.
    Checked {
        expr: Expr,
        ty: ValueType,
    },
}

/// A field that passed its checks.
pub(crate) struct Field {
    pub(crate) key: String,
    /// The user's tokens that named the field, for warnings.
    pub(crate) key_tokens: TokenStream,
    pub(crate) record: FieldRecord,
    /// The deprecation message, for a deprecated field.
    pub(crate) deprecated: Option<String>,
}

/// The span's name.
pub(crate) enum SpanName {
    Static(String),
    /// Known only at run time: a static name for `tracing` plus `otel.name`.
    Dynamic {
        fallback: String,
        format: TokenStream,
    },
}

/// The HTTP side of a span.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpSide {
    Server,
    Client,
}

/// Everything the expansion needs.
pub(crate) struct Spec {
    pub(crate) name: SpanName,
    /// `otel.kind`, or `None` for internal (tracing-opentelemetry's default).
    pub(crate) kind: Option<&'static str>,
    pub(crate) level: Ident,
    pub(crate) fields: Vec<Field>,
    pub(crate) http: Option<HttpSide>,
    pub(crate) parent: Option<Expr>,
    /// A query recorded at run time.
    pub(crate) query: Option<RuntimeQuery>,
}

/// One option as given.
struct GivenOpt<'a> {
    arg: &'a OptArg,
}

impl GivenOpt<'_> {
    /// The value as a string literal, or an error at the value.
    fn str_lit(&self, cx: &Ctxt) -> Option<(String, &Expr)> {
        let Some(expr) = &self.arg.value else {
            cx.error_spanned_by(
                &self.arg.name,
                format_args!("`{}` needs a value: `{0} = \"…\"`", self.arg.name),
            );
            return None;
        };
        if !matches!(self.arg.sigil, Sigil::Value) {
            cx.error_spanned_by(
                expr,
                format_args!("`{}` takes a string literal", self.arg.name),
            );
            return None;
        }
        if let Some(s) = args::literal(expr).and_then(args::Lit::str_value) {
            Some((s, expr))
        } else {
            cx.error_spanned_by(
                expr,
                format_args!("`{}` takes a string literal", self.arg.name),
            );
            None
        }
    }

    /// The value of an option that stands for a field, with its sigil.
    fn field_value(&self, cx: &Ctxt) -> Option<FieldValue> {
        let expr = self.expr(cx)?;
        Some(FieldValue {
            sigil: self.arg.sigil.clone(),
            expr: expr.clone(),
        })
    }

    fn expr(&self, cx: &Ctxt) -> Option<&Expr> {
        if self.arg.value.is_none() {
            cx.error_spanned_by(
                &self.arg.name,
                format_args!("`{}` needs a value: `{0} = …`", self.arg.name),
            );
        }
        self.arg.value.as_ref()
    }
}

/// Checks a macro's arguments; `fn_name` is the default span name.
#[allow(clippy::too_many_lines)] // one pass over the options, in the order the user reads them
pub(crate) fn check_args(
    cx: &Ctxt,
    registry: &Registry,
    macro_kind: MacroKind,
    args: &Args,
    fn_name: &Ident,
) -> Spec {
    let mut opts: Vec<(&'static str, GivenOpt<'_>)> = Vec::new();
    let mut field_args: Vec<(FieldArg, Option<&'static str>)> = Vec::new();

    for arg in &args.0 {
        match arg {
            Arg::Field(f) => field_args.push((f.clone(), None)),
            Arg::Opt(o) => {
                let given = o.name.to_string();
                let allowed = macro_kind.options();
                let Some(&known) = allowed.iter().find(|k| **k == given) else {
                    cx.error_spanned_by(&o.name, unknown_option(macro_kind, &given));
                    continue;
                };
                if opts.iter().any(|(k, _)| *k == known) {
                    cx.error_spanned_by(&o.name, format_args!("duplicate option `{known}`"));
                    continue;
                }
                opts.push((known, GivenOpt { arg: o }));
            }
        }
    }
    let opt = |k: &str| opts.iter().find(|(n, _)| *n == k).map(|(_, g)| g);

    let level = match opt(LEVEL) {
        None => Ident::new("INFO", proc_macro2::Span::call_site()),
        Some(g) => match g.str_lit(cx) {
            Some((s, expr)) => match s.to_ascii_lowercase().as_str() {
                "trace" | "debug" | "info" | "warn" | "error" => {
                    Ident::new(&s.to_ascii_uppercase(), proc_macro2::Span::call_site())
                }
                _ => {
                    cx.error_spanned_by(
                        expr,
                        one_of("level", &s, &["trace", "debug", "info", "warn", "error"]),
                    );
                    Ident::new("INFO", proc_macro2::Span::call_site())
                }
            },
            None => Ident::new("INFO", proc_macro2::Span::call_site()),
        },
    };

    let mut kind = match macro_kind {
        MacroKind::Traced | MacroKind::Task => None,
        MacroKind::Db => Some("client"),
        MacroKind::Http => Some(if opt(CLIENT).is_some() {
            "client"
        } else {
            "server"
        }),
    };
    if let Some(g) = opt(KIND)
        && let Some((s, expr)) = g.str_lit(cx)
    {
        match s.as_str() {
            "internal" => kind = None,
            "server" => kind = Some("server"),
            "client" => kind = Some("client"),
            "producer" => kind = Some("producer"),
            "consumer" => kind = Some("consumer"),
            _ => cx.error_spanned_by(
                expr,
                one_of(
                    "span kind",
                    &s,
                    &["internal", "server", "client", "producer", "consumer"],
                ),
            ),
        }
    }

    // Options that stand for semantic fields become fields, spanned on the option.
    let mut http = None;
    let mut parent = None;
    let mut sanitize = true;
    let dialect = query::dialect(opt(SYSTEM).and_then(|g| g.arg.value.as_ref()));
    let mut query = None;
    match macro_kind {
        MacroKind::Db => {
            if opt(SYSTEM).is_none() {
                cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), "`#[traced_db]` needs `system = \"…\"`, the database system (`db.system.name`), e.g. `system = \"postgresql\"`"));
            }
            if let Some(g) = opt(SANITIZE) {
                match g
                    .arg
                    .value
                    .as_ref()
                    .map(|e| args::literal(e).map(|l| l.lit))
                {
                    Some(Some(syn::Lit::Bool(b))) => sanitize = b.value,
                    _ => cx.error_spanned_by(&g.arg.name, "`sanitize` takes `true` or `false`"),
                }
            }
            for (opt_name, key) in [
                (SYSTEM, "db.system.name"),
                (OPERATION, "db.operation.name"),
                (COLLECTION, "db.collection.name"),
                (NAMESPACE, "db.namespace"),
                (QUERY, "db.query.text"),
            ] {
                if let Some(g) = opt(opt_name)
                    && let Some(value) = g.field_value(cx)
                {
                    field_args.push((option_field(&g.arg.name, key, value), Some(opt_name)));
                }
            }
        }
        MacroKind::Http => {
            let side = if opt(CLIENT).is_some() {
                HttpSide::Client
            } else {
                HttpSide::Server
            };
            http = Some(side);
            if let Some(g) = opt(CLIENT)
                && let Some(v) = &g.arg.value
            {
                cx.error_spanned_by(v, "`client` is a flag and takes no value");
            }
            if opt(METHOD).is_none() {
                cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), "`#[traced_http]` needs `method = \"…\"`, the HTTP request method, e.g. `method = \"GET\"`"));
            }
            let (wrong, why) = match side {
                HttpSide::Server => (
                    [URL],
                    "`url` is for client spans (add `client`); a server span records `http.route`",
                ),
                HttpSide::Client => (
                    [ROUTE],
                    "`route` is for server spans; a client span records `url.full` (`url = …`)",
                ),
            };
            for w in wrong {
                if let Some(g) = opt(w) {
                    cx.error_spanned_by(&g.arg.name, why);
                }
            }
            if side == HttpSide::Client
                && let Some(g) = opt(PARENT)
            {
                cx.error_spanned_by(
                    &g.arg.name,
                    "`parent` is for server spans: a client span's parent is the current span",
                );
            }
            if side == HttpSide::Server {
                parent = opt(PARENT).and_then(|g| g.expr(cx)).cloned();
            }
            for (opt_name, key) in [
                (METHOD, "http.request.method"),
                (ROUTE, "http.route"),
                (URL, "url.full"),
            ] {
                if let Some(g) = opt(opt_name)
                    && let Some(value) = g.field_value(cx)
                    && !(side == HttpSide::Server && opt_name == URL
                        || side == HttpSide::Client && opt_name == ROUTE)
                {
                    if opt_name != URL {
                        // Method and route make the span name: they must be literals.
                        g.str_lit(cx);
                    }
                    field_args.push((option_field(&g.arg.name, key, value), Some(opt_name)));
                }
            }
        }
        MacroKind::Traced | MacroKind::Task => {}
    }

    let mut fields: Vec<Field> = Vec::new();
    for (arg, from_option) in &field_args {
        let Some(mut field) = check_field(cx, registry, arg) else {
            continue;
        };
        if fields.iter().any(|f| f.key == field.key) {
            let how =
                from_option.map_or_else(String::new, |o| format!(" (the `{o}` option sets it)"));
            cx.error_spanned_by(
                &arg.key,
                format_args!("duplicate field `{}`{how}", field.key),
            );
            continue;
        }
        if *from_option == Some(QUERY) {
            query = query::take(cx, &mut field, dialect, sanitize);
        }
        fields.push(field);
    }

    let mut runtime_query = None;
    match query {
        Some(Query::Literal(q)) => {
            query::warn_on_disagreement(&mut fields, dialect, &q);
            if !fields.iter().any(|f| f.key == "db.query.summary") {
                fields.extend(query::summary_field(dialect, &q));
            }
        }
        Some(Query::Runtime(mut q)) => {
            let given = |k: &str| fields.iter().any(|f| f.key == k);
            q.name = opt(NAME).is_none()
                && !given("db.operation.name")
                && !given("db.collection.name")
                && !given("db.query.summary");
            runtime_query = Some(q);
        }
        None => {}
    }

    let name = span_name(cx, macro_kind, opt(NAME), &fields, fn_name, http);

    // Fields semtrace records from the outcome, and the domain's fields, declared
    // empty so `semtrace::record!` and the outcome can fill them.
    let mut empties: Vec<&str> = Vec::new();
    match macro_kind {
        MacroKind::Task => {
            for attr in registry.iter() {
                if (attr.key.starts_with("task.") || attr.key.starts_with("worker."))
                    && attr.deprecated.is_none()
                    && !attr.template
                {
                    empties.push(attr.key);
                }
            }
        }
        MacroKind::Db => {
            empties.extend(["db.response.status_code", "db.response.returned_rows"]);
            if runtime_query.is_some() {
                empties.extend(["db.query.text", "db.query.summary"]);
            }
        }
        MacroKind::Http => empties.push("http.response.status_code"),
        MacroKind::Traced => {}
    }
    empties.extend(["otel.status_code", "otel.status_description", "error.type"]);
    for key in empties {
        if !fields.iter().any(|f| f.key == key) {
            fields.push(Field {
                key: key.to_owned(),
                key_tokens: TokenStream::new(),
                record: FieldRecord::Empty,
                deprecated: None,
            });
        }
    }
    let extra = usize::from(kind.is_some())
        + usize::from(matches!(name, SpanName::Dynamic { .. }))
        + usize::from(runtime_query.as_ref().is_some_and(|q| q.name));
    if fields.len() + extra > MAX_FIELDS {
        cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), format_args!("too many fields: a span holds at most {MAX_FIELDS} fields, and this one would have {}", fields.len() + extra)));
    }

    Spec {
        name,
        kind,
        level,
        fields,
        http,
        parent,
        query: runtime_query,
    }
}

/// A field that an option stands for, with the option's name as its key tokens.
fn option_field(name: &Ident, key: &str, value: FieldValue) -> FieldArg {
    // The key's tokens are the option's name, so errors land there.
    FieldArg {
        key: crate::args::DottedKey {
            tokens: quote::ToTokens::to_token_stream(name),
            text: key.to_owned(),
        },
        value: Some(value),
    }
}

/// `unknown {what} `given`; did you mean …? expected one of …`.
fn one_of(what: &str, given: &str, allowed: &[&str]) -> String {
    let mut msg = format!("unknown {what} `{given}`");
    if let Some(best) = closest(given, allowed.iter().copied()) {
        let _ = write!(msg, "; did you mean `{best}`?");
    }
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(msg, " (expected one of {list})");
    msg
}

fn unknown_option(macro_kind: MacroKind, given: &str) -> String {
    let allowed = macro_kind.options();
    let list = allowed
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut msg = format!(
        "unknown option `{given}` for `#[{}]`",
        macro_kind.attr_name()
    );
    if let Some(best) = closest(given, allowed.iter().copied()) {
        let _ = write!(msg, "; did you mean `{best}`?");
    }
    let _ = write!(
        msg,
        " (options: {list}; semantic fields are dotted, like `db.collection.name = …`)"
    );
    msg
}

/// The closest candidate above the suggestion threshold.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    semtrace_semconv::suggest::closest(given, candidates)
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
        let _ = write!(
            msg,
            " (known: {}{more}; enums are open: pass a non-literal value to record another)",
            shown.join(", ")
        );
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

fn span_name(
    cx: &Ctxt,
    macro_kind: MacroKind,
    name_opt: Option<&GivenOpt<'_>>,
    fields: &[Field],
    fn_name: &Ident,
    http: Option<HttpSide>,
) -> SpanName {
    if let Some(g) = name_opt {
        if let Some((s, _)) = g.str_lit(cx) {
            return SpanName::Static(s);
        }
        return SpanName::Static(fn_name.to_string());
    }
    let field = |k: &str| fields.iter().find(|f| f.key == k);
    let lit_str = |f: &Field| match &f.record {
        FieldRecord::Literal(e) => args::literal(e).and_then(args::Lit::str_value),
        _ => None,
    };
    match macro_kind {
        MacroKind::Traced | MacroKind::Task => SpanName::Static(fn_name.unraw().to_string()),
        MacroKind::Http => {
            let method = field("http.request.method")
                .and_then(lit_str)
                .unwrap_or_else(|| "HTTP".to_owned());
            match (http, field("http.route").and_then(lit_str)) {
                (Some(HttpSide::Server), Some(route)) => {
                    SpanName::Static(format!("{method} {route}"))
                }
                _ => SpanName::Static(method),
            }
        }
        MacroKind::Db => {
            // Database spans: `{operation} {target}`, else `{target}`, else `{system}`,
            // where the target is the collection, else the namespace.
            let op = field("db.operation.name");
            let collection = field("db.collection.name");
            // The conventions' preferred name, unless the user chose the parts.
            if op.is_none()
                && collection.is_none()
                && let Some(summary) = field("db.query.summary").and_then(lit_str)
            {
                return SpanName::Static(summary);
            }
            let target = collection.or_else(|| field("db.namespace"));
            let system = field("db.system.name");
            let parts: Vec<&Field> = match (op, target) {
                (Some(o), Some(t)) => vec![o, t],
                (Some(o), None) => vec![o],
                (None, Some(t)) => vec![t],
                (None, None) => system.into_iter().collect(),
            };
            if parts.is_empty() {
                return SpanName::Static(fn_name.unraw().to_string());
            }
            let lits: Option<Vec<String>> = parts.iter().map(|f| lit_str(f)).collect();
            if let Some(lits) = lits {
                return SpanName::Static(lits.join(" "));
            }
            let args = parts.iter().map(|f| match &f.record {
                FieldRecord::Literal(e)
                | FieldRecord::Display(e)
                | FieldRecord::Checked { expr: e, .. } => e.to_token_stream(),
                FieldRecord::Debug(e) => quote!(::semtrace::__private::tracing::field::debug(&#e)),
                FieldRecord::Empty => quote!(""),
            });
            let fmt = vec!["{}"; parts.len()].join(" ");
            SpanName::Dynamic {
                fallback: fn_name.unraw().to_string(),
                format: quote!(::semtrace::__private::format_args!(#fmt, #(#args),*)),
            }
        }
    }
}

use syn::ext::IdentExt as _;
