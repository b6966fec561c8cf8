//! Per-dialect corpora: every literal position holds a secret, and the exact
//! sanitized text is asserted along with the secret's absence.

use super::{Dialect, PartKind, sanitize, sanitize_and_summarize, summarize, summary_parts};

const SECRET: &str = "s3cr3t";

/// Sanitizes `query`, asserts no secret survives and the text is `expected`.
#[track_caller]
fn clean(dialect: Dialect, query: &str, expected: &str) {
    let got = sanitize(dialect, query);
    assert!(
        !got.contains(SECRET) && !got.contains("4242"),
        "{dialect:?} leaked a secret: {query:?} -> {got:?}"
    );
    assert_eq!(got, expected, "{dialect:?}: {query:?}");
}

#[test]
fn postgresql() {
    use Dialect::PostgreSql as Pg;
    // A backslash is an ordinary character in a standard string.
    clean(
        Pg,
        r"SELECT * FROM files WHERE dir = 'C:\' AND path = 's3cr3t'",
        "SELECT * FROM files WHERE dir = ? AND path = ?",
    );
    clean(
        Pg,
        r"SELECT E'it\'s s3cr3t', e'\\', 'o''s3cr3t'",
        "SELECT ?, ?, ?",
    );
    clean(
        Pg,
        "SELECT U&'d\\0061s3cr3t' UESCAPE '!'",
        "SELECT ? UESCAPE ?",
    );
    clean(
        Pg,
        "SELECT $$s3cr3t 'quoted'$$, $tag$ $$ s3cr3t $tag$, $1",
        "SELECT ?, ?, $1",
    );
    clean(
        Pg,
        "SELECT B'1010', X'4242', 0x4242, 4242::int, '4242'::text, 1.5e-3, .42",
        "SELECT ?, ?, ?, ?::int, ?::text, ?, ?",
    );
    clean(
        Pg,
        "SELECT \"we\"\"ird\" FROM t /* a /* nested s3cr3t */ still s3cr3t */ WHERE x = 1",
        "SELECT \"we\"\"ird\" FROM t  WHERE x = ?",
    );
    clean(
        Pg,
        "UPDATE t SET v = 'multi\nline s3cr3t' -- s3cr3t\nWHERE id = $2",
        "UPDATE t SET v = ? \nWHERE id = $2",
    );
}

#[test]
fn mysql() {
    use Dialect::MySql as My;
    clean(
        My,
        r#"SELECT * FROM users WHERE token = "s3cr3t" AND name = 'o\'s3cr3t' # s3cr3t"#,
        "SELECT * FROM users WHERE token = ? AND name = ? ",
    );
    clean(
        My,
        r"SELECT 'C:\\', 'a\'s3cr3t\\', _utf8mb4's3cr3t', N's3cr3t', x'4242', b'0101', 0x4242",
        "SELECT ?, ?, ?, ?, ?, ?, ?",
    );
    clean(
        My,
        "SELECT `we``ird` FROM t WHERE a = ? /*! s3cr3t */",
        "SELECT `we``ird` FROM t WHERE a = ? ",
    );
    // A backslash escapes the closing quote: the literal goes on to the next quote.
    clean(My, r"SELECT 'it\' , s3cr3t'", "SELECT ?");
}

#[test]
fn sqlite() {
    use Dialect::Sqlite as Lite;
    // `"…"` is a string where no name is expected.
    clean(
        Lite,
        r#"SELECT * FROM "users" WHERE name = "s3cr3t" AND dir = 'C:\'"#,
        r#"SELECT * FROM "users" WHERE name = ? AND dir = ?"#,
    );
    clean(
        Lite,
        "SELECT [odd col], `x` FROM t WHERE b = X'4242' AND c = ?1 AND d = :name AND e = @p",
        "SELECT [odd col], `x` FROM t WHERE b = ? AND c = ?1 AND d = :name AND e = @p",
    );
    clean(Lite, "SELECT t.\"col\" FROM t", "SELECT t.\"col\" FROM t");
}

#[test]
fn sql_server() {
    use Dialect::SqlServer as Ms;
    clean(
        Ms,
        "SELECT [a]]b] FROM [dbo].[users] WHERE name = N's3cr3t' AND id = @p1 AND n = @@ROWCOUNT",
        "SELECT [a]]b] FROM [dbo].[users] WHERE name = ? AND id = @p1 AND n = @@ROWCOUNT",
    );
    clean(
        Ms,
        r"SELECT 'C:\', 's3cr3t', 0x4242 /* /* s3cr3t */ s3cr3t */",
        "SELECT ?, ?, ? ",
    );
}

#[test]
fn oracle() {
    use Dialect::Oracle as Ora;
    clean(
        Ora,
        "SELECT q'[it's s3cr3t]', Q'{s3cr3t}', q'!s3cr3t!', nq'<s3cr3t>', N's3cr3t' FROM dual WHERE id = :1 AND n = :name",
        "SELECT ?, ?, ?, ?, ? FROM dual WHERE id = :1 AND n = :name",
    );
    clean(
        Ora,
        r"SELECT 'C:\', 's3cr3t' FROM dual",
        "SELECT ?, ? FROM dual",
    );
}

#[test]
fn other_systems_sanitize_anything_that_could_be_a_literal() {
    use Dialect::Other;
    // A backslash makes the end of the string uncertain: the rest goes.
    clean(Other, r"SELECT 'C:\' , 's3cr3t'", "SELECT ?");
    clean(Other, r"SELECT 'a', 'it\'s s3cr3t'", "SELECT ?, ?");
    clean(
        Other,
        "SELECT \"s3cr3t\", $$s3cr3t$$, E'\\s3cr3t' FROM t # s3cr3t",
        "SELECT ?, ?, ? FROM t ",
    );
    clean(Other, "SELECT q'[it's s3cr3t]'", "SELECT ?");
}

#[test]
fn unsure_input_replaces_the_rest() {
    for dialect in ALL {
        for query in [
            "SELECT 'unterminated s3cr3t",
            "SELECT \"unterminated s3cr3t",
            "SELECT $$s3cr3t",
            "SELECT q'[s3cr3t",
            "SELECT x FROM `s3cr3t",
            "SELECT 1 /* s3cr3t",
        ] {
            let got = sanitize(dialect, query);
            assert!(!got.contains(SECRET), "{dialect:?}: {query:?} -> {got:?}");
        }
    }
    for dialect in [Dialect::SqlServer, Dialect::Sqlite] {
        assert_eq!(
            sanitize(dialect, "SELECT x FROM [s3cr3t"),
            "SELECT x FROM ?"
        );
    }
    assert_eq!(
        sanitize(Dialect::PostgreSql, "SELECT a, 'open s3cr3t"),
        "SELECT a, ?"
    );
}

const ALL: [Dialect; 6] = [
    Dialect::PostgreSql,
    Dialect::MySql,
    Dialect::Sqlite,
    Dialect::SqlServer,
    Dialect::Oracle,
    Dialect::Other,
];

#[test]
fn unicode_and_long_input() {
    for dialect in ALL {
        clean(
            dialect,
            "SELECT ünï, 'ünï s3cr3t ✓' FROM tàble",
            "SELECT ünï, ? FROM tàble",
        );
        let long = format!("SELECT * FROM t WHERE a IN ({})", "'s3cr3t', ".repeat(5000));
        let got = sanitize(dialect, &long);
        assert!(!got.contains(SECRET));
        assert!(got.ends_with("?, )"), "{}", &got[got.len() - 10..]);
    }
}

#[test]
fn summaries_follow_the_conventions_examples() {
    let pg = Dialect::PostgreSql;
    assert_eq!(
        summarize(pg, "SELECT *\nFROM   wuser_table\nWHERE  username = ?"),
        "SELECT wuser_table"
    );
    assert_eq!(
        summarize(
            pg,
            "INSERT INTO shipping_details\n (order_id,\n address)\nSELECT order_id,\n address\nFROM orders\nWHERE order_id = ?"
        ),
        "INSERT shipping_details SELECT orders"
    );
    assert_eq!(
        summarize(
            pg,
            "SELECT *\nFROM   songs,\n       artists\nWHERE  songs.artist_id == artists.id"
        ),
        "SELECT songs artists"
    );
    assert_eq!(
        summarize(
            pg,
            "SELECT order_date\nFROM   (SELECT *\n        FROM   orders o\n               JOIN customers c\n                 ON o.customer_id = c.customer_id)"
        ),
        "SELECT SELECT orders customers"
    );
    assert_eq!(
        summarize(
            Dialect::Sqlite,
            "SELECT *\nFROM   \"song list\",\n       'artists'"
        ),
        "SELECT \"song list\" 'artists'"
    );
    assert_eq!(
        summarize(pg, "{call some_stored_procedure}"),
        "call some_stored_procedure"
    );
    assert_eq!(
        summarize(Dialect::SqlServer, "EXECUTE some_stored_procedure @id = 1"),
        "EXECUTE some_stored_procedure"
    );
}

#[test]
fn summaries_of_common_shapes() {
    let my = Dialect::MySql;
    for (query, summary) in [
        ("select * from users where id = 1", "select users"),
        ("UPDATE users SET name = 'x' WHERE id = 1", "UPDATE users"),
        (
            "DELETE FROM public.sessions s WHERE s.id = 1",
            "DELETE public.sessions",
        ),
        (
            "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2",
            "INSERT t",
        ),
        (
            "SELECT REPLACE(name, 'a', 'b') FROM `users`",
            "SELECT `users`",
        ),
        (
            "CREATE TABLE IF NOT EXISTS jobs (id INT)",
            "CREATE TABLE jobs",
        ),
        (
            "CREATE OR REPLACE VIEW v AS SELECT * FROM t",
            "CREATE VIEW v SELECT t",
        ),
        ("DROP INDEX idx_users", "DROP INDEX idx_users"),
        (
            "SELECT * FROM a LEFT JOIN b ON a.id = b.id, c",
            "SELECT a b",
        ),
        ("SELECT 1", "SELECT"),
        ("BEGIN", ""),
    ] {
        assert_eq!(summarize(my, query), summary, "{query}");
    }
    // A summary is cut between parts, never inside one.
    let mut many = String::new();
    for i in 0..100 {
        many.push_str("SELECT * FROM table_");
        many.push_str(&i.to_string());
        many.push_str("; ");
    }
    let summary = summarize(my, &many);
    assert!(summary.len() <= super::SUMMARY_MAX_LEN);
    assert!(summary.ends_with("SELECT") || summary.contains(" table_"));
    assert!(!summary.ends_with("table_"));
}

#[test]
fn one_pass_gives_both_and_the_parts() {
    let mut text = String::new();
    let mut summary = String::new();
    sanitize_and_summarize(
        Dialect::PostgreSql,
        "SELECT * FROM orders o JOIN customers c ON c.id = o.cid WHERE c.name = 'x'",
        Some(&mut text),
        &mut summary,
    );
    assert_eq!(
        text,
        "SELECT * FROM orders o JOIN customers c ON c.id = o.cid WHERE c.name = ?"
    );
    assert_eq!(summary, "SELECT orders customers");
    assert_eq!(
        summary_parts(Dialect::PostgreSql, "CREATE TABLE s.t (a int)"),
        [
            (PartKind::Operation, "CREATE TABLE".to_owned()),
            (PartKind::Target, "s.t".to_owned())
        ]
    );
}

#[test]
fn systems_pick_their_dialect() {
    assert_eq!(Dialect::from_system("mariadb"), Dialect::MySql);
    assert_eq!(
        Dialect::from_system("microsoft.sql_server"),
        Dialect::SqlServer
    );
    assert_eq!(Dialect::from_system("oracle.db"), Dialect::Oracle);
    assert_eq!(Dialect::from_system("h2"), Dialect::Other);
}
