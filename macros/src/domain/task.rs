//! `#[traced_task]`: an internal span with every `task.*` and `worker.*` field of the
//! registry declared, so `record!` can fill them as the task goes.

use semtrace_semconv::spans::SpanKind;
use syn::Ident;

use super::{Domain, Plan, SpanName};
use crate::ctxt::Ctxt;
use crate::model::{Field, Opt, Options};

pub(crate) struct Task;

impl Domain for Task {
    fn attr(&self) -> &'static str {
        "traced_task"
    }

    fn options(&self) -> &'static [Opt] {
        &[]
    }

    fn plan(&self, _cx: &Ctxt, opts: &Options<'_>) -> Plan {
        let mut plan = Plan::new(SpanKind::Internal).metric("task.duration");
        plan.declared = opts
            .registry()
            .iter()
            .filter(|a| {
                (a.key.starts_with("task.") || a.key.starts_with("worker."))
                    && a.deprecated.is_none()
                    && !a.template
            })
            .map(|a| a.key)
            .collect();
        plan
    }

    fn span_name(&self, _fields: &[Field], _plan: &Plan, fn_name: &Ident) -> SpanName {
        SpanName::Static(super::fn_name(fn_name))
    }
}
