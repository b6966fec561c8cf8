//! The registry's required attributes: each domain names the span definition it
//! produces, and every attribute that definition requires must be set by an option,
//! given as a field (a bare key filled later by `record!` counts), or filled in by
//! semtrace from the outcome.

use proc_macro2::Span;
use semtrace_semconv::spans;

use super::options::all;
use crate::ctxt::Ctxt;
use crate::domain::{Domain, Plan, Takes};

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
