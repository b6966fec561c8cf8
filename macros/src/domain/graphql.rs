//! `#[traced_graphql]`: a server span for one GraphQL operation
//! (`span.graphql.server`), named after its type (`query`, `mutation`,
//! `subscription`) as the conventions advise, `GraphQL Operation` when the type is
//! not known. The operation's name is an attribute, never part of the span name:
//! clients choose it, so it can have any number of values.

use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Domain, Plan, SpanName, field, joined_name};
use crate::ctxt::Ctxt;
use crate::model::{Field, FieldRecord, Opt, Options, Takes};

/// The span's name when the operation's type is not known.
const UNKNOWN_TYPE: &str = "GraphQL Operation";

pub(crate) struct Graphql;

impl Domain for Graphql {
    fn attr(&self) -> &'static str {
        "traced_graphql"
    }

    fn options(&self) -> &'static [Opt] {
        const OPTIONS: &[Opt] = &[
            Opt::field("operation", "graphql.operation.type", Takes::Field).example("query"),
            Opt::field("operation_name", "graphql.operation.name", Takes::Field)
                .example("findBookById"),
            Opt::field("document", "graphql.document", Takes::Field)
                .example("query findBookById { bookById(id: ?) { name } }"),
        ];
        OPTIONS
    }

    fn plan(&self, _cx: &Ctxt, _opts: &Options<'_>) -> Plan {
        let mut plan = Plan::new(SpanKind::Server);
        plan.definition = Some("span.graphql.server");
        plan
    }

    fn span_name(&self, fields: &[Field], _plan: &Plan, _fn_name: &Ident) -> SpanName {
        match field(fields, "graphql.operation.type")
            .filter(|f| !matches!(f.record, FieldRecord::Empty))
        {
            Some(f) => joined_name(&[f], UNKNOWN_TYPE.to_owned()),
            None => SpanName::Static(UNKNOWN_TYPE.to_owned()),
        }
    }
}
