//! Query sanitization shared by the macros (literal queries, at compile time) and
//! the runtime (queries known only at run time).

/// Replaces the literals of a SQL statement by `?`: quoted strings, numbers
/// (not inside identifiers), and hexadecimal or binary literals, per the database
/// conventions' sanitization rule. Comments are dropped.
pub fn sanitize(query: &str) -> String {
    let bytes = query.as_bytes();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' => {
                // 'it''s' is one literal: a doubled quote continues it.
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push('?');
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'0'..=b'9' if !prev_is_word(bytes, i) => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                out.push('?');
            }
            _ => {
                // Copy a whole identifier or one character; `char_indices` keeps UTF-8 intact.
                let ch = query[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn prev_is_word(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b'$' | b'"'))
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn replaces_literals() {
        assert_eq!(
            sanitize("SELECT * FROM users WHERE id = 42 AND name = 'o''hara'"),
            "SELECT * FROM users WHERE id = ? AND name = ?"
        );
        assert_eq!(
            sanitize("select a1, t2.x from t2 where v > 3.5e2 -- secret 7\nlimit 10"),
            "select a1, t2.x from t2 where v > ? \nlimit ?"
        );
        assert_eq!(
            sanitize("/* 1 */UPDATE t SET v = 0x1F"),
            "UPDATE t SET v = ?"
        );
        assert_eq!(
            sanitize("SELECT ?, $1 FROM ünïcode"),
            "SELECT ?, $1 FROM ünïcode"
        );
    }
}
