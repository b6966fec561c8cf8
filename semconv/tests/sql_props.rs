//! Properties: a secret written as a literal, in any way the dialect allows, never
//! survives sanitization, whatever SQL surrounds it; and in statements of every kind
//! the summary reads, no secret in a literal or credential position reaches the text
//! or the summary.

use proptest::prelude::*;
use semtrace_semconv::sql::{Dialect, sanitize, sanitize_and_summarize};

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

/// Statements of every kind the summary reads, with `{L}` where a literal goes, `{N}`
/// a number and `{C}` a credential (a password written with or without quotes).
const STATEMENTS: &[&str] = &[
    "SELECT * FROM users WHERE name = {L} AND id IN ({L}, {N}, -{N})",
    "SELECT * FROM table WHERE value IN ({N}, {L})",
    "INSERT INTO t (a, b) VALUES ({L}, {N}+{N})",
    "UPDATE users SET token = {L} WHERE id = {N}",
    "DELETE FROM sessions WHERE token = {L}",
    "REPLACE users SET a = {L}",
    "UPSERT INTO t (a) VALUES ({L})",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = {L}",
    "WITH cte AS (SELECT * FROM t WHERE a = {L}) SELECT * FROM cte",
    "SELECT * FROM (SELECT a FROM t1 WHERE b = {L}) sub, t3",
    "SELECT * FROM t1, t2 JOIN t3 ON t3.x = {L}, t4",
    "SELECT * FROM (t1), (t2) CROSS APPLY f({L}) x",
    "EXPLAIN SELECT * FROM t WHERE a = {L}",
    "VALUES ({L}, {N})",
    "CALL proc({L}, {N})",
    "call next value for seq",
    "from Entity e where e.name = {L}",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "USE db",
    "SHOW TABLES LIKE {L}",
    "LOCK TABLE users",
    "GRANT SELECT ON users TO u IDENTIFIED BY {C}",
    "REVOKE ALL PRIVILEGES ON db.* FROM {L}@{L}",
    "CREATE USER u IDENTIFIED BY {C}",
    "CREATE USER u IDENTIFIED WITH plugin BY {C}",
    "ALTER USER u IDENTIFIED BY {C} REPLACE {C}",
    "CREATE ROLE r WITH LOGIN PASSWORD {C} VALID UNTIL {L}",
    "CREATE LOGIN l WITH PASSWORD = {C}",
    "CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = {L}, SECRET = {C}",
    "IMPORT T1 FROM {L} WITH ENCRYPTION PASSWORD {C}",
    "SET PASSWORD FOR u = {L}",
    "ALTER TABLE t2 DROP COLUMN c, DROP COLUMN d",
    "CREATE TABLE users (id INT DEFAULT {N}, password TEXT DEFAULT {L})",
];

/// The forms a credential takes: bare, or quoted as the dialect quotes strings or
/// names.
fn credentials(dialect: Dialect, secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_owned(),
        format!("'{secret}'"),
        format!("\"{secret}\""),
    ];
    match dialect {
        Dialect::MySql | Dialect::Sqlite => forms.push(format!("`{secret}`")),
        Dialect::SqlServer => forms.push(format!("[{secret}]")),
        _ => {}
    }
    forms
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_secret_in_text_or_summary(
        dialect in prop::sample::select(DIALECTS.to_vec()),
        marker in "Zq[a-z0-9]{6}",
        number in 100_000_000_u64..1_000_000_000,
        before in body(),
        after in body(),
        statements in prop::collection::vec(prop::sample::select(STATEMENTS.to_vec()), 1..4),
        picks in prop::collection::vec(0_usize..8, 16),
    ) {
        let secret = format!("{before}{marker}{after}");
        let literals = literals(dialect, &secret);
        let credentials = credentials(dialect, &marker);
        let mut pick = picks.iter().cycle();
        let mut query = String::new();
        for statement in &statements {
            let mut rest = *statement;
            while let Some(at) = rest.find('{') {
                query.push_str(&rest[..at]);
                let slot = &rest[at..at + 3];
                let n = *pick.next().unwrap_or(&0);
                match slot {
                    "{L}" => query.push_str(&literals[n % literals.len()]),
                    "{C}" => query.push_str(&credentials[n % credentials.len()]),
                    _ => query.push_str(&number.to_string()),
                }
                rest = &rest[at + 3..];
            }
            query.push_str(rest);
            query.push_str("; ");
        }
        let mut text = String::new();
        let mut summary = String::new();
        sanitize_and_summarize(dialect, &query, Some(&mut text), &mut summary);
        let number = number.to_string();
        for leak in [marker.as_str(), number.as_str()] {
            prop_assert!(
                !text.contains(leak) && !summary.contains(leak),
                "{:?} leaked {:?}: {:?} -> {:?} / {:?}", dialect, leak, query, text, summary
            );
        }
    }
}
