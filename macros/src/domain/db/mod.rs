//! `#[traced_db]`: a database client span (`span.db.client`), named
//! `{operation} {target}` or after the query's summary.

use semtrace_semconv::keys;
use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Domain, Plan, SpanName, field, joined_name, lit_str};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options, Takes};

pub(crate) mod query;

use query::Query;

const SYSTEM: &str = "system";
const QUERY: &str = "query";
const SANITIZE: &str = "sanitize";

pub(crate) struct Db;

impl Domain for Db {
    fn attr(&self) -> &'static str {
        "traced_db"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::field(SYSTEM, "db.system.name", Takes::Field).example("postgresql"),
            Opt::field("operation", "db.operation.name", Takes::Field).example("SELECT"),
            Opt::field("collection", "db.collection.name", Takes::Field).example("users"),
            Opt::field("namespace", "db.namespace", Takes::Field),
            Opt::field(QUERY, keys::DB_QUERY_TEXT, Takes::Field),
            Opt::new(SANITIZE, Takes::Bool),
        ];
        OPTIONS
    }

    fn plan(&self, _cx: &Ctxt, _opts: &Options<'_>) -> Plan {
        let mut plan = Plan::new(SpanKind::Client).metric("db.client.operation.duration");
        plan.definition = Some("span.db.client");
        plan.declared = vec![
            keys::DB_RESPONSE_STATUS_CODE,
            keys::DB_RESPONSE_RETURNED_ROWS,
        ];
        plan
    }

    fn fields(&self, cx: &Ctxt, opts: &Options<'_>, fields: &mut Vec<Field>, plan: &mut Plan) {
        let dialect = query::dialect(opts.get(SYSTEM).and_then(|g| g.value()));
        let sanitize = opts.get(SANITIZE).and_then(|g| g.bool()).unwrap_or(true);
        let Some(text) = fields.iter_mut().find(|f| f.option == Some(QUERY)) else {
            return;
        };
        match query::take(cx, text, dialect, sanitize) {
            Some(Query::Literal(q)) => {
                query::warn_on_disagreement(fields, dialect, &q);
                if field(fields, keys::DB_QUERY_SUMMARY).is_none() {
                    fields.extend(query::summary_field(dialect, &q));
                }
            }
            Some(Query::Runtime(mut q)) => {
                let given = |k: &str| field(fields, k).is_some();
                q.name = opts.get(super::NAME).is_none()
                    && !given("db.operation.name")
                    && !given("db.collection.name")
                    && !given(keys::DB_QUERY_SUMMARY);
                plan.declared
                    .extend([keys::DB_QUERY_TEXT, keys::DB_QUERY_SUMMARY]);
                plan.query = Some(q);
            }
            None => {}
        }
    }

    fn span_name(&self, fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        // `{operation} {target}`, else `{target}`, else `{system}`, where the target is
        // the collection, else the namespace.
        let op = field(fields, "db.operation.name");
        let collection = field(fields, "db.collection.name");
        // The conventions' preferred name, unless the user chose the parts.
        if op.is_none()
            && collection.is_none()
            && let Some(summary) = field(fields, keys::DB_QUERY_SUMMARY).and_then(lit_str)
        {
            return SpanName::Static(summary);
        }
        let target = collection.or_else(|| field(fields, "db.namespace"));
        let parts: Vec<&Field> = match (op, target) {
            (Some(o), Some(t)) => vec![o, t],
            (Some(o), None) => vec![o],
            (None, Some(t)) => vec![t],
            (None, None) => field(fields, "db.system.name").into_iter().collect(),
        };
        if parts.is_empty() {
            return SpanName::Static(super::fn_name(fn_name));
        }
        joined_name(&parts, super::fn_name(fn_name))
    }
}
