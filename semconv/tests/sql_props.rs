//! Property: a secret written as a literal, in any way the dialect allows, never
//! survives sanitization, whatever SQL surrounds it.

use proptest::prelude::*;
use semtrace_semconv::sql::{Dialect, sanitize};

/// A secret's body: quotes, backslashes, dollars and Unicode around a marker.
fn body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("'".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("$".to_owned()),
            Just("`".to_owned()),
            Just("]".to_owned()),
            Just("--".to_owned()),
            Just("/*".to_owned()),
            Just("\n".to_owned()),
            Just("ü✓".to_owned()),
            "[a-z ]{1,4}",
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

const MARK: &str = "ZQXSECRET";

/// The literal forms of `secret` in `dialect`.
fn literals(dialect: Dialect, secret: &str) -> Vec<String> {
    let std = format!("'{}'", secret.replace('\'', "''"));
    let backslashed = secret.replace('\\', "\\\\");
    let mut forms = vec![];
    match dialect {
        Dialect::PostgreSql => {
            forms.push(std.clone());
            forms.push(format!("E'{}'", backslashed.replace('\'', "\\'")));
            forms.push(format!("U&'{}'", secret.replace('\'', "''")));
            if !secret.contains("$q$") {
                forms.push(format!("$q${secret}$q$"));
            }
            if !secret.contains("$$") && !secret.ends_with('$') {
                forms.push(format!("$${secret}$$"));
            }
        }
        Dialect::MySql => {
            forms.push(format!("'{}'", backslashed.replace('\'', "\\'")));
            forms.push(format!("\"{}\"", backslashed.replace('"', "\"\"")));
            forms.push(format!("_utf8mb4'{}'", backslashed.replace('\'', "''")));
        }
        Dialect::SqlServer => {
            forms.push(std.clone());
            forms.push(format!("N{std}"));
        }
        Dialect::Oracle => {
            forms.push(std.clone());
            if !secret.contains("]'") && !secret.ends_with(']') {
                forms.push(format!("q'[{secret}]'"));
            }
        }
        Dialect::Sqlite | Dialect::Other => {
            forms.push(std.clone());
            forms.push(format!("\"{}\"", secret.replace('"', "\"\"")));
        }
    }
    forms
}

const DIALECTS: [Dialect; 6] = [
    Dialect::PostgreSql,
    Dialect::MySql,
    Dialect::Sqlite,
    Dialect::SqlServer,
    Dialect::Oracle,
    Dialect::Other,
];

/// SQL around the literal: keywords, names, placeholders, numbers, comments.
fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("SELECT * FROM users WHERE name = ".to_owned()),
            Just(" AND id IN (".to_owned()),
            Just(", ".to_owned()),
            Just(") ".to_owned()),
            Just(" -- note\n".to_owned()),
            Just(" /* c */ ".to_owned()),
            Just("$1".to_owned()),
            Just(" ? ".to_owned()),
            Just(" 42 ".to_owned()),
            Just("::text".to_owned()),
            Just(" \"col\" ".to_owned()),
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_secret_survives(
        dialect in prop::sample::select(DIALECTS.to_vec()),
        before in body(),
        after in body(),
        head in filler(),
        tail in filler(),
        which in 0_usize..8,
        twice in any::<bool>(),
    ) {
        let secret = format!("{before}{MARK}{after}");
        let forms = literals(dialect, &secret);
        let literal = &forms[which % forms.len()];
        let mut query = format!("{head} {literal} {tail}");
        if twice {
            query = format!("{query} OR x = {literal}");
        }
        let clean = sanitize(dialect, &query);
        prop_assert!(
            !clean.contains(MARK),
            "{:?} leaked: {:?} -> {:?}", dialect, query, clean
        );
    }
}
