//! Collects every error of one expansion so the user sees them all in one compile.

use std::cell::RefCell;

use proc_macro2::TokenStream;

/// Error collector. Call [`Ctxt::check`] before dropping it.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanned on `tokens`.
    pub(crate) fn error_spanned_by<T: quote::ToTokens>(
        &self,
        tokens: T,
        message: impl std::fmt::Display,
    ) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    pub(crate) fn syn_error(&self, err: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(err);
    }

    /// All errors combined, or `Ok` when there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.take().expect("Ctxt checked twice").into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        assert!(
            std::thread::panicking() || self.errors.borrow().is_none(),
            "forgot to check for errors"
        );
    }
}

/// Emits `errors` followed by the user's item unchanged, so one mistake gives one
/// error and not a cascade of "cannot find function" errors at every caller.
pub(crate) fn with_item(errors: &syn::Error, item: TokenStream) -> TokenStream {
    let mut out = errors.to_compile_error();
    out.extend(item);
    out
}
