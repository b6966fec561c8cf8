//! `#[traced_db(query = …)]`. A literal query is sanitized and summarized here, at
//! compile time; any other is handed to `__private::db_query`, which does the same
//! at run time for recorded spans only.

use proc_macro2::TokenStream;
use semtrace_semconv::sql::{self, Dialect, PartKind};
use syn::Expr;

use crate::ctxt::Ctxt;
use crate::model::{Field, FieldRecord};
use crate::parse as args;

/// A query known only at run time.
pub(crate) struct RuntimeQuery {
    pub(crate) value: QueryValue,
    pub(crate) dialect: Dialect,
    pub(crate) sanitize: bool,
    /// Whether the summary names the span (no `operation`, `collection` or `name`).
    pub(crate) name: bool,
}

/// How a run-time query is given.
pub(crate) enum QueryValue {
    /// Text (`&str`, `String`, …), checked as a `string` field.
    Text(Expr),
    /// `%value`.
    Display(Expr),
}

/// What the `query` option holds.
pub(crate) enum Query {
    /// The query as written.
    Literal(String),
    Runtime(RuntimeQuery),
}

/// The dialect of the `system` option: a literal names it, anything else gets the
/// conservative default.
pub(crate) fn dialect(system: Option<&Expr>) -> Dialect {
    system
        .and_then(args::literal)
        .and_then(args::Lit::str_value)
        .map_or(Dialect::Other, |s| Dialect::from_system(&s))
}

/// Takes the query out of the `db.query.text` field the option made: a literal is
/// recorded sanitized, any other value is left to run time.
pub(crate) fn take(
    cx: &Ctxt,
    field: &mut Field,
    dialect: Dialect,
    sanitize: bool,
) -> Option<Query> {
    let query = match &field.record {
        FieldRecord::Literal(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        })) => {
            let query = s.value();
            let text = if sanitize {
                sql::sanitize(dialect, &query)
            } else {
                query.clone()
            };
            field.record = FieldRecord::Literal(syn::parse_quote_spanned!(s.span()=> #text));
            return Some(Query::Literal(query));
        }
        FieldRecord::Checked { expr, .. } => QueryValue::Text(expr.clone()),
        FieldRecord::Display(expr) => QueryValue::Display(expr.clone()),
        FieldRecord::Debug(expr) => {
            cx.error_spanned_by(
                expr,
                "`query` takes the query's text or `%value`; `?value` would record its `Debug` form",
            );
            return None;
        }
        FieldRecord::Literal(_) | FieldRecord::Empty => return None,
    };
    field.record = FieldRecord::Empty;
    Some(Query::Runtime(RuntimeQuery {
        value: query,
        dialect,
        sanitize,
        name: false,
    }))
}

/// `db.query.summary` of a literal query, when it has one.
pub(crate) fn summary_field(dialect: Dialect, query: &str) -> Option<Field> {
    let summary = sql::summarize(dialect, query);
    (!summary.is_empty()).then(|| Field {
        key: "db.query.summary".to_owned(),
        key_tokens: TokenStream::new(),
        record: FieldRecord::Literal(syn::parse_quote!(#summary)),
        deprecated: None,
        option: None,
    })
}

/// Warns (through the deprecation marker) where a literal `operation` or
/// `collection` is not what the literal query does.
pub(crate) fn warn_on_disagreement(fields: &mut [Field], dialect: Dialect, query: &str) {
    let parts = sql::summary_parts(dialect, query);
    let of = |kind: PartKind| -> Vec<&str> {
        parts
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| p.as_str())
            .collect()
    };
    let operations = of(PartKind::Operation);
    let targets = of(PartKind::Target);
    for field in fields.iter_mut() {
        let (option, found, matches): (&str, &[&str], Matcher) = match field.key.as_str() {
            "db.operation.name" => ("operation", &operations, same_operation),
            "db.collection.name" => ("collection", &targets, same_target),
            _ => continue,
        };
        let FieldRecord::Literal(expr) = &field.record else {
            continue;
        };
        let Some(given) = args::literal(expr).and_then(args::Lit::str_value) else {
            continue;
        };
        if found.is_empty() || found.iter().any(|f| matches(&given, f)) {
            continue;
        }
        let list = found
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        field.deprecated = Some(format!(
            "`{option} = \"{given}\"` disagrees with the query, which names {list}"
        ));
    }
}

/// Whether a given option matches a part the query names.
type Matcher = fn(&str, &str) -> bool;

/// `SELECT` matches `select`; `CREATE` matches `CREATE TABLE`.
fn same_operation(given: &str, found: &str) -> bool {
    given.eq_ignore_ascii_case(found)
        || found
            .split(' ')
            .next()
            .is_some_and(|first| given.eq_ignore_ascii_case(first))
}

/// `users` matches `"users"`, `[users]` and `public.users`.
fn same_target(given: &str, found: &str) -> bool {
    let bare = |s: &str| {
        s.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']' | '\''))
            .to_ascii_lowercase()
    };
    let (given, found) = (bare(given), bare(found));
    given == found
        || found
            .rsplit('.')
            .next()
            .is_some_and(|last| bare(last) == given)
}
