//! The function's entry in the telemetry catalogue: a `static` in the runtime's
//! distributed slice (linkme), gathered by the linker. Data only: nothing of it runs
//! when the function is called.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::{format_ident, quote};
use semtrace_semconv::ValueType;
use semtrace_semconv::spans::Requirement;

use crate::check::Spec;
use crate::check::catalogue::Literal;
use crate::domain::SpanName;
use crate::private::PRIVATE;

/// `static __SEMTRACE_CATALOGUE: CatalogueEntry = …;`, in `CATALOGUE`.
pub(super) fn entry(spec: &Spec, function: &str) -> TokenStream {
    let cat = &spec.catalogue;
    let domain = cat.domain;
    let span_name = match (&spec.name, &cat.rule) {
        (SpanName::Static(name), None) => quote!(#PRIVATE::CatalogueSpanName::Static(#name)),
        (SpanName::Static(fallback) | SpanName::Dynamic { fallback, .. }, rule) => {
            let rule = rule.as_deref().unwrap_or(fallback);
            quote!(#PRIVATE::CatalogueSpanName::Rule { rule: #rule, fallback: #fallback })
        }
    };
    let kind = format_ident!(
        "{}",
        match spec.kind.unwrap_or("internal") {
            "client" => "Client",
            "server" => "Server",
            "producer" => "Producer",
            "consumer" => "Consumer",
            _ => "Internal",
        }
    );
    let definition = cat.definition.map_or_else(
        || quote!(#PRIVATE::Option::None),
        |d| quote!(#PRIVATE::Option::Some(#d)),
    );
    let level = spec.level.to_string();
    let attributes = cat.attributes.iter().map(|a| {
        let key = &a.key;
        let ty = value_type(a.ty);
        let requirement = requirement(a.requirement);
        let value = match &a.value {
            None => quote!(PerCall),
            Some(Literal::Str(s)) => quote!(Str(#s)),
            Some(Literal::Int(i)) => {
                let i = Lit::i64_unsuffixed(*i);
                quote!(Int(#i))
            }
            Some(Literal::Double(d)) => {
                let d = Lit::f64_unsuffixed(*d);
                quote!(Double(#d))
            }
            Some(Literal::Bool(b)) => quote!(Bool(#b)),
        };
        quote! {
            #PRIVATE::CatalogueAttribute {
                key: #key,
                ty: #PRIVATE::ValueType::#ty,
                requirement: #PRIVATE::Requirement::#requirement,
                value: #PRIVATE::CatalogueValue::#value,
            }
        }
    });
    let metric = match &spec.metric {
        None => quote!(#PRIVATE::Option::None),
        Some(m) => {
            let (name, unit, brief) = (m.name, m.unit, m.brief);
            let attrs = cat.metric_attributes.iter().map(|(key, r)| {
                let r = requirement(*r);
                quote! {
                    #PRIVATE::CatalogueMetricAttribute {
                        key: #key,
                        requirement: #PRIVATE::Requirement::#r,
                    }
                }
            });
            quote! {
                #PRIVATE::Option::Some(#PRIVATE::CatalogueMetric {
                    name: #name,
                    unit: #unit,
                    brief: #brief,
                    attributes: &[#(#attrs),*],
                })
            }
        }
    };
    quote! {
        #[#PRIVATE::linkme::distributed_slice(#PRIVATE::CATALOGUE)]
        #[linkme(crate = #PRIVATE::linkme)]
        static __SEMTRACE_CATALOGUE: #PRIVATE::CatalogueEntry = #PRIVATE::CatalogueEntry {
            domain: #domain,
            function: #function,
            span_name: #span_name,
            kind: #PRIVATE::SpanKind::#kind,
            definition: #definition,
            level: #level,
            attributes: &[#(#attributes),*],
            metric: #metric,
            location: #PRIVATE::CatalogueLocation {
                module_path: #PRIVATE::module_path!(),
                file: #PRIVATE::file!(),
                line: #PRIVATE::line!(),
            },
        };
    }
}

fn value_type(t: ValueType) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        match t {
            ValueType::String => "String",
            ValueType::Int => "Int",
            ValueType::Double => "Double",
            ValueType::Boolean => "Boolean",
            ValueType::Any => "Any",
            ValueType::StringArray => "StringArray",
            ValueType::IntArray => "IntArray",
            ValueType::DoubleArray => "DoubleArray",
            ValueType::BooleanArray => "BooleanArray",
        }
    )
}

fn requirement(r: Requirement) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        match r {
            Requirement::Required => "Required",
            Requirement::ConditionallyRequired => "ConditionallyRequired",
            Requirement::Recommended => "Recommended",
            Requirement::OptIn => "OptIn",
        }
    )
}
