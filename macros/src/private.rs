//! The one spelling of the runtime path generated code names.
//!
//! Every path into the runtime goes through [`Private`]: `quote!(#PRIVATE::Span)`
//! expands to `::semtrace::__private_0_1_0::Span`, so the crate's name is written once.
//!
//! The module's name carries this crate's version, and the runtime declares that name
//! for its own version (`runtime/src/lib.rs`). Both are released together; a macros
//! crate paired with a runtime of another version fails to compile with "could not
//! find `__private_0_2_0` in `semtrace`", an error that names the version, instead of
//! a missing or changed item deep in an expansion.

use std::sync::LazyLock;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};

/// `::semtrace::__private_{version}`, as tokens.
#[derive(Clone, Copy)]
pub(crate) struct Private;

/// The path token to interpolate: `quote!(#PRIVATE::Span)`.
pub(crate) const PRIVATE: Private = Private;

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        // Spelled once per compiler process; an `Ident` cannot live in a `static`.
        static MODULE: LazyLock<String> = LazyLock::new(|| module_name(env!("CARGO_PKG_VERSION")));
        let module = Ident::new(&MODULE, Span::call_site());
        tokens.extend(quote!(::semtrace::#module));
    }
}

/// `__private_` and `version`, each character an identifier cannot hold (`.`, `-`,
/// `+`) written as `_`.
fn module_name(version: &str) -> String {
    let version = version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' });
    "__private_".chars().chain(version).collect()
}

#[cfg(test)]
mod tests {
    use super::{PRIVATE, module_name};

    #[test]
    fn the_module_name_carries_the_version() {
        assert_eq!(module_name("0.1.0"), "__private_0_1_0");
        assert_eq!(
            module_name("1.20.3-rc.1+build"),
            "__private_1_20_3_rc_1_build"
        );
    }

    #[test]
    fn the_path_names_this_crates_version() {
        let expected = format!(
            ":: semtrace :: __private_{}",
            env!("CARGO_PKG_VERSION").replace(['.', '-', '+'], "_")
        );
        assert_eq!(quote::quote!(#PRIVATE).to_string(), expected);
    }
}
