//! SQL query sanitization and summaries, shared by the macros (literal queries, at
//! compile time) and the runtime (queries known only at run time).
//!
//! One scanner reads the query once, with the quoting rules of its dialect, and feeds
//! two outputs: the sanitized text (`db.query.text`: every literal becomes `?`,
//! comments are dropped, placeholders stay) and the summary (`db.query.summary`:
//! operations and their targets in order, such as `SELECT orders customers`).
//!
//! The scanner fails safe: where it cannot be sure how the query is quoted (an
//! unterminated quote, a backslash in a dialect where its meaning is unknown) it
//! replaces the rest of the statement by one `?` rather than guess.
#![allow(clippy::doc_markdown)] // product names (PostgreSQL, MySQL) are not code

/// The SQL dialect a query is read in, chosen by `db.system.name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL (and CockroachDB): standard strings, `E'…'`, dollar quoting.
    PostgreSql,
    /// MySQL and MariaDB: backslash escapes, `"…"` strings, `#` comments.
    MySql,
    /// SQLite: `"…"` may be a string when it names nothing.
    Sqlite,
    /// Microsoft SQL Server: `N'…'`, `[bracketed]` identifiers.
    SqlServer,
    /// Oracle: `q'[…]'` quoting.
    Oracle,
    /// Any other or unknown system: everything that could be a literal is one.
    Other,
}

impl Dialect {
    /// The dialect of a `db.system.name` value; [`Dialect::Other`] when unknown.
    pub fn from_system(system: &str) -> Self {
        match system {
            "postgresql" | "cockroachdb" => Self::PostgreSql,
            "mysql" | "mariadb" => Self::MySql,
            "sqlite" => Self::Sqlite,
            "microsoft.sql_server" | "mssql" => Self::SqlServer,
            "oracle.db" | "oracle" => Self::Oracle,
            _ => Self::Other,
        }
    }

    /// The variant's name, for generated code.
    pub fn variant_name(self) -> &'static str {
        match self {
            Self::PostgreSql => "PostgreSql",
            Self::MySql => "MySql",
            Self::Sqlite => "Sqlite",
            Self::SqlServer => "SqlServer",
            Self::Oracle => "Oracle",
            Self::Other => "Other",
        }
    }

    fn rules(self) -> Rules {
        let base = Rules {
            backslash: Backslash::Literal,
            double_quote: DoubleQuote::Identifier,
            backtick_ident: false,
            bracket_ident: false,
            hash_comment: false,
            nested_comments: false,
            dollar_quotes: false,
            q_quotes: false,
            escape_strings: false,
        };
        match self {
            Self::PostgreSql => Rules {
                nested_comments: true,
                dollar_quotes: true,
                escape_strings: true,
                ..base
            },
            Self::MySql => Rules {
                backslash: Backslash::Escape,
                double_quote: DoubleQuote::Literal,
                backtick_ident: true,
                hash_comment: true,
                ..base
            },
            Self::Sqlite => Rules {
                double_quote: DoubleQuote::Either,
                backtick_ident: true,
                bracket_ident: true,
                ..base
            },
            Self::SqlServer => Rules {
                bracket_ident: true,
                nested_comments: true,
                ..base
            },
            Self::Oracle => Rules {
                q_quotes: true,
                ..base
            },
            Self::Other => Rules {
                backslash: Backslash::Unknown,
                double_quote: DoubleQuote::Either,
                backtick_ident: true,
                hash_comment: true,
                nested_comments: true,
                dollar_quotes: true,
                q_quotes: true,
                escape_strings: true,
                ..base
            },
        }
    }
}

/// What a backslash means inside a string literal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backslash {
    /// A character like any other (standard SQL).
    Literal,
    /// It escapes the next character (MySQL).
    Escape,
    /// Either: a string holding one cannot be delimited with certainty.
    Unknown,
}

/// What `"…"` is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DoubleQuote {
    Identifier,
    Literal,
    /// An identifier where a name is expected, else possibly a string (SQLite).
    Either,
}

#[derive(Clone, Copy)]
#[allow(clippy::struct_excessive_bools)] // one switch per quoting feature
struct Rules {
    backslash: Backslash,
    double_quote: DoubleQuote,
    backtick_ident: bool,
    bracket_ident: bool,
    hash_comment: bool,
    nested_comments: bool,
    dollar_quotes: bool,
    q_quotes: bool,
    escape_strings: bool,
}

/// The longest summary, per the conventions; it is cut between parts.
pub const SUMMARY_MAX_LEN: usize = 255;

/// Replaces the literals of `query` by `?` and drops its comments, reading it in
/// `dialect`.
pub fn sanitize(dialect: Dialect, query: &str) -> String {
    let mut text = String::with_capacity(query.len());
    scan(dialect, query, Some(&mut text), None, None);
    text
}

/// The query's summary: its operations and their targets in order, such as
/// `INSERT shipping_details SELECT orders`. Empty when no operation is recognised.
pub fn summarize(dialect: Dialect, query: &str) -> String {
    let mut summary = String::new();
    scan(dialect, query, None, Some(&mut summary), None);
    summary
}

/// [`sanitize`] and [`summarize`] in one pass, appending to `text` (when given) and
/// `summary`; nothing else is allocated.
pub fn sanitize_and_summarize(
    dialect: Dialect,
    query: &str,
    text: Option<&mut String>,
    summary: &mut String,
) {
    scan(dialect, query, text, Some(summary), None);
}

/// What a part of a summary is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// `SELECT`, `CREATE TABLE`, …
    Operation,
    /// A table, procedure or other target, as written.
    Target,
}

/// The parts of the summary, each with its kind.
pub fn summary_parts(dialect: Dialect, query: &str) -> Vec<(PartKind, String)> {
    let mut summary = String::new();
    let mut parts = Vec::new();
    scan(dialect, query, None, Some(&mut summary), Some(&mut parts));
    parts
}

fn scan(
    dialect: Dialect,
    query: &str,
    text: Option<&mut String>,
    summary: Option<&mut String>,
    parts: Option<&mut Vec<(PartKind, String)>>,
) {
    let mut scanner = Scanner {
        q: query,
        b: query.as_bytes(),
        i: 0,
        rules: dialect.rules(),
        text,
        summary: Summary {
            out: summary,
            parts,
            state: State::Idle,
            prev_word: "",
            after_dot: false,
            full: false,
            part_start: 0,
        },
    };
    if scanner.run().is_err() {
        // Fail safe: nothing after the point of doubt leaves the process.
        scanner.push_text("?");
    }
}

/// The scanner could not delimit a literal.
struct Unsure;

struct Scanner<'q, 'o> {
    q: &'q str,
    b: &'q [u8],
    i: usize,
    rules: Rules,
    text: Option<&'o mut String>,
    summary: Summary<'q, 'o>,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl Scanner<'_, '_> {
    fn push_text(&mut self, s: &str) {
        if let Some(t) = self.text.as_deref_mut() {
            t.push_str(s);
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// The next byte that is not whitespace, from `i`.
    fn next_significant(&self, mut i: usize) -> u8 {
        while self.at(i).is_ascii_whitespace() {
            i += 1;
        }
        self.at(i)
    }

    fn prev_significant(&self, start: usize) -> u8 {
        self.b[..start]
            .iter()
            .rev()
            .copied()
            .find(|c| !c.is_ascii_whitespace())
            .unwrap_or(0)
    }

    fn run(&mut self) -> Result<(), Unsure> {
        while self.i < self.b.len() {
            let start = self.i;
            let c = self.b[start];
            let next = self.at(start + 1);
            match c {
                b'\'' => {
                    let escapes = self.rules.backslash;
                    let end = self.quoted(start + 1, b'\'', escapes)?;
                    self.literal(start, end, true);
                }
                b'"' => match self.rules.double_quote {
                    DoubleQuote::Identifier => {
                        let end = self.quoted(start + 1, b'"', Backslash::Literal)?;
                        self.identifier(start, end);
                    }
                    DoubleQuote::Literal => {
                        let end = self.quoted(start + 1, b'"', self.rules.backslash)?;
                        self.literal(start, end, false);
                    }
                    DoubleQuote::Either => {
                        let end = self.quoted(start + 1, b'"', self.rules.backslash)?;
                        let names = self.summary.expects_name()
                            || self.prev_significant(start) == b'.'
                            || self.at(end) == b'.';
                        if names {
                            self.identifier(start, end);
                        } else {
                            self.literal(start, end, false);
                        }
                    }
                },
                b'`' if self.rules.backtick_ident => {
                    let end = self.quoted(start + 1, b'`', Backslash::Literal)?;
                    self.identifier(start, end);
                }
                // Quoting this dialect does not know.
                b'`' => return Err(Unsure),
                b'[' if self.rules.bracket_ident => {
                    let end = self.quoted(start + 1, b']', Backslash::Literal)?;
                    self.identifier(start, end);
                }
                b'-' if next == b'-' => self.line_comment(start),
                b'#' if self.rules.hash_comment => self.line_comment(start),
                b'/' if next == b'*' => self.block_comment(start),
                b'$' if self.rules.dollar_quotes && (next == b'$' || is_word_start(next)) => {
                    self.dollar(start)?;
                }
                b'$' if next == b'$' => return Err(Unsure),
                b'0'..=b'9' => self.number(start),
                b'.' if next.is_ascii_digit() => self.number(start),
                b'?' | b'$' | b'@' | b':' if self.placeholder(start) => {}
                _ if is_word_start(c) => self.word(start)?,
                _ => {
                    // One character; `len_utf8` keeps multi-byte text intact.
                    let ch = self.q[start..].chars().next().unwrap_or('\u{fffd}');
                    self.i = start + ch.len_utf8();
                    self.push_text(&self.q[start..self.i]);
                    if !ch.is_whitespace() {
                        self.summary.punct(c);
                    }
                }
            }
        }
        Ok(())
    }

    /// The end (one past the closing quote) of a literal or quoted identifier whose
    /// body starts at `from`; a doubled `close` stands for itself.
    fn quoted(&self, from: usize, close: u8, backslash: Backslash) -> Result<usize, Unsure> {
        let mut i = from;
        loop {
            match self.b.get(i) {
                None => return Err(Unsure),
                Some(&b) if b == close => {
                    if self.at(i + 1) == close {
                        i += 2;
                        continue;
                    }
                    return Ok(i + 1);
                }
                Some(b'\\') => match backslash {
                    Backslash::Literal => i += 1,
                    Backslash::Escape => i += 2,
                    Backslash::Unknown => return Err(Unsure),
                },
                Some(_) => i += 1,
            }
        }
    }

    fn literal(&mut self, start: usize, end: usize, single_quoted: bool) {
        self.i = end;
        self.push_text("?");
        // `FROM 'artists'`: a quoted name where a name is expected (SQLite, MySQL).
        if single_quoted && self.summary.expects_name() {
            self.summary.name(&self.q[start..end]);
        } else {
            self.summary.other();
        }
    }

    fn identifier(&mut self, start: usize, end: usize) {
        self.i = end;
        self.push_text(&self.q[start..end]);
        self.summary.name(&self.q[start..end]);
    }

    fn line_comment(&mut self, start: usize) {
        let end = self.q[start..]
            .find('\n')
            .map_or(self.b.len(), |n| start + n);
        self.i = end;
        self.comment_gap();
    }

    fn block_comment(&mut self, start: usize) {
        let mut depth = 0_usize;
        let mut i = start;
        while i < self.b.len() {
            if self.at(i) == b'/' && self.at(i + 1) == b'*' {
                if depth > 0 && !self.rules.nested_comments {
                    i += 2;
                    continue;
                }
                depth += 1;
                i += 2;
            } else if self.at(i) == b'*' && self.at(i + 1) == b'/' {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    break;
                }
            } else {
                i += 1;
            }
        }
        // Unterminated: the rest is comment, and a comment is dropped.
        self.i = i.min(self.b.len());
        self.comment_gap();
    }

    /// A dropped comment still separates the words around it.
    fn comment_gap(&mut self) {
        let Some(t) = self.text.as_deref_mut() else {
            return;
        };
        let glued = t
            .as_bytes()
            .last()
            .is_some_and(|&c| !c.is_ascii_whitespace())
            && self
                .b
                .get(self.i)
                .is_some_and(|&c| !c.is_ascii_whitespace());
        if glued {
            t.push(' ');
        }
    }

    /// `$$…$$` and `$tag$…$tag$`; `$1` and `$name` are placeholders.
    fn dollar(&mut self, start: usize) -> Result<(), Unsure> {
        let mut j = start + 1;
        while self.at(j).is_ascii_alphanumeric() || self.at(j) == b'_' {
            j += 1;
        }
        if self.at(j) != b'$' {
            // `$name`: a placeholder.
            self.i = j;
            self.push_text(&self.q[start..j]);
            self.summary.other();
            return Ok(());
        }
        let tag = &self.q[start..=j];
        let body = j + 1;
        let Some(len) = self.q[body..].find(tag) else {
            return Err(Unsure);
        };
        let end = body + len + tag.len();
        self.literal(start, end, false);
        Ok(())
    }

    fn number(&mut self, start: usize) {
        let mut i = start;
        loop {
            let c = self.at(i);
            let exponent_sign = (c == b'+' || c == b'-')
                && i > start
                && matches!(self.at(i - 1), b'e' | b'E')
                && self.b[start].is_ascii_digit()
                && !self.q[start..i].starts_with("0x")
                && self.at(i + 1).is_ascii_digit();
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
                i += 1;
            } else {
                break;
            }
        }
        self.i = i;
        self.push_text("?");
        self.summary.other();
    }

    /// `?`, `?1`, `$1`, `:name`, `@p1`, `@@ROWCOUNT`: copied as they are.
    fn placeholder(&mut self, start: usize) -> bool {
        let c = self.b[start];
        let mut j = start + 1;
        match c {
            b'?' => {}
            b'$' if self.at(j).is_ascii_digit() => {}
            b':' if (is_word_start(self.at(j)) || self.at(j).is_ascii_digit())
                && self.prev_significant(start) != b':'
                && !is_word_char(self.at(start.wrapping_sub(1))) => {}
            b'@' => {
                if self.at(j) == b'@' {
                    j += 1;
                }
                if !is_word_start(self.at(j)) {
                    return false;
                }
            }
            _ => return false,
        }
        while is_word_char(self.at(j)) {
            j += 1;
        }
        self.i = j;
        self.push_text(&self.q[start..j]);
        self.summary.other();
        true
    }

    fn word(&mut self, start: usize) -> Result<(), Unsure> {
        let mut end = start;
        while end < self.b.len() && is_word_char(self.b[end]) {
            end += 1;
        }
        // Keep UTF-8 boundaries: a non-ASCII byte run ends on a char boundary.
        while !self.q.is_char_boundary(end) {
            end += 1;
        }
        let word = &self.q[start..end];
        let quote = self.at(end);
        // Prefixes that belong to the literal after them: `E'…'`, `N'…'`, `X'…'`,
        // `B'…'`, `_utf8mb4'…'`, `U&'…'`, `q'[…]'`.
        if quote == b'\'' || (quote == b'"' && self.rules.double_quote == DoubleQuote::Literal) {
            let upper = |s: &str| word.eq_ignore_ascii_case(s);
            if self.rules.q_quotes && (upper("q") || upper("nq")) {
                return self.q_quote(start, end);
            }
            let backslash = if self.rules.escape_strings && upper("e") {
                Some(Backslash::Escape)
            } else if upper("n") || upper("x") || upper("b") || word.starts_with('_') {
                Some(self.rules.backslash)
            } else {
                None
            };
            if let Some(backslash) = backslash {
                let end = self.quoted(end + 1, quote, backslash)?;
                self.literal(start, end, false);
                return Ok(());
            }
        }
        if (word == "U" || word == "u") && self.at(end) == b'&' && self.at(end + 1) == b'\'' {
            let end = self.quoted(end + 2, b'\'', Backslash::Literal)?;
            self.literal(start, end, false);
            return Ok(());
        }
        self.i = end;
        self.push_text(word);
        let call = self.next_significant(end) == b'(';
        self.summary.word(word, call);
        Ok(())
    }

    /// Oracle's `q'X…X'`, where a bracket closes with its partner.
    fn q_quote(&mut self, start: usize, prefix_end: usize) -> Result<(), Unsure> {
        let open = self.at(prefix_end + 1);
        if open == 0 || open.is_ascii_whitespace() {
            return Err(Unsure);
        }
        let close = match open {
            b'[' => b']',
            b'{' => b'}',
            b'(' => b')',
            b'<' => b'>',
            c => c,
        };
        let body = prefix_end + 2;
        let mut i = body;
        loop {
            if i + 1 >= self.b.len() {
                return Err(Unsure);
            }
            if self.b[i] == close && self.b[i + 1] == b'\'' {
                break;
            }
            i += 1;
        }
        // Read as plain strings, a quote inside would end the literal earlier.
        if self.rules.backslash == Backslash::Unknown && self.b[body..i].contains(&b'\'') {
            return Err(Unsure);
        }
        self.literal(start, i + 2, false);
        Ok(())
    }
}

/// Where the summary's reader stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// After `FROM`, `JOIN`, `INTO`, …: a name comes next. `list` after `FROM`, where
    /// `,` brings another.
    Target {
        list: bool,
    },
    /// Right after a target's name: `.`, an alias or `,` may follow.
    AfterName {
        list: bool,
    },
    /// After `CREATE`, `ALTER`, `DROP`: the kind of object comes next.
    ObjectKind,
}

struct Summary<'q, 'o> {
    out: Option<&'o mut String>,
    parts: Option<&'o mut Vec<(PartKind, String)>>,
    state: State,
    prev_word: &'q str,
    after_dot: bool,
    full: bool,
    /// Where the current part starts in `out`, to undo a part cut by the limit.
    part_start: usize,
}

const OPERATIONS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "ALTER",
    "DROP", "TRUNCATE", "CALL", "EXEC", "EXECUTE",
];
const TARGET_KEYWORDS: &[&str] = &["FROM", "JOIN", "INTO", "USING", "TABLE"];
const OBJECT_KINDS: &[&str] = &[
    "TABLE",
    "INDEX",
    "VIEW",
    "SCHEMA",
    "DATABASE",
    "SEQUENCE",
    "FUNCTION",
    "PROCEDURE",
    "TRIGGER",
    "TYPE",
    "EXTENSION",
    "USER",
    "ROLE",
];
/// Words skipped where a name is expected.
const NAME_MODIFIERS: &[&str] = &[
    "ONLY",
    "LATERAL",
    "IF",
    "NOT",
    "EXISTS",
    "IGNORE",
    "LOW_PRIORITY",
    "OR",
    "TEMP",
    "TEMPORARY",
    "UNIQUE",
    "GLOBAL",
    "LOCAL",
    "MATERIALIZED",
    "UNLOGGED",
    "CONCURRENTLY",
    "REPLACE",
    "TABLE",
];
/// Words that end a target (never an alias).
const CLAUSES: &[&str] = &[
    "WHERE",
    "ON",
    "USING",
    "SET",
    "VALUES",
    "VALUE",
    "GROUP",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "MINUS",
    "RETURNING",
    "WINDOW",
    "FETCH",
    "FOR",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "CROSS",
    "NATURAL",
    "STRAIGHT_JOIN",
    "WITH",
    "DEFAULT",
    "OUTPUT",
    "PARTITION",
    "USE",
    "FORCE",
    "TABLESAMPLE",
    "WHEN",
    "SELECT",
    "AND",
];

fn one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|k| word.eq_ignore_ascii_case(k))
}

impl<'q> Summary<'q, '_> {
    fn expects_name(&self) -> bool {
        matches!(self.state, State::Target { .. }) || self.after_dot
    }

    fn push(&mut self, kind: PartKind, part: &str, new_part: bool) {
        let Some(out) = self.out.as_deref_mut() else {
            return;
        };
        if self.full {
            return;
        }
        if new_part {
            self.part_start = out.len();
        }
        let sep = usize::from(new_part && !out.is_empty());
        if out.len() + sep + part.len() > SUMMARY_MAX_LEN {
            // Never cut inside an operation or a target.
            out.truncate(self.part_start);
            if let Some(parts) = self.parts.as_deref_mut()
                && !new_part
            {
                parts.pop();
            }
            self.full = true;
            return;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(part);
        if let Some(parts) = self.parts.as_deref_mut() {
            match parts.last_mut() {
                Some((_, last)) if !new_part => last.push_str(part),
                _ => parts.push((kind, part.to_owned())),
            }
        }
    }

    fn name(&mut self, name: &str) {
        if self.after_dot {
            // `schema.table`: the dot and the rest belong to the same target.
            self.after_dot = false;
            self.push(PartKind::Target, ".", false);
            self.push(PartKind::Target, name, false);
            return;
        }
        if let State::Target { list } = self.state {
            self.push(PartKind::Target, name, true);
            self.state = State::AfterName { list };
        } else if let State::AfterName { .. } = self.state {
            // An alias.
        } else {
            self.state = State::Idle;
        }
    }

    fn word(&mut self, word: &'q str, call: bool) {
        let prev = std::mem::replace(&mut self.prev_word, word);
        if self.after_dot {
            self.name(word);
            return;
        }
        match self.state {
            State::ObjectKind => {
                if one_of(word, OBJECT_KINDS) {
                    self.push(PartKind::Operation, " ", false);
                    self.push(PartKind::Operation, word, false);
                    self.state = State::Target { list: false };
                    return;
                }
                if one_of(word, NAME_MODIFIERS) {
                    return;
                }
                self.state = State::Target { list: false };
            }
            State::Target { .. } if one_of(word, NAME_MODIFIERS) => return,
            State::AfterName { .. } if word.eq_ignore_ascii_case("AS") => return,
            _ => {}
        }
        // `ON DUPLICATE KEY UPDATE`, `DO UPDATE`, `FOR UPDATE`, `OR REPLACE` start
        // no statement.
        let clause = (word.eq_ignore_ascii_case("UPDATE") && one_of(prev, &["KEY", "DO", "FOR"]))
            || (word.eq_ignore_ascii_case("REPLACE") && prev.eq_ignore_ascii_case("OR"));
        let is_operation = one_of(word, OPERATIONS) && !call && !clause;
        if is_operation {
            self.push(PartKind::Operation, word, true);
            self.state = if one_of(word, &["CREATE", "ALTER", "DROP", "TRUNCATE"]) {
                State::ObjectKind
            } else if one_of(word, &["UPDATE", "CALL", "EXEC", "EXECUTE"]) {
                State::Target { list: false }
            } else {
                State::Idle
            };
            return;
        }
        if one_of(word, TARGET_KEYWORDS) && !call {
            self.state = State::Target {
                list: word.eq_ignore_ascii_case("FROM"),
            };
            return;
        }
        match self.state {
            State::Target { .. } if !one_of(word, CLAUSES) => self.name(word),
            // An alias: `orders o`.
            State::AfterName { .. } if !one_of(word, CLAUSES) && !call => {}
            _ => self.state = State::Idle,
        }
    }

    fn punct(&mut self, c: u8) {
        match (c, self.state) {
            (b'.', State::AfterName { .. }) => self.after_dot = true,
            (b',', State::AfterName { list: true }) => self.state = State::Target { list: true },
            _ => {
                self.after_dot = false;
                self.state = State::Idle;
            }
        }
    }

    fn other(&mut self) {
        self.after_dot = false;
        self.state = State::Idle;
    }
}

#[cfg(test)]
mod tests;
