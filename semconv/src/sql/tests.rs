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
        assert!(got.ends_with("IN (?)"), "{}", &got[got.len() - 10..]);
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
            "SELECT a b c",
        ),
        ("SELECT 1", "SELECT"),
        ("BEGIN", "BEGIN"),
        ("IMPORT T1 FROM x", ""),
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

#[track_caller]
fn summaries(dialect: Dialect, cases: &[(&str, &str)]) {
    for (query, summary) in cases {
        assert_eq!(summarize(dialect, query), *summary, "{dialect:?}: {query}");
    }
}

#[test]
fn signs_belong_to_their_number() {
    for dialect in ALL {
        clean(
            dialect,
            "SELECT 12, -12, +12, -.5, 1e-3, 99+100",
            "SELECT ?, ?, ?, ?, ?, ??",
        );
        // After a name or `)`, a sign is an operator.
        clean(
            dialect,
            "SELECT a-1, (b)+2, c - -3",
            "SELECT a-?, (b)+?, c - ?",
        );
        clean(dialect, "SELECT 1 -- s3cr3t\n", "SELECT ? \n");
    }
}

#[test]
fn in_lists_of_literals_collapse() {
    for dialect in ALL {
        clean(
            dialect,
            "SELECT * FROM t WHERE a IN (1, 's3cr3t', -2, ?) AND b NOT IN ( 3 , /* c */ 4 )",
            "SELECT * FROM t WHERE a IN (?) AND b NOT IN (?)",
        );
        // Any other item keeps the list as written.
        clean(
            dialect,
            "SELECT * FROM t WHERE a IN (1, b) OR c IN (SELECT 1) OR d IN ($1, 2) OR e IN ()",
            "SELECT * FROM t WHERE a IN (?, b) OR c IN (SELECT ?) OR d IN ($1, ?) OR e IN ()",
        );
    }
    // Only after `IN`.
    clean(
        Dialect::MySql,
        "INSERT INTO t VALUES (1, 2)",
        "INSERT INTO t VALUES (?, ?)",
    );
}

#[test]
fn long_text_is_never_cut() {
    let query = format!("SELECT {} FROM t", "a, ".repeat(100_000));
    let text = sanitize(Dialect::PostgreSql, &query);
    assert_eq!(text, query);
}

#[test]
fn unquoted_secrets_become_placeholders() {
    for dialect in ALL {
        for (query, expected) in [
            (
                "CREATE USER u IDENTIFIED BY Password1",
                "CREATE USER u IDENTIFIED BY ?",
            ),
            (
                "ALTER USER u IDENTIFIED BY p1s3cr3t REPLACE p2s3cr3t",
                "ALTER USER u IDENTIFIED BY ? REPLACE ?",
            ),
            (
                "CREATE USER u IDENTIFIED WITH mysql_native_password BY s3cr3t",
                "CREATE USER u IDENTIFIED WITH mysql_native_password BY ?",
            ),
            (
                "IMPORT T1 FROM '/backup/export_dir' WITH ENCRYPTION PASSWORD s3cr3t",
                "IMPORT T1 FROM ? WITH ENCRYPTION PASSWORD ?",
            ),
            (
                "CREATE LOGIN l WITH PASSWORD = s3cr3t!x, CHECK_POLICY = OFF",
                "CREATE LOGIN l WITH PASSWORD = ?, CHECK_POLICY = OFF",
            ),
            (
                "CREATE CREDENTIAL c WITH IDENTITY = 'u', SECRET = s3cr3t",
                "CREATE CREDENTIAL c WITH IDENTITY = ?, SECRET = ?",
            ),
            (
                "CREATE ROLE r LOGIN PASSWORD 's3cr3t'; ALTER USER u PASSWORD EXPIRE",
                "CREATE ROLE r LOGIN PASSWORD ?; ALTER USER u PASSWORD EXPIRE",
            ),
            (
                "SET PASSWORD FOR u = PASSWORD('s3cr3t')",
                "SET PASSWORD FOR u = PASSWORD(?)",
            ),
        ] {
            clean(dialect, query, expected);
            let summary = summarize(dialect, query);
            assert!(
                !summary.contains(SECRET),
                "{dialect:?}: {query} -> {summary}"
            );
        }
    }
    // In identifier quotes too.
    clean(
        Dialect::Oracle,
        "CREATE USER u IDENTIFIED BY \"s3cr3t pass\"",
        "CREATE USER u IDENTIFIED BY ?",
    );
    clean(
        Dialect::SqlServer,
        "CREATE LOGIN l WITH PASSWORD = [s3cr3t]",
        "CREATE LOGIN l WITH PASSWORD = ?",
    );
    // A `password` column in a query or a table is no credential.
    for dialect in ALL {
        for query in [
            "SELECT password FROM users WHERE id = ?",
            "CREATE TABLE users (password TEXT, secret TEXT)",
            "UPDATE users SET password = ? WHERE id = ?",
        ] {
            assert_eq!(sanitize(dialect, query), query, "{dialect:?}");
        }
        assert_eq!(
            summarize(
                dialect,
                "(SELECT password FROM users) UNION (SELECT secret FROM t)"
            ),
            "SELECT users SELECT t"
        );
    }
}

#[test]
fn no_literal_in_the_summary() {
    for dialect in ALL {
        summaries(
            dialect,
            &[
                (
                    "IMPORT T1 FROM '/backup/export_dir' WITH ENCRYPTION PASSWORD x",
                    "",
                ),
                (
                    "REVOKE ALL PRIVILEGES ON db.* FROM 'user'@'host'",
                    "REVOKE db.*",
                ),
                ("SELECT 'x' FROM t WHERE a = 'y'", "SELECT t"),
                ("INSERT INTO t VALUES ('x')", "INSERT t"),
                ("UPDATE t SET a = 'x'", "UPDATE t"),
            ],
        );
    }
    // Where the dialect reads it as a name, after a recognised operation only.
    for dialect in [Dialect::Sqlite, Dialect::MySql] {
        summaries(
            dialect,
            &[
                ("SELECT * FROM 'artists'", "SELECT 'artists'"),
                ("COPY x FROM 'file'", ""),
            ],
        );
    }
    for dialect in [
        Dialect::PostgreSql,
        Dialect::SqlServer,
        Dialect::Oracle,
        Dialect::Other,
    ] {
        summaries(dialect, &[("SELECT * FROM 'artists'", "SELECT")]);
    }
}

#[test]
fn transaction_control_use_show() {
    summaries(
        Dialect::MySql,
        &[
            ("BEGIN", "BEGIN"),
            ("begin transaction", "begin transaction"),
            ("START TRANSACTION READ ONLY", "START TRANSACTION"),
            ("COMMIT", "COMMIT"),
            ("ROLLBACK TO SAVEPOINT sp1", "ROLLBACK"),
            ("SAVEPOINT sp1", "SAVEPOINT"),
            ("USE inventory", "USE inventory"),
            ("SHOW TABLES", "SHOW"),
            ("SHOW CREATE TABLE users", "SHOW users"),
            ("SHOW COLUMNS FROM users", "SHOW users"),
            ("SHOW VARIABLES LIKE 'max%'", "SHOW"),
        ],
    );
}

#[test]
fn grant_and_revoke_name_their_object() {
    summaries(
        Dialect::PostgreSql,
        &[
            ("GRANT SELECT ON users TO u", "GRANT users"),
            ("REVOKE SELECT ON users FROM u", "REVOKE users"),
            (
                "GRANT SELECT, INSERT ON TABLE public.users TO u",
                "GRANT public.users",
            ),
            ("GRANT USAGE ON SCHEMA app TO u", "GRANT app"),
            ("GRANT SELECT ON ALL TABLES IN SCHEMA app TO u", "GRANT app"),
            ("GRANT EXECUTE ON FUNCTION f(int) TO u", "GRANT f"),
            ("GRANT admin TO u", "GRANT"),
        ],
    );
}

#[test]
fn lock_call_explain_values() {
    summaries(
        Dialect::PostgreSql,
        &[
            ("LOCK TABLE users IN EXCLUSIVE MODE", "LOCK TABLE users"),
            ("LOCK users", "LOCK users"),
            ("CALL refresh(1, 'x')", "CALL refresh"),
            ("call next value for seq", "call seq"),
            ("SELECT NEXT VALUE FOR dbo.seq", "SELECT dbo.seq"),
            ("{call some_proc(?)}", "call some_proc"),
            ("EXPLAIN SELECT * FROM t", "EXPLAIN SELECT t"),
            (
                "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM t",
                "EXPLAIN SELECT t",
            ),
            ("EXPLAIN QUERY PLAN DELETE FROM t", "EXPLAIN DELETE t"),
            ("VALUES (1, 'a'), (2, 'b')", "VALUES"),
            ("SELECT * FROM (VALUES (1), (2)) AS v(a)", "SELECT VALUES"),
        ],
    );
    summaries(
        Dialect::MySql,
        &[
            ("LOCK TABLES t1 READ, t2 WRITE", "LOCK TABLES t1 t2"),
            ("UNLOCK TABLES", "UNLOCK TABLES"),
        ],
    );
}

#[test]
fn merge_upsert_replace() {
    summaries(
        Dialect::Other,
        &[
            (
                "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v \
                 WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
                "MERGE t s",
            ),
            (
                "MERGE INTO t USING (SELECT * FROM src) s ON (t.id = s.id) WHEN MATCHED THEN DELETE",
                "MERGE t SELECT src",
            ),
            ("UPSERT INTO t (a) VALUES (1)", "UPSERT t"),
            ("REPLACE INTO t (a) VALUES (1)", "REPLACE t"),
            ("REPLACE users SET name = 'x'", "REPLACE users"),
            ("INSERT IGNORE INTO t VALUES (1)", "INSERT t"),
            ("INSERT INTO table VALUES (1)", "INSERT table"),
        ],
    );
}

#[test]
fn jpa_queries_without_select() {
    summaries(
        Dialect::Other,
        &[
            ("from Entity", "SELECT Entity"),
            ("from Order o where o.id = :id", "SELECT Order"),
            ("select o from Order o", "select Order"),
        ],
    );
}

#[test]
fn every_table_of_a_from_list() {
    summaries(
        Dialect::Other,
        &[
            (
                "SELECT * FROM (SELECT a FROM t1) sub, t3",
                "SELECT SELECT t1 t3",
            ),
            (
                "SELECT * FROM t1, t2 JOIN t3 ON t2.a = t3.a AND t3.b IN (1, 2), t4",
                "SELECT t1 t2 t3 t4",
            ),
            ("SELECT * FROM (t1), (t2)", "SELECT t1 t2"),
            (
                "SELECT * FROM a CROSS APPLY dbo.f(a.id) x OUTER APPLY (SELECT * FROM b) y",
                "SELECT a dbo.f SELECT b",
            ),
            (
                "SELECT * FROM a LEFT JOIN b USING (id), c WHERE x IN (1, 2) ORDER BY d, e",
                "SELECT a b c",
            ),
            (
                "SELECT * FROM only t, LATERAL (SELECT 1) x",
                "SELECT t SELECT",
            ),
            ("SELECT * FROM table, temp, only", "SELECT table temp only"),
            ("SELECT c FROM /* block */ table", "SELECT table"),
            ("UPDATE t1, t2 SET a = 1, b = 2", "UPDATE t1 t2"),
            ("DROP TABLE IF EXISTS a, b", "DROP TABLE a b"),
            (
                "SELECT * FROM generate_series(1, 3) g, t",
                "SELECT generate_series t",
            ),
        ],
    );
}

#[test]
fn common_table_expressions_are_not_tables() {
    summaries(
        Dialect::PostgreSql,
        &[
            (
                "WITH cte AS (SELECT * FROM t) SELECT * FROM cte",
                "SELECT t SELECT",
            ),
            (
                "WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a), \
                 b AS NOT MATERIALIZED (SELECT * FROM t) SELECT * FROM a JOIN b ON true JOIN c ON true",
                "SELECT SELECT SELECT t SELECT c",
            ),
        ],
    );
}

#[test]
fn one_operation_per_clause() {
    summaries(
        Dialect::MySql,
        &[
            (
                "ALTER TABLE t2 DROP COLUMN c, DROP COLUMN d",
                "ALTER TABLE t2",
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE",
                "ALTER TABLE t",
            ),
            (
                "CREATE TABLE t (a INT REFERENCES u (id) ON DELETE CASCADE ON UPDATE CASCADE)",
                "CREATE TABLE t",
            ),
            ("SELECT * FROM t FOR UPDATE", "SELECT t"),
            ("ALTER VIEW v AS SELECT * FROM t", "ALTER VIEW v SELECT t"),
        ],
    );
}

#[test]
fn statements_are_separated_by_semicolons() {
    summaries(
        Dialect::PostgreSql,
        &[
            ("SELECT * FROM a; SELECT * FROM b;", "SELECT a; SELECT b"),
            (
                "BEGIN; UPDATE t SET a = 1; COMMIT",
                "BEGIN; UPDATE t; COMMIT",
            ),
            ("SET x = 1; SELECT 1", "SELECT"),
            ("SELECT 1;; ; DELETE FROM t", "SELECT; DELETE t"),
        ],
    );
    assert_eq!(
        summary_parts(Dialect::PostgreSql, "SELECT * FROM a; DROP TABLE b"),
        [
            (PartKind::Operation, "SELECT".to_owned()),
            (PartKind::Target, "a".to_owned()),
            (PartKind::Operation, "DROP TABLE".to_owned()),
            (PartKind::Target, "b".to_owned()),
        ]
    );
}

#[test]
fn case_is_kept_as_written() {
    summaries(
        Dialect::Other,
        &[
            ("SELEcT a FROM ORders", "SELEcT ORders"),
            ("lock table Users", "lock table Users"),
            ("Grant select on Users to u", "Grant Users"),
        ],
    );
}
