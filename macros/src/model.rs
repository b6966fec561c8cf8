//! What the checks (`check/`) and the domains (`domain/`) both read: the options a
//! macro takes and the values given for them, the fields that passed their checks,
//! and the "unknown …; did you mean" message both write.
//!
//! A leaf: it imports nothing of the crate but `parse` (a leaf too), so `domain/` and
//! `check/` both point here and never at each other's types.

use std::fmt::Write as _;

use proc_macro2::TokenStream;
use semtrace_semconv::{Registry, ValueType};
use syn::{Expr, Ident};

use crate::parse::{self, FieldValue, OptArg, Sigil};

/// What an option takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// A bare word: `client`.
    Flag,
    /// A string literal: `level = "debug"`.
    Str,
    /// `true` or `false`.
    Bool,
    /// A value for the option's field, as a field takes it (`%`, `?`, any expression).
    Field,
    /// A string literal for the option's field: it names the span.
    LiteralField,
    /// An expression the expansion uses (`parent = headers`).
    Expr,
}

/// The side of a call an option belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Server,
    Client,
}

/// One option of a domain.
pub(crate) struct Opt {
    pub(crate) name: &'static str,
    /// The field it stands for.
    pub(crate) key: Option<&'static str>,
    pub(crate) takes: Takes,
    /// Only on this side, with the message for the other.
    pub(crate) only: Option<(Side, &'static str)>,
    /// An example value, for "needs …" messages.
    pub(crate) example: &'static str,
}

impl Opt {
    pub(crate) const fn new(name: &'static str, takes: Takes) -> Self {
        Self {
            name,
            key: None,
            takes,
            only: None,
            example: "",
        }
    }

    pub(crate) const fn field(name: &'static str, key: &'static str, takes: Takes) -> Self {
        Self {
            key: Some(key),
            ..Self::new(name, takes)
        }
    }

    pub(crate) const fn example(self, example: &'static str) -> Self {
        Self { example, ..self }
    }

    pub(crate) const fn only(self, side: Side, why: &'static str) -> Self {
        Self {
            only: Some((side, why)),
            ..self
        }
    }
}

/// One option as given, its value already checked against what it takes.
#[derive(Clone, Copy)]
pub(crate) struct Given<'a> {
    pub(crate) opt: &'static Opt,
    arg: &'a OptArg,
    /// Whether the value is what the option takes.
    valid: bool,
}

impl<'a> Given<'a> {
    /// `arg` given for `opt`; `valid` when its value is what the option takes.
    pub(crate) fn new(opt: &'static Opt, arg: &'a OptArg, valid: bool) -> Self {
        Self { opt, arg, valid }
    }

    /// The option's name as the user wrote it, for error spans.
    pub(crate) fn name(&self) -> &'a Ident {
        &self.arg.name
    }

    /// The value, when valid.
    pub(crate) fn value(&self) -> Option<&'a Expr> {
        self.arg.value.as_ref().filter(|_| self.valid)
    }

    /// The value as a string literal, when it is one.
    pub(crate) fn literal(&self) -> Option<(String, &'a Expr)> {
        let expr = self.value()?;
        if !matches!(self.arg.sigil, Sigil::Value) {
            return None;
        }
        parse::literal(expr)
            .and_then(parse::Lit::str_value)
            .map(|s| (s, expr))
    }

    /// The value of a `true` / `false` option.
    pub(crate) fn bool(&self) -> Option<bool> {
        match parse::literal(self.value()?)?.lit {
            syn::Lit::Bool(b) => Some(b.value),
            _ => None,
        }
    }

    /// The value for the option's field, with its sigil.
    pub(crate) fn field_value(&self) -> Option<FieldValue> {
        Some(FieldValue {
            sigil: self.arg.sigil.clone(),
            expr: self.arg.value.clone()?,
            literal_only: self.opt.takes == Takes::LiteralField,
        })
    }
}

/// The options given to one macro.
pub(crate) struct Options<'a> {
    registry: &'a Registry,
    given: Vec<Given<'a>>,
}

impl<'a> Options<'a> {
    pub(crate) fn new(registry: &'a Registry, given: Vec<Given<'a>>) -> Self {
        Self { registry, given }
    }

    /// Every option given, in the order written.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Given<'a>> {
        self.given.iter()
    }

    /// The option `name`, when given.
    pub(crate) fn get(&self, name: &str) -> Option<Given<'a>> {
        self.given.iter().find(|g| g.opt.name == name).copied()
    }

    /// The registry the fields are checked against.
    pub(crate) fn registry(&self) -> &'a Registry {
        self.registry
    }
}

/// How a checked field's value is recorded.
#[derive(Clone)]
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
#[derive(Clone)]
pub(crate) struct Field {
    pub(crate) key: String,
    /// The user's tokens that named the field, for warnings.
    pub(crate) key_tokens: TokenStream,
    pub(crate) record: FieldRecord,
    /// The deprecation message, for a deprecated field.
    pub(crate) deprecated: Option<String>,
    /// The option that set it, if one did.
    pub(crate) option: Option<&'static str>,
}

impl Field {
    /// A field semtrace gives a literal value (found in another field's literal).
    pub(crate) fn given(key: &str, literal: Expr) -> Self {
        Self {
            record: FieldRecord::Literal(literal),
            ..Self::empty(key)
        }
    }

    /// A field declared empty, for `record!` or the outcome to fill.
    pub(crate) fn empty(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            key_tokens: TokenStream::new(),
            record: FieldRecord::Empty,
            deprecated: None,
            option: None,
        }
    }
}

/// `unknown {what} `given`; did you mean …? (expected one of …)`.
pub(crate) fn one_of(what: &str, given: &str, allowed: &[&str]) -> String {
    let mut msg = format!("unknown {what} `{given}`");
    if let Some(best) = closest(given, allowed.iter().copied()) {
        let _ = write!(msg, "; did you mean `{best}`?");
    }
    let _ = write!(
        msg,
        " (expected one of {})",
        quoted(allowed.iter().copied())
    );
    msg
}

/// `` `a`, `b` ``, for lists in messages.
pub(crate) fn quoted<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest candidate above the suggestion threshold.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    semtrace_semconv::suggest::closest(given, candidates)
}
