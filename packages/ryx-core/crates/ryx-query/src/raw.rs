//! Raw SQL: finding the `?` placeholders outside strings and comments, and renumbering them per dialect.

use crate::dialect::{Dialect, PlaceholderStyle};
use crate::error::{QueryError, Result};

/// One piece of scanned raw SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// SQL text copied as is (strings, comments and identifiers included).
    Text(&'a str),
    /// A `?` placeholder.
    Placeholder,
    /// `??`, which stands for a literal `?` (PostgreSQL's JSON operators).
    LiteralQuestion,
    /// A PostgreSQL `$n` placeholder that is already numbered.
    Numbered(&'a str),
}

/// The lexical rules of a dialect that decide where strings and comments end.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Lexical {
    /// A backslash escapes the next character inside quotes (MySQL's default).
    pub backslash_escapes: bool,
    /// `$tag$…$tag$` strings, `E'…'` strings, nested comments and `$n` placeholders (PostgreSQL).
    pub postgres: bool,
    /// `#` starts a line comment (MySQL).
    pub hash_comments: bool,
}

impl Lexical {
    /// The rules of a dialect.
    pub(crate) fn of(d: &dyn Dialect) -> Self {
        Lexical {
            backslash_escapes: d.string_backslash_escapes(),
            postgres: d.dollar_quoting(),
            hash_comments: d.hash_comments(),
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Split SQL into text and placeholders. `?` inside `'…'`, `"…"`, `` `…` ``, comments and dollar-quoted
/// strings is text.
///
/// # Errors
/// [`QueryError::Invalid`] for an unterminated string, identifier or comment.
pub(crate) fn scan(sql: &str, lex: Lexical) -> Result<Vec<Piece<'_>>> {
    fn flush<'s>(sql: &'s str, pieces: &mut Vec<Piece<'s>>, from: usize, to: usize) {
        if to > from {
            pieces.push(Piece::Text(&sql[from..to]));
        }
    }
    let bytes = sql.as_bytes();
    let n = bytes.len();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match b {
            b'\'' => {
                // PostgreSQL E'…' strings honour backslash escapes even with standard_conforming_strings.
                let e_string = lex.postgres
                    && i > 0
                    && matches!(bytes[i - 1], b'E' | b'e')
                    && (i < 2 || !is_ident_byte(bytes[i - 2]));
                i = skip_quoted(sql, i, b'\'', lex.backslash_escapes || e_string)?;
            }
            b'"' => i = skip_quoted(sql, i, b'"', lex.backslash_escapes)?,
            b'`' => i = skip_quoted(sql, i, b'`', false)?,
            b'-' if next == Some(b'-') => i = skip_line(bytes, i),
            b'#' if lex.hash_comments => i = skip_line(bytes, i),
            b'/' if next == Some(b'*') => i = skip_block_comment(sql, i, lex.postgres)?,
            b'$' if lex.postgres && (i == 0 || !is_ident_byte(bytes[i - 1])) => {
                if next.is_some_and(|c| c.is_ascii_digit()) {
                    let mut end = i + 1;
                    while end < n && bytes[end].is_ascii_digit() {
                        end += 1;
                    }
                    flush(sql, &mut pieces, start, i);
                    pieces.push(Piece::Numbered(&sql[i..end]));
                    start = end;
                    i = end;
                } else {
                    i = skip_dollar_quoted(sql, i)?;
                }
            }
            b'?' => {
                flush(sql, &mut pieces, start, i);
                if next == Some(b'?') {
                    pieces.push(Piece::LiteralQuestion);
                    i += 2;
                } else {
                    pieces.push(Piece::Placeholder);
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    flush(sql, &mut pieces, start, n);
    Ok(pieces)
}

/// Skip a quoted string or identifier starting at `open`; a doubled quote is an escaped quote.
fn skip_quoted(sql: &str, open: usize, quote: u8, backslash: bool) -> Result<usize> {
    let bytes = sql.as_bytes();
    let mut j = open + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if backslash => j += 2,
            c if c == quote => {
                if bytes.get(j + 1) == Some(&quote) {
                    j += 2;
                } else {
                    return Ok(j + 1);
                }
            }
            _ => j += 1,
        }
    }
    Err(QueryError::Invalid(format!(
        "unterminated {} in SQL text starting at byte {open}: close it, or double the quote character to write it literally",
        match quote {
            b'\'' => "string '…'",
            b'"' => "quoted name \"…\"",
            _ => "quoted name `…`",
        }
    )))
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p + 1)
}

/// Skip `/* … */`; PostgreSQL nests block comments, the others end at the first `*/`.
fn skip_block_comment(sql: &str, open: usize, nested: bool) -> Result<usize> {
    let bytes = sql.as_bytes();
    let mut depth = 1;
    let mut j = open + 2;
    while j + 1 < bytes.len() {
        if bytes[j] == b'*' && bytes[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return Ok(j);
            }
        } else if nested && bytes[j] == b'/' && bytes[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else {
            j += 1;
        }
    }
    Err(QueryError::Invalid(format!(
        "unterminated /* comment in SQL text starting at byte {open}: close it with */"
    )))
}

/// Skip a PostgreSQL `$tag$ … $tag$` string; a `$` that does not start a tag is ordinary text.
fn skip_dollar_quoted(sql: &str, open: usize) -> Result<usize> {
    let bytes = sql.as_bytes();
    let mut k = open + 1;
    while k < bytes.len() && bytes[k] != b'$' && is_ident_byte(bytes[k]) {
        k += 1;
    }
    let starts_like_tag = bytes
        .get(open + 1)
        .is_some_and(|&c| c == b'$' || !c.is_ascii_digit());
    if k >= bytes.len() || bytes[k] != b'$' || !starts_like_tag {
        return Ok(open + 1);
    }
    let tag = &sql[open..=k];
    match sql[k + 1..].find(tag) {
        Some(p) => Ok(k + 1 + p + tag.len()),
        None => Err(QueryError::Invalid(format!(
            "unterminated dollar-quoted string {tag} in SQL text: close it with {tag}"
        ))),
    }
}

/// Prepare raw SQL written with `?` placeholders for a dialect.
///
/// On PostgreSQL each `?` outside strings, quoted names and comments becomes `$1`, `$2`, … and `??` becomes
/// a literal `?`; SQL that already uses `$n` is returned unchanged. Other dialects use `?` natively and get
/// the SQL back unchanged.
///
/// # Errors
/// [`QueryError::Invalid`] for an unterminated string or comment (PostgreSQL only, where the SQL is scanned).
pub fn prepare_raw(sql: &str, d: &dyn Dialect) -> Result<String> {
    if d.placeholder_style() == PlaceholderStyle::Question {
        return Ok(sql.to_owned());
    }
    let pieces = scan(sql, Lexical::of(d))?;
    if pieces.iter().any(|p| matches!(p, Piece::Numbered(_))) {
        return Ok(sql.to_owned());
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            Piece::LiteralQuestion => out.push('?'),
            Piece::Numbered(t) => out.push_str(t),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{mysql, postgres, sqlite};

    #[test]
    fn rewrites_question_marks_on_postgres_only() {
        let sql = "SELECT * FROM t WHERE a = ? AND b IN (?, ?)";
        assert_eq!(
            prepare_raw(sql, postgres()).unwrap(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(prepare_raw(sql, mysql()).unwrap(), sql);
        assert_eq!(prepare_raw(sql, sqlite()).unwrap(), sql);
    }

    #[test]
    fn skips_strings_identifiers_and_comments() {
        let sql = "SELECT '?', 'it''s ?', \"wh?\", E'\\'?' -- ?\n, /* ? /* ? */ ? */ $$ ? $$, $f$?$f$ FROM t WHERE x = ?";
        assert_eq!(
            prepare_raw(sql, postgres()).unwrap(),
            "SELECT '?', 'it''s ?', \"wh?\", E'\\'?' -- ?\n, /* ? /* ? */ ? */ $$ ? $$, $f$?$f$ FROM t WHERE x = $1"
        );
    }

    #[test]
    fn double_question_mark_is_literal() {
        assert_eq!(
            prepare_raw("SELECT data ?? 'k', data ??| ? FROM t", postgres()).unwrap(),
            "SELECT data ? 'k', data ?| $1 FROM t"
        );
    }

    #[test]
    fn numbered_sql_is_left_alone() {
        let sql = "SELECT * FROM t WHERE a = $1 AND b ? 'x'";
        assert_eq!(prepare_raw(sql, postgres()).unwrap(), sql);
        // `a$1` is an identifier, not a placeholder.
        assert_eq!(
            prepare_raw("SELECT a$1 FROM t WHERE x = ?", postgres()).unwrap(),
            "SELECT a$1 FROM t WHERE x = $1"
        );
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        let err = prepare_raw("SELECT 'abc", postgres()).unwrap_err();
        assert!(err.to_string().contains("unterminated string"), "{err}");
        assert!(prepare_raw("SELECT /* x", postgres()).is_err());
        assert!(prepare_raw("SELECT $a$ x", postgres()).is_err());
    }

    #[test]
    fn mysql_rules_backslash_and_hash_comments() {
        let lex = Lexical::of(mysql());
        let pieces = scan("SELECT 'a\\'?', `q?` # ?\n, ?", lex).unwrap();
        assert_eq!(
            pieces.iter().filter(|p| **p == Piece::Placeholder).count(),
            1
        );
    }
}
