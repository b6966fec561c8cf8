//! The registry's required attributes: each domain names the span definition it
//! produces, and every attribute that definition requires must be set by an option,
//! given as a field (a bare key filled later by `record!` counts), or filled in by
//! semtrace from the outcome.

use proc_macro2::Span;
use semtrace_semconv::spans;

use super::options::all;
use crate::ctxt::Ctxt;
use crate::domain::{Domain, Plan};
use crate::model::Takes;

/// Reports each required attribute that nothing gives, at the attribute.
pub(crate) fn check(cx: &Ctxt, domain: &dyn Domain, plan: &Plan, named: &[&str]) {
    let Some(id) = plan.definition else {
        return;
    };
    let Some(definition) = spans::official(id) else {
        // A domain naming a definition the table lacks is semtrace's bug; the
        // registry round trip test catches it.
        cx.syn_error(syn::Error::new(
            Span::call_site(),
            format_args!("semtrace: no span definition `{id}` in the registry table"),
        ));
        return;
    };
    for key in definition.required() {
        let given =
            named.contains(&key) || plan.filled.contains(&key) || plan.per_call.contains(&key);
        if given {
            continue;
        }
        let how = match all(domain).find(|o| o.key == Some(key)) {
            Some(opt) => {
                let example = if opt.example.is_empty() {
                    String::new()
                } else {
                    format!(", e.g. `{} = \"{}\"`", opt.name, opt.example)
                };
                if opt.takes == Takes::Field && opt.example.is_empty() {
                    format!("add `{} = …`", opt.name)
                } else {
                    format!("add `{} = \"…\"`{example}", opt.name)
                }
            }
            None => format!(
                "add `{key} = …`, or a bare `{key}` and `semtrace::record!({key} = …)` in the body"
            ),
        };
        cx.syn_error(syn::Error::new(
            Span::call_site(),
            format_args!(
                "`#[{}]` needs `{key}`, which the conventions' `{id}` span requires; {how}",
                domain.attr()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    //! Every span definition a domain names against the registry table: it exists,
    //! its kind is the domain's, and each attribute it requires is known to the table
    //! and can be given (an option stands for it, the outcome fills it, or it is
    //! known only per call and left to the user).

    use semtrace_semconv::Registry;
    use semtrace_semconv::spans::{self, SpanKind};

    use crate::check::options;
    use crate::ctxt::Ctxt;
    use crate::domain::{self, Domain, Plan};
    use crate::parse::Args;

    /// Each domain with arguments that reach each of its definitions.
    fn plans() -> Vec<(&'static str, Box<dyn Domain>, Plan)> {
        let cases: Vec<(Box<dyn Domain>, &str)> = vec![
            (Box::new(domain::db::Db), "system = \"sqlite\""),
            (Box::new(domain::http::Http), "method = \"GET\""),
            (Box::new(domain::http::Http), "client, method = \"GET\""),
            (Box::new(domain::rpc::Rpc), "system = \"grpc\""),
            (Box::new(domain::rpc::Rpc), "client, system = \"grpc\""),
            (
                Box::new(domain::messaging::Messaging),
                "operation = \"send\"",
            ),
            (
                Box::new(domain::messaging::Messaging),
                "operation = \"create\"",
            ),
            (
                Box::new(domain::messaging::Messaging),
                "operation = \"receive\"",
            ),
            (
                Box::new(domain::messaging::Messaging),
                "operation = \"process\"",
            ),
            (
                Box::new(domain::messaging::Messaging),
                "operation = \"settle\"",
            ),
            (Box::new(domain::traced::Traced), ""),
            (Box::new(domain::task::Task), ""),
            (Box::new(domain::graphql::Graphql), ""),
        ];
        let cases = cases.into_iter().chain(
            [
                "chat",
                "embeddings",
                "retrieval",
                "create_agent",
                "invoke_agent",
                "execute_tool",
                "invoke_workflow",
                "plan",
                "search_memory",
            ]
            .into_iter()
            .map(|op| -> (Box<dyn Domain>, &str) {
                let args = format!("operation = \"{op}\"");
                (
                    Box::new(domain::genai::GenAi),
                    Box::leak(args.into_boxed_str()),
                )
            })
            .chain([(
                Box::new(domain::genai::GenAi) as Box<dyn Domain>,
                "operation = \"invoke_agent\", client",
            )]),
        );
        let registry = Box::leak(Box::new(Registry::builtin()));
        cases
            .into_iter()
            .map(|(domain, args)| {
                let args: &'static Args = Box::leak(Box::new(syn::parse_str(args).unwrap()));
                let cx = Ctxt::new();
                let (opts, _) = options::collect(&cx, registry, &*domain, args);
                let plan = domain.plan(&cx, &opts);
                cx.check().unwrap();
                (domain.attr(), domain, plan)
            })
            .collect()
    }

    #[test]
    fn every_definition_a_domain_names_is_in_the_table_and_can_be_satisfied() {
        let registry = Registry::builtin();
        let mut named = 0;
        for (attr, domain, plan) in plans() {
            let Some(id) = plan.definition else {
                assert!(matches!(attr, "traced" | "traced_task"), "{attr}");
                continue;
            };
            named += 1;
            let def = spans::official(id).unwrap_or_else(|| panic!("{attr}: no `{id}`"));
            // `receive` is a consumer span as the messaging macros have it; v1.44.0
            // says client. Every other kind is the registry's.
            if id == "messaging.receive.client" {
                assert_eq!(plan.kind, SpanKind::Consumer);
            } else {
                assert_eq!(def.kinds, [plan.kind], "{attr}: {id}");
            }
            // Every definition but GraphQL's (v1.44.0 requires nothing there) requires
            // something: none would mean the requirements were lost on the way.
            assert!(
                def.required().next().is_some() || id == "span.graphql.server",
                "{id} requires nothing"
            );
            for key in def.required() {
                assert!(
                    registry.exact(key).is_some(),
                    "{id}: `{key}` is not in the table"
                );
                let by_option = domain.options().iter().any(|o| o.key == Some(key));
                let filled = plan.filled.contains(&key);
                let per_call = plan.per_call.contains(&key);
                assert!(
                    by_option || filled || per_call,
                    "{attr}: `{key}`, required by `{id}`, cannot be given"
                );
            }
            for key in plan.filled.iter().chain(plan.per_call) {
                assert!(def.requirement(key).is_some(), "{id} does not name `{key}`");
            }
        }
        assert_eq!(named, 21);
    }
}
