//! Literals inside DDL (column defaults), which cannot be bound: written escaped, per dialect.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::dialect::Dialect;
use crate::error::{QueryError, Result};
use crate::value::Value;

/// Write `value` as an SQL literal.
///
/// Strings are single-quoted with `''` doubling (and `\\` doubling where backslashes escape, on MySQL);
/// dates, times, datetimes and UUIDs are quoted in the text form the engine stores and binds; JSON is
/// quoted JSON text; numbers and booleans are bare; a duration is its count of microseconds.
///
/// # Errors
/// [`QueryError::Invalid`] for bytes, lists, non-finite floats, malformed decimals or JSON, and text
/// containing NUL characters.
pub fn write_literal<D: Dialect + ?Sized>(d: &D, out: &mut String, value: &Value) -> Result<()> {
    match value {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Int(i) | Value::Duration(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(QueryError::Invalid(format!(
                    "the default {f} is not a finite number; SQL has no literal for it"
                )));
            }
            out.push_str(&format!("{f:?}"));
        }
        Value::Decimal(s) => {
            let t = s.trim();
            if !is_decimal(t) {
                return Err(QueryError::Invalid(format!(
                    "the default decimal {s:?} is not a finite decimal number"
                )));
            }
            out.push_str(t.strip_prefix('+').unwrap_or(t));
        }
        Value::Text(s) => write_string(d, out, s)?,
        Value::Date(v) => write_string(d, out, &format_date(*v))?,
        Value::Time(v) => write_string(d, out, &format_time(*v))?,
        Value::DateTime(v) => write_string(d, out, &format_datetime(*v))?,
        Value::DateTimeUtc(v) => {
            let mut text = format_datetime(v.naive_utc());
            if d.ddl_utc_offset_in_literals() {
                text.push_str("+00:00");
            }
            write_string(d, out, &text)?;
        }
        Value::Uuid(u) => write_string(d, out, &u.hyphenated().to_string())?,
        Value::Json(s) => {
            if serde_json::from_str::<&serde_json::value::RawValue>(s).is_err() {
                return Err(QueryError::Invalid(format!(
                    "the default JSON {s:?} is not valid JSON"
                )));
            }
            write_string(d, out, s)?;
        }
        Value::Bytes(_) | Value::List(_) => {
            return Err(QueryError::Invalid(format!(
                "a {} cannot be a column default; defaults are None, bool, int, float, Decimal, str, date, time, \
                 datetime, timedelta, UUID or JSON",
                value.type_name()
            )))
        }
    }
    Ok(())
}

/// `'text'` with `'` doubled, and `\` doubled where the dialect treats backslashes as escapes.
fn write_string<D: Dialect + ?Sized>(d: &D, out: &mut String, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(QueryError::Invalid(
            "a default string cannot contain NUL characters".into(),
        ));
    }
    let backslashes = d.string_backslash_escapes();
    out.push('\'');
    for c in text.chars() {
        if c == '\'' || (backslashes && c == '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(())
}

/// `[+-]digits[.digits][e[+-]digits]` (with digits on at least one side of the point).
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

// The text forms below match what the engine binds on SQLite (ryx-engine `temporal`), so a default and
// an inserted value of the same instant are stored alike.

fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn format_time(t: NaiveTime) -> String {
    let micros = t.nanosecond() / 1_000;
    if micros == 0 {
        t.format("%H:%M:%S").to_string()
    } else {
        format!("{}.{micros:06}", t.format("%H:%M:%S"))
    }
}

fn format_datetime(dt: NaiveDateTime) -> String {
    format!("{} {}", format_date(dt.date()), format_time(dt.time()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{mysql, postgres, sqlite};

    fn lit(d: &dyn Dialect, v: Value) -> String {
        let mut out = String::new();
        match write_literal(d, &mut out, &v) {
            Ok(()) => out,
            Err(e) => format!("ERROR: {e}"),
        }
    }

    #[test]
    fn strings_are_escaped_per_dialect() {
        let v = Value::Text(r"it's \ 'x'".into());
        assert_eq!(lit(postgres(), v.clone()), r"'it''s \ ''x'''");
        assert_eq!(lit(sqlite(), v.clone()), r"'it''s \ ''x'''");
        assert_eq!(lit(mysql(), v), r"'it''s \\ ''x'''");
        assert!(lit(postgres(), Value::Text("a\0b".into())).starts_with("ERROR"));
    }

    #[test]
    fn numbers() {
        assert_eq!(lit(sqlite(), Value::Int(-5)), "-5");
        assert_eq!(lit(sqlite(), Value::Float(1.5)), "1.5");
        assert_eq!(lit(sqlite(), Value::Float(1e300)), "1e300");
        assert_eq!(lit(sqlite(), Value::Float(2.0)), "2.0");
        assert!(lit(sqlite(), Value::Float(f64::NAN)).starts_with("ERROR"));
        assert_eq!(lit(sqlite(), Value::Decimal("+12.50".into())), "12.50");
        assert_eq!(lit(sqlite(), Value::Decimal("-1E-3".into())), "-1E-3");
        for bad in ["", ".", "1.2.3", "1e", "NaN", "1; DROP TABLE t", "0x10"] {
            assert!(
                lit(sqlite(), Value::Decimal(bad.into())).starts_with("ERROR"),
                "{bad}"
            );
        }
        assert_eq!(lit(sqlite(), Value::Decimal(".5".into())), ".5");
    }

    #[test]
    fn rejects_bytes_and_lists() {
        assert!(lit(sqlite(), Value::Bytes(vec![1])).contains("cannot be a column default"));
        assert!(lit(sqlite(), Value::List(vec![])).contains("cannot be a column default"));
        assert!(lit(sqlite(), Value::Json("{x".into())).contains("not valid JSON"));
    }
}
