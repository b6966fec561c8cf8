//! SQL query sanitization and summaries, shared by the macros (literal queries, at
//! compile time) and the runtime (queries known only at run time).
//!
//! One scanner reads the query once, with the quoting rules of its dialect, and feeds
//! two outputs: the sanitized text (`db.query.text`: every literal becomes `?`,
//! comments are dropped, placeholders stay) and the summary (`db.query.summary`:
//! operations and their targets in order, such as `SELECT orders customers`).
//!
//! Secrets written without quotes (`IDENTIFIED BY Password1`, `PASSWORD x`) become
//! `?` too, and nothing of a literal ever reaches the summary.
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
            quoted_names: false,
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
                quoted_names: true,
                ..base
            },
            Self::Sqlite => Rules {
                double_quote: DoubleQuote::Either,
                backtick_ident: true,
                bracket_ident: true,
                quoted_names: true,
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
    /// `FROM 'artists'`: a single-quoted name where a table is expected.
    quoted_names: bool,
}

/// The longest summary, per the conventions; it is cut between parts.
pub const SUMMARY_MAX_LEN: usize = 255;

/// Replaces the literals of `query` by `?` and drops its comments, reading it in
/// `dialect`. A list of literals after `IN` becomes one: `IN (?)`.
pub fn sanitize(dialect: Dialect, query: &str) -> String {
    let mut text = String::with_capacity(query.len());
    scan(dialect, query, Some(&mut text), None, None);
    text
}

/// The query's summary: its operations and their targets in order, such as
/// `INSERT shipping_details SELECT orders`; statements separated by `;` are
/// separated by `; `. Empty when no operation is recognised.
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
    let rules = dialect.rules();
    let mut scanner = Scanner {
        q: query,
        b: query.as_bytes(),
        i: 0,
        rules,
        text,
        name_end: usize::MAX,
        in_list: InList::None,
        summary: Summary::new(summary, parts, rules.quoted_names),
    };
    if scanner.run().is_err() {
        // Fail safe: nothing after the point of doubt leaves the process.
        scanner.push_text("?");
    }
}

/// The scanner could not delimit a literal.
struct Unsure;

/// Where the scanner stands in an `IN (…)` list, which becomes `IN (?)` when it holds
/// only literals and `?`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InList {
    None,
    /// `IN` was read; `(` comes next.
    Expected,
    /// In the list, whose items start at this offset of the text.
    Open {
        start: usize,
        items: bool,
    },
}

/// What follows a word, for the summary's look-ahead.
#[derive(Clone, Copy)]
enum Next<'q> {
    /// `(`: the word is a function, or a list follows.
    Open,
    Word(&'q str),
    Other,
}

struct Scanner<'q, 'o> {
    q: &'q str,
    b: &'q [u8],
    i: usize,
    rules: Rules,
    text: Option<&'o mut String>,
    /// Where the last name or `)` ended: a sign right after it is an operator.
    name_end: usize,
    in_list: InList,
    summary: Summary<'q, 'o>,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Words after `PASSWORD` that are options, not the password.
const PASSWORD_OPTIONS: &[&str] = &["EXPIRE", "HISTORY", "REUSE", "REQUIRE", "NULL", "FOR"];

impl<'q> Scanner<'q, '_> {
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

    /// The end of the word starting at `start`, on a UTF-8 boundary.
    fn word_end(&self, start: usize) -> usize {
        let mut end = start;
        while end < self.b.len() && is_word_char(self.b[end]) {
            end += 1;
        }
        // A non-ASCII byte run ends on a char boundary.
        while !self.q.is_char_boundary(end) {
            end += 1;
        }
        end
    }

    fn next_token(&self, from: usize) -> Next<'q> {
        let mut i = from;
        while self.at(i).is_ascii_whitespace() {
            i += 1;
        }
        match self.at(i) {
            b'(' => Next::Open,
            c if is_word_start(c) => Next::Word(&self.q[i..self.word_end(i)]),
            _ => Next::Other,
        }
    }

    fn run(&mut self) -> Result<(), Unsure> {
        while self.i < self.b.len() {
            let start = self.i;
            if self.summary.secret && self.secret(start)? {
                continue;
            }
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
                // A sign belongs to the number it is written against (`-12`, `99+100`),
                // unless it follows a name or `)`, where it is an operator.
                b'-' | b'+'
                    if self.name_end != start
                        && (next.is_ascii_digit()
                            || (next == b'.' && self.at(start + 2).is_ascii_digit())) =>
                {
                    self.number(start + 1);
                }
                b'?' | b'$' | b'@' | b':' if self.placeholder(start) => {}
                _ if is_word_start(c) => self.word(start)?,
                _ => {
                    // One character; `len_utf8` keeps multi-byte text intact.
                    let ch = self.q[start..].chars().next().unwrap_or('\u{fffd}');
                    self.i = start + ch.len_utf8();
                    if !ch.is_whitespace() {
                        self.punct(c);
                    }
                    self.push_text(&self.q[start..self.i]);
                }
            }
        }
        Ok(())
    }

    /// Where a secret comes next (after `IDENTIFIED BY`, `PASSWORD`, …), a value
    /// without quotes or in identifier quotes becomes `?` too. True when the token at
    /// `start` was read here.
    fn secret(&mut self, start: usize) -> Result<bool, Unsure> {
        let c = self.b[start];
        let close = match c {
            b'"' if self.rules.double_quote == DoubleQuote::Identifier => Some(b'"'),
            b'`' if self.rules.backtick_ident => Some(b'`'),
            b'[' if self.rules.bracket_ident => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            let end = self.quoted(start + 1, close, Backslash::Literal)?;
            self.literal(start, end, false);
            return Ok(true);
        }
        let next = self.at(start + 1);
        let normal = c.is_ascii_whitespace()
            || matches!(c, b'=' | b'(' | b')' | b',' | b';' | b'\'' | b'"' | b'`')
            || matches!(c, b'?' | b'$' | b'@' | b':' | b'.' | b'0'..=b'9')
            || (c == b'-' && next == b'-')
            || (c == b'/' && next == b'*')
            || (c == b'#' && self.rules.hash_comment);
        if normal {
            return Ok(false);
        }
        if is_word_start(c) {
            let end = self.word_end(start);
            let word = &self.q[start..end];
            let quote = self.at(end);
            let u_amp = (word == "U" || word == "u") && quote == b'&';
            if u_amp || self.literal_prefix(word, quote).is_some() {
                // A literal's prefix (`N'…'`), read as such.
                return Ok(false);
            }
            if self.next_significant(end) == b'(' || one_of(word, PASSWORD_OPTIONS) {
                // `PASSWORD('…')`, `PASSWORD EXPIRE`: no secret here.
                self.summary.secret = false;
                return Ok(false);
            }
        }
        let mut end = start;
        while end < self.b.len()
            && !self.b[end].is_ascii_whitespace()
            && !matches!(self.b[end], b';' | b',' | b'(' | b')' | b'\'' | b'"' | b'`')
        {
            end += 1;
        }
        self.i = end;
        self.push_text("?");
        self.summary.other();
        Ok(true)
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

    /// A literal or `?` inside `IN (…)` keeps the list collapsible.
    fn list_item(&mut self) {
        match &mut self.in_list {
            InList::Open { items, .. } => *items = true,
            InList::Expected => self.in_list = InList::None,
            InList::None => {}
        }
    }

    fn literal(&mut self, start: usize, end: usize, single_quoted: bool) {
        self.i = end;
        self.push_text("?");
        self.list_item();
        // `FROM 'artists'`: a quoted name where a table is expected (SQLite, MySQL).
        if single_quoted && self.summary.takes_quoted_name() {
            self.summary.name(&self.q[start..end]);
        } else {
            self.summary.other();
        }
    }

    fn identifier(&mut self, start: usize, end: usize) {
        self.i = end;
        self.name_end = end;
        self.in_list = InList::None;
        self.push_text(&self.q[start..end]);
        self.summary.name(&self.q[start..end]);
    }

    fn punct(&mut self, c: u8) {
        match (c, self.in_list) {
            (b'(', InList::Expected) => {
                let start = self.text.as_deref().map_or(0, String::len) + 1;
                self.in_list = InList::Open {
                    start,
                    items: false,
                };
            }
            (b')', InList::Open { start, items }) => {
                self.in_list = InList::None;
                if items && let Some(t) = self.text.as_deref_mut() {
                    // Every item was a literal: one `?` stands for the list.
                    t.truncate(start);
                    t.push('?');
                }
            }
            (b',', InList::Open { .. }) => {}
            _ => self.in_list = InList::None,
        }
        if c == b')' || c == b']' {
            self.name_end = self.i;
        }
        self.summary.punct(c);
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
            self.in_list = InList::None;
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

    /// A number whose digits start at `digits` (after its sign, if any).
    fn number(&mut self, digits: usize) {
        let hex = self.at(digits) == b'0' && matches!(self.at(digits + 1), b'x' | b'X');
        let mut i = digits;
        loop {
            let c = self.at(i);
            let exponent_sign = (c == b'+' || c == b'-')
                && i > digits
                && matches!(self.at(i - 1), b'e' | b'E')
                && self.b[digits].is_ascii_digit()
                && !hex
                && self.at(i + 1).is_ascii_digit();
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
                i += 1;
            } else {
                break;
            }
        }
        self.i = i;
        self.push_text("?");
        self.list_item();
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
        if j > start + 1 && matches!(self.at(j), b'\'' | b'"') {
            // `@q'[…]'`, `:N'…'`: the word is a literal's prefix, not a name.
            return false;
        }
        self.i = j;
        self.name_end = j;
        if j == start + 1 && c == b'?' {
            // A bare `?` reads like a sanitized literal.
            self.list_item();
        } else {
            self.in_list = InList::None;
        }
        self.push_text(&self.q[start..j]);
        self.summary.other();
        true
    }

    /// Whether `word`, written right before a quote, is a literal's prefix.
    fn literal_prefix(&self, word: &str, quote: u8) -> Option<Prefix> {
        if quote != b'\'' && !(quote == b'"' && self.rules.double_quote == DoubleQuote::Literal) {
            return None;
        }
        let upper = |s: &str| word.eq_ignore_ascii_case(s);
        if self.rules.q_quotes && (upper("q") || upper("nq")) {
            return Some(Prefix::Q);
        }
        if self.rules.escape_strings && upper("e") {
            Some(Prefix::Plain(Backslash::Escape))
        } else if upper("n") || upper("x") || upper("b") || word.starts_with('_') {
            Some(Prefix::Plain(self.rules.backslash))
        } else {
            None
        }
    }

    fn word(&mut self, start: usize) -> Result<(), Unsure> {
        let end = self.word_end(start);
        let word = &self.q[start..end];
        let quote = self.at(end);
        // Prefixes that belong to the literal after them: `E'…'`, `N'…'`, `X'…'`,
        // `B'…'`, `_utf8mb4'…'`, `U&'…'`, `q'[…]'`.
        match self.literal_prefix(word, quote) {
            Some(Prefix::Q) => return self.q_quote(start, end),
            Some(Prefix::Plain(backslash)) => {
                let end = self.quoted(end + 1, quote, backslash)?;
                self.literal(start, end, false);
                return Ok(());
            }
            None => {}
        }
        if (word == "U" || word == "u") && self.at(end) == b'&' && self.at(end + 1) == b'\'' {
            let end = self.quoted(end + 2, b'\'', Backslash::Literal)?;
            self.literal(start, end, false);
            return Ok(());
        }
        self.i = end;
        self.name_end = end;
        self.push_text(word);
        let next = self.next_token(end);
        self.in_list = if matches!(next, Next::Open) && word.eq_ignore_ascii_case("IN") {
            InList::Expected
        } else {
            InList::None
        };
        self.summary.word(word, next);
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

/// A literal's prefix: `q'[…]'`, or one that keeps plain quoting.
enum Prefix {
    Q,
    Plain(Backslash),
}

/// Where the summary's reader stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A statement starts: its first word says what it is.
    Start,
    /// After `EXPLAIN` and its options: the statement explained comes next.
    Explain,
    Idle,
    /// After `FROM`, `JOIN`, `INTO`, …: a name comes next. `list` after `FROM` and
    /// `JOIN`, where `,` brings another.
    Target {
        list: bool,
    },
    /// Right after a target's name: `.`, an alias or `,` may follow.
    AfterName {
        list: bool,
    },
    /// After `CREATE`, `ALTER`, `DROP`, …: the kind of object comes next.
    ObjectKind {
        list: bool,
    },
    /// `NEXT`, then `VALUE FOR sequence`.
    NextValue,
    /// After `WITH`: a common table expression's name.
    CteName,
    /// After its name: column names, then `AS`.
    CteAfterName,
    /// After `AS`: its body in parentheses.
    CteAs,
    /// After its body: `,` and the next one, or the statement.
    CteAfterBody,
}

/// How a statement's words are read, from its first word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Queries and most DDL: operations anywhere, targets after `FROM`, `INTO`, …
    Normal,
    /// `ALTER …`: its clauses (`ADD`, `DROP COLUMN`) are not operations.
    Alter,
    /// `GRANT`, `REVOKE`: privileges are not operations; the target follows `ON`.
    Grant,
    /// `SHOW`: the target follows `FROM`, `IN` or `TABLE`.
    Show,
    /// Transaction control, `USE`: nothing after the operation and its target.
    Opaque,
}

/// What encloses a parenthesis: restored at its `)`.
#[derive(Clone, Copy)]
struct Frame {
    state: State,
    from: bool,
}

/// Parentheses deeper than this are read without their context.
const MAX_DEPTH: usize = 16;
/// Common table expressions remembered per statement.
const MAX_CTES: usize = 8;

#[allow(clippy::struct_excessive_bools)] // one flag per clause the reader tracks
struct Summary<'q, 'o> {
    out: Option<&'o mut String>,
    parts: Option<&'o mut Vec<(PartKind, String)>>,
    state: State,
    mode: Mode,
    prev_word: &'q str,
    after_dot: bool,
    /// Right after `(`: `VALUES` and `WITH` start a query there.
    after_open: bool,
    /// In a `FROM` list, where `,` brings another table, even after `JOIN … ON …`.
    from: bool,
    /// The statement has a recognised operation: its `FROM`, `INTO`, … name targets.
    has_op: bool,
    /// The last target was a common table expression, left out.
    hidden: bool,
    /// The dialect reads `FROM 'artists'` as a name.
    quoted_names: bool,
    /// `PASSWORD`, `IDENTIFIED BY` are credential clauses in this statement (not in
    /// queries or table DDL, where `password` is likely a column).
    credentials: bool,
    identified: bool,
    /// The next value is a secret.
    secret: bool,
    /// A `;` ended a statement that the summary names.
    separator: bool,
    full: bool,
    /// Where the current part starts in `out`, to undo a part cut by the limit.
    part_start: usize,
    frames: [Frame; MAX_DEPTH],
    depth: usize,
    ctes: [&'q str; MAX_CTES],
    cte_count: usize,
}

const OPERATIONS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "ALTER",
    "DROP", "TRUNCATE", "CALL", "EXEC", "EXECUTE",
];
/// Statements that read or write data: no credential clause in them.
const DATA_OPERATIONS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CALL", "EXEC",
    "EXECUTE", "VALUES", "WITH", "FROM", "EXPLAIN", "SHOW",
];
/// Words after which an operation's word is a clause: `ON DUPLICATE KEY UPDATE`,
/// `DO UPDATE`, `FOR UPDATE`, `OR REPLACE`, `ON DELETE`, `THEN INSERT`, `AFTER
/// INSERT`, `INSTEAD OF DELETE`.
const BEFORE_CLAUSE: &[&str] = &[
    "KEY", "DO", "FOR", "OR", "ON", "THEN", "AFTER", "BEFORE", "OF",
];
const TARGET_KEYWORDS: &[&str] = &["FROM", "JOIN", "INTO", "USING", "APPLY"];
const OBJECT_KINDS: &[&str] = &[
    "TABLE",
    "TABLES",
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
    "TRANSACTION",
    "TRAN",
    "LOGIN",
    "CREDENTIAL",
];
/// Object kinds whose DDL may name a `password` column.
const DATA_OBJECTS: &[&str] = &["TABLE", "INDEX", "VIEW", "SEQUENCE", "TYPE"];
/// Words before the object kind: `CREATE OR REPLACE TEMP TABLE IF NOT EXISTS`.
const KIND_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNIQUE",
    "GLOBAL",
    "LOCAL",
    "MATERIALIZED",
    "UNLOGGED",
    "EXTERNAL",
    "VIRTUAL",
    "RECURSIVE",
    "FULLTEXT",
    "SPATIAL",
    "CLUSTERED",
    "NONCLUSTERED",
    "IF",
    "NOT",
    "EXISTS",
];
/// Words before a name after `INTO`, `UPDATE`, `TABLE`, …, when a name follows them.
const NAME_MODIFIERS: &[&str] = &[
    "ONLY",
    "IF",
    "NOT",
    "EXISTS",
    "IGNORE",
    "LOW_PRIORITY",
    "HIGH_PRIORITY",
    "DELAYED",
    "QUICK",
    "OVERWRITE",
    "ALL",
    "CONCURRENTLY",
    "TABLE",
];
/// Words before a name in a `FROM` list.
const LIST_MODIFIERS: &[&str] = &["ONLY", "LATERAL", "LOW_PRIORITY", "IGNORE"];
/// Words before the target of `GRANT … ON`.
const GRANT_MODIFIERS: &[&str] = &[
    "TABLE",
    "SCHEMA",
    "DATABASE",
    "SEQUENCE",
    "FUNCTION",
    "PROCEDURE",
    "ALL",
    "TABLES",
    "SEQUENCES",
    "FUNCTIONS",
    "IN",
    "OBJECT",
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
    "JOIN",
    "APPLY",
];
/// Words that end a target even where a name is expected.
const TARGET_ENDS: &[&str] = &["WHERE", "SET", "VALUES", "VALUE", "SELECT", "ON", "DEFAULT"];
/// Clauses after which `,` no longer brings a table.
const FROM_ENDS: &[&str] = &[
    "WHERE",
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
    "OUTPUT",
];

fn one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|k| word.eq_ignore_ascii_case(k))
}

fn is(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

impl<'q, 'o> Summary<'q, 'o> {
    fn new(
        out: Option<&'o mut String>,
        parts: Option<&'o mut Vec<(PartKind, String)>>,
        quoted_names: bool,
    ) -> Self {
        Summary {
            out,
            parts,
            state: State::Start,
            mode: Mode::Normal,
            prev_word: "",
            after_dot: false,
            after_open: false,
            from: false,
            has_op: false,
            hidden: false,
            quoted_names,
            credentials: true,
            identified: false,
            secret: false,
            separator: false,
            full: false,
            part_start: 0,
            frames: [Frame {
                state: State::Idle,
                from: false,
            }; MAX_DEPTH],
            depth: 0,
            ctes: [""; MAX_CTES],
            cte_count: 0,
        }
    }

    fn expects_name(&self) -> bool {
        matches!(self.state, State::Target { .. }) || self.after_dot
    }

    /// Whether a single-quoted token here is a table's name: only where the dialect
    /// allows it, after a recognised operation, where a table is expected.
    fn takes_quoted_name(&self) -> bool {
        self.quoted_names
            && self.has_op
            && self.mode == Mode::Normal
            && !self.after_dot
            && matches!(self.state, State::Target { .. })
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
        let sep = match (new_part, out.is_empty(), self.separator) {
            (false, _, _) | (true, true, _) => "",
            (true, false, false) => " ",
            (true, false, true) => "; ",
        };
        if out.len() + sep.len() + part.len() > SUMMARY_MAX_LEN {
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
        if new_part {
            self.separator = false;
        }
        out.push_str(sep);
        out.push_str(part);
        if let Some(parts) = self.parts.as_deref_mut() {
            match parts.last_mut() {
                Some((_, last)) if !new_part => last.push_str(part),
                _ => parts.push((kind, part.to_owned())),
            }
        }
    }

    fn operation(&mut self, word: &str) {
        self.push(PartKind::Operation, word, true);
        self.has_op = true;
    }

    fn name(&mut self, name: &'q str) {
        if self.after_dot {
            // `schema.table`: the dot and the rest belong to the same target.
            self.after_dot = false;
            if !self.hidden {
                self.push(PartKind::Target, ".", false);
                self.push(PartKind::Target, name, false);
            }
            return;
        }
        match self.state {
            State::Target { list } => {
                // A common table expression is the statement's own, not a table.
                self.hidden = self.ctes[..self.cte_count]
                    .iter()
                    .any(|cte| cte.eq_ignore_ascii_case(name));
                if !self.hidden {
                    self.push(PartKind::Target, name, true);
                }
                self.state = State::AfterName { list };
            }
            State::CteName => self.cte(name),
            // An alias, or a name the summary does not list.
            State::AfterName { .. }
            | State::CteAfterName
            | State::CteAs
            | State::CteAfterBody
            | State::Explain => {}
            _ => self.state = State::Idle,
        }
    }

    fn cte(&mut self, name: &'q str) {
        if self.cte_count < MAX_CTES {
            self.ctes[self.cte_count] = name;
            self.cte_count += 1;
        }
        self.state = State::CteAfterName;
    }

    /// `IDENTIFIED BY`, `PASSWORD`, …: the value after them is a secret. True when
    /// `word` is such a keyword.
    fn credential(&mut self, word: &str, call: bool) -> bool {
        if !self.credentials || call {
            return false;
        }
        if is(word, "IDENTIFIED") {
            self.identified = true;
        } else if (self.identified && one_of(word, &["BY", "AS", "REPLACE"]))
            || one_of(word, &["PASSWORD", "SECRET"])
        {
            self.secret = true;
        } else {
            return false;
        }
        self.state = State::Idle;
        true
    }

    /// The first word of a statement. True when it was read here.
    fn statement(&mut self, word: &'q str, next: Next<'q>) -> bool {
        if one_of(word, DATA_OPERATIONS) {
            self.credentials = false;
        }
        let call = matches!(next, Next::Open);
        if one_of(
            word,
            &[
                "BEGIN",
                "COMMIT",
                "ROLLBACK",
                "SAVEPOINT",
                "RELEASE",
                "START",
            ],
        ) && !call
        {
            self.operation(word);
            self.mode = Mode::Opaque;
            self.state = State::ObjectKind { list: false };
        } else if is(word, "USE") {
            self.operation(word);
            self.mode = Mode::Opaque;
            self.state = State::Target { list: false };
        } else if one_of(word, &["GRANT", "REVOKE", "SHOW"]) {
            self.operation(word);
            self.mode = if is(word, "SHOW") {
                Mode::Show
            } else {
                Mode::Grant
            };
            self.state = State::Idle;
        } else if one_of(word, &["LOCK", "UNLOCK"]) {
            self.operation(word);
            self.state = State::ObjectKind { list: true };
        } else if is(word, "EXPLAIN") {
            self.operation(word);
            self.state = State::Explain;
        } else if is(word, "VALUES") {
            self.operation(word);
            self.state = State::Idle;
        } else if is(word, "WITH") {
            self.state = State::CteName;
        } else if is(word, "FROM") {
            // JPQL and HQL's `from Entity` is a query.
            self.operation("SELECT");
            self.from = true;
            self.state = State::Target { list: true };
        } else {
            return false;
        }
        true
    }

    /// Whether `word` is a modifier before the name that `next` starts.
    fn modifier(&self, word: &str, next: Next<'_>) -> bool {
        let list_of = match self.mode {
            Mode::Grant => GRANT_MODIFIERS,
            _ if self.from => LIST_MODIFIERS,
            _ => NAME_MODIFIERS,
        };
        one_of(word, list_of)
            && match next {
                Next::Word(w) => !one_of(w, CLAUSES) || one_of(w, NAME_MODIFIERS),
                Next::Open => is(word, "LATERAL"),
                Next::Other => false,
            }
    }

    /// Reads `word` by where the reader stands. True when it was read here.
    fn in_state(&mut self, word: &'q str, next: Next<'q>, open: bool) -> bool {
        let call = matches!(next, Next::Open);
        match self.state {
            State::Start | State::Explain => {
                if self.statement(word, next) {
                    return true;
                }
                if self.state == State::Explain && !one_of(word, OPERATIONS) {
                    // `EXPLAIN ANALYZE`, `EXPLAIN QUERY PLAN`: options.
                    return true;
                }
                self.state = State::Idle;
            }
            _ if open && one_of(word, &["WITH", "VALUES"]) => {
                self.statement(word, next);
                return true;
            }
            State::ObjectKind { list } => return self.object_kind(word, list, call),
            State::CteName => {
                if !is(word, "RECURSIVE") {
                    self.cte(word);
                }
                return true;
            }
            State::CteAfterName | State::CteAs => {
                // `AS`, `NOT MATERIALIZED`.
                if is(word, "AS") {
                    self.state = State::CteAs;
                }
                return true;
            }
            State::CteAfterBody => self.state = State::Idle,
            State::NextValue => {
                if is(word, "VALUE") {
                    return true;
                }
                if is(word, "FOR") {
                    self.state = State::Target { list: false };
                    return true;
                }
                self.state = State::Idle;
            }
            State::Target { .. } if self.modifier(word, next) => return true,
            State::AfterName { .. } if is(word, "AS") => return true,
            _ => {}
        }
        false
    }

    /// The kind of object after `CREATE`, `DROP`, …, or its modifiers. True when
    /// `word` was one of them.
    fn object_kind(&mut self, word: &str, list: bool, call: bool) -> bool {
        let after = if self.mode == Mode::Opaque {
            State::Idle
        } else {
            State::Target { list }
        };
        if one_of(word, OBJECT_KINDS) && !call {
            self.push(PartKind::Operation, " ", false);
            self.push(PartKind::Operation, word, false);
            if one_of(word, DATA_OBJECTS) {
                self.credentials = false;
            }
            self.state = after;
            return true;
        }
        if one_of(word, KIND_MODIFIERS) {
            return true;
        }
        // `TRUNCATE t`, `LOCK users`: the target itself.
        self.state = after;
        false
    }

    /// An operation's word where the statement allows one. True when it was one.
    fn statement_operation(&mut self, word: &str, prev: &str, call: bool) -> bool {
        let allowed = match self.mode {
            Mode::Normal => true,
            Mode::Alter => is(word, "SELECT"),
            Mode::Grant | Mode::Show | Mode::Opaque => false,
        };
        if allowed && !call && one_of(word, OPERATIONS) && !one_of(prev, BEFORE_CLAUSE) {
            self.operation(word);
            self.from = false;
            if one_of(word, DATA_OPERATIONS) {
                self.credentials = false;
            }
            self.state = if one_of(word, &["CREATE", "ALTER", "DROP", "TRUNCATE"]) {
                State::ObjectKind {
                    list: !one_of(word, &["CREATE", "ALTER"]),
                }
            } else if is(word, "UPDATE") {
                // `UPDATE t1, t2 SET …`
                self.from = true;
                State::Target { list: true }
            } else if one_of(
                word,
                &[
                    "INSERT", "REPLACE", "UPSERT", "MERGE", "CALL", "EXEC", "EXECUTE",
                ],
            ) {
                State::Target { list: false }
            } else {
                State::Idle
            };
            if is(word, "ALTER") {
                self.mode = Mode::Alter;
            }
            return true;
        }
        false
    }

    fn word(&mut self, word: &'q str, next: Next<'q>) {
        let prev = std::mem::replace(&mut self.prev_word, word);
        let open = std::mem::take(&mut self.after_open);
        let call = matches!(next, Next::Open);
        if self.after_dot {
            self.name(word);
            return;
        }
        if self.credential(word, call) || self.in_state(word, next, open) {
            return;
        }
        // `NEXT VALUE FOR sequence`: the sequence is the target.
        if is(word, "NEXT")
            && matches!(next, Next::Word(w) if is(w, "VALUE"))
            && matches!(self.state, State::Idle | State::Target { .. })
        {
            self.state = State::NextValue;
            return;
        }
        if self.mode == Mode::Opaque {
            // `USE db`: its target, and nothing more.
            if let State::Target { .. } = self.state {
                self.name(word);
            } else {
                self.state = State::Idle;
            }
            return;
        }
        if self.statement_operation(word, prev, call) {
            return;
        }
        // `FROM (`, `JOIN (`: a keyword, even before a parenthesis.
        let target = self.has_op
            && match self.mode {
                Mode::Normal | Mode::Alter => one_of(word, TARGET_KEYWORDS),
                Mode::Grant => is(word, "ON"),
                Mode::Show => one_of(word, &["FROM", "IN", "TABLE"]),
                Mode::Opaque => false,
            };
        if target {
            let list = one_of(word, &["FROM", "JOIN", "APPLY"]);
            self.from |= list;
            self.state = State::Target { list };
            return;
        }
        if let State::Target { .. } = self.state
            && !one_of(word, TARGET_ENDS)
        {
            // Where a name is expected, a clause's word is one (JPQL's `from Order`).
            self.name(word);
            return;
        }
        // The lists are read only where they matter: most words are names.
        if self.from && one_of(word, FROM_ENDS) {
            self.from = false;
        }
        match self.state {
            // An alias: `orders o`.
            State::AfterName { .. } if !call && !one_of(word, CLAUSES) => {}
            _ => self.state = State::Idle,
        }
    }

    fn punct(&mut self, c: u8) {
        self.prev_word = "";
        let after_dot = std::mem::take(&mut self.after_dot);
        match c {
            b'(' => self.open(),
            b')' => {
                self.secret = false;
                self.close();
            }
            b';' => self.end_statement(),
            b',' => {
                self.secret = false;
                self.state = match self.state {
                    State::AfterName { list: true } => State::Target { list: true },
                    State::CteAfterBody => State::CteName,
                    State::Idle | State::AfterName { .. } | State::Target { .. } if self.from => {
                        State::Target { list: true }
                    }
                    _ => State::Idle,
                };
            }
            b'.' if matches!(self.state, State::AfterName { .. }) => self.after_dot = true,
            // `db.*`
            b'*' if after_dot => {
                if !self.hidden {
                    self.push(PartKind::Target, ".*", false);
                }
            }
            // `EXPLAIN FORMAT=JSON`, `PASSWORD = x`
            b'=' if matches!(self.state, State::Explain) => {}
            _ => {
                if self.state != State::Explain {
                    self.state = State::Idle;
                }
            }
        }
        self.after_open = c == b'(';
    }

    fn open(&mut self) {
        let inner = match self.state {
            // `FROM (t1), (t2)`, `FROM (SELECT …) sub`
            State::Target { list: true } => State::Target { list: true },
            State::CteAs => State::Start,
            _ => State::Idle,
        };
        if self.depth < MAX_DEPTH {
            self.frames[self.depth] = Frame {
                state: self.state,
                from: self.from,
            };
        }
        self.depth += 1;
        self.from = matches!(inner, State::Target { .. });
        self.state = inner;
    }

    fn close(&mut self) {
        let Some(depth) = self.depth.checked_sub(1) else {
            self.state = State::Idle;
            return;
        };
        self.depth = depth;
        let frame = self.frames.get(depth).copied().unwrap_or(Frame {
            state: State::Idle,
            from: false,
        });
        self.from = frame.from;
        self.state = match frame.state {
            // What was in the parentheses stands for a table: an alias or `,` follows.
            State::Target { list } => State::AfterName { list },
            State::CteAs => State::CteAfterBody,
            state => state,
        };
    }

    fn end_statement(&mut self) {
        if self.out.as_deref().is_some_and(|o| !o.is_empty()) {
            self.separator = true;
        }
        self.state = State::Start;
        self.mode = Mode::Normal;
        self.from = false;
        self.has_op = false;
        self.hidden = false;
        self.credentials = true;
        self.identified = false;
        self.secret = false;
        self.depth = 0;
        self.cte_count = 0;
    }

    fn other(&mut self) {
        self.after_dot = false;
        self.after_open = false;
        self.secret = false;
        self.prev_word = "";
        if self.state != State::Explain {
            self.state = State::Idle;
        }
    }
}

#[cfg(test)]
mod tests;
