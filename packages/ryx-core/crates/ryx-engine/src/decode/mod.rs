//! Row decoding: each driver's native column types into `Value`, then the caller's per-column hint.

pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use ryx_query::Value;
use uuid::Uuid;

use crate::error::Error;
use crate::temporal::{self, ParsedDateTime};

/// How the caller wants a column read, overriding what the driver's column type suggests.
///
/// Needed where the type is ambiguous: SQLite affinities, MariaDB JSON (a `LONGTEXT`),
/// MySQL `DATETIME` (no zone), durations stored as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DecodeHint {
    /// Decode by the column type the driver reports.
    #[default]
    Auto,
    /// `bool` (integers must be 0 or 1).
    Bool,
    /// 64-bit integer.
    Int,
    /// Double-precision float.
    Float,
    /// Exact decimal text.
    Decimal,
    /// Text (`str`); binary columns must hold UTF-8.
    Text,
    /// Raw bytes.
    Bytes,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Naive datetime (aware values are converted to UTC and lose the zone).
    DateTime,
    /// Aware datetime; naive values are taken to be UTC.
    DateTimeUtc,
    /// Duration; integers are microseconds.
    Duration,
    /// UUID from text or 16 bytes.
    Uuid,
    /// JSON text, passed through unparsed.
    Json,
}

impl DecodeHint {
    /// The hint's name as Python passes it (`"auto"`, `"str"`, `"timedelta"`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Bool => "bool",
            Self::Int => "int",
            Self::Float => "float",
            Self::Decimal => "decimal",
            Self::Text => "str",
            Self::Bytes => "bytes",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "datetime",
            Self::DateTimeUtc => "datetime_utc",
            Self::Duration => "timedelta",
            Self::Uuid => "uuid",
            Self::Json => "json",
        }
    }
}

/// Decode hints for a result: by column position, by column name (which wins), or none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    positional: Vec<DecodeHint>,
    named: Vec<(String, DecodeHint)>,
}

impl Hints {
    /// Hints by position; missing positions are `Auto`.
    #[must_use]
    pub fn positional(hints: Vec<DecodeHint>) -> Self {
        Self {
            positional: hints,
            named: Vec::new(),
        }
    }

    /// Hints by column name.
    #[must_use]
    pub fn named(hints: Vec<(String, DecodeHint)>) -> Self {
        Self {
            positional: Vec::new(),
            named: hints,
        }
    }

    /// The hint of every column of a result, resolved once per result rather than per row.
    pub(crate) fn resolve<'a, N: AsRef<str>>(
        &'a self,
        columns: impl Iterator<Item = N>,
    ) -> Cow<'a, [DecodeHint]> {
        if self.named.is_empty() {
            return Cow::Borrowed(&self.positional);
        }
        Cow::Owned(
            columns
                .enumerate()
                .map(|(i, name)| {
                    self.named
                        .iter()
                        .find(|(n, _)| n == name.as_ref())
                        .map(|(_, h)| *h)
                        .unwrap_or_else(|| self.positional.get(i).copied().unwrap_or_default())
                })
                .collect(),
        )
    }
}

impl From<Vec<DecodeHint>> for Hints {
    fn from(hints: Vec<DecodeHint>) -> Self {
        Self::positional(hints)
    }
}

impl fmt::Display for DecodeHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DecodeHint {
    type Err = Error;

    /// Parse `auto bool int float decimal str bytes date time datetime datetime_utc timedelta
    /// uuid json`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => Self::Auto,
            "bool" => Self::Bool,
            "int" => Self::Int,
            "float" => Self::Float,
            "decimal" => Self::Decimal,
            "str" => Self::Text,
            "bytes" => Self::Bytes,
            "date" => Self::Date,
            "time" => Self::Time,
            "datetime" => Self::DateTime,
            "datetime_utc" => Self::DateTimeUtc,
            "timedelta" => Self::Duration,
            "uuid" => Self::Uuid,
            "json" => Self::Json,
            _ => {
                return Err(Error::Config(format!(
                    "unknown decode hint '{s}': use one of auto, bool, int, float, decimal, str, \
                     bytes, date, time, datetime, datetime_utc, timedelta, uuid, json"
                )))
            }
        })
    }
}

/// Canonical decimal text of a `BigDecimal`, keeping its scale (`1.10` stays `1.10`) and never
/// using exponent notation.
pub(crate) fn decimal_text(d: &BigDecimal) -> String {
    d.to_plain_string()
}

/// Reinterpret a value decoded by column type according to `hint`.
///
/// NULL stays NULL whatever the hint.
pub(crate) fn apply_hint(value: Value, hint: DecodeHint) -> Result<Value, String> {
    use DecodeHint as H;
    if matches!(value, Value::Null) || hint == H::Auto {
        return Ok(value);
    }
    let type_name = value.type_name();
    let fail = || format!("cannot read a {type_name} value as {hint}");
    let out = match (hint, value) {
        (H::Bool, v @ Value::Bool(_))
        | (H::Int, v @ Value::Int(_))
        | (H::Float, v @ Value::Float(_))
        | (H::Decimal, v @ Value::Decimal(_))
        | (H::Text, v @ Value::Text(_))
        | (H::Bytes, v @ Value::Bytes(_))
        | (H::Date, v @ Value::Date(_))
        | (H::Time, v @ Value::Time(_))
        | (H::DateTime, v @ Value::DateTime(_))
        | (H::DateTimeUtc, v @ Value::DateTimeUtc(_))
        | (H::Duration, v @ Value::Duration(_))
        | (H::Uuid, v @ Value::Uuid(_))
        | (H::Json, v @ Value::Json(_)) => v,

        (H::Bool, Value::Int(i)) => match i {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(format!("integer {i} is not a boolean (expected 0 or 1)")),
        },
        (H::Bool, Value::Text(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "0" | "f" | "false" => Value::Bool(false),
            "1" | "t" | "true" => Value::Bool(true),
            _ => return Err(format!("text '{s}' is not a boolean")),
        },

        (H::Int, Value::Bool(b)) => Value::Int(i64::from(b)),
        (H::Int, Value::Duration(d)) => Value::Int(d),
        (H::Int, Value::Text(s) | Value::Decimal(s)) => Value::Int(parse_int(&s)?),
        (H::Int, Value::Float(f)) => Value::Int(float_to_int(f)?),

        #[allow(clippy::cast_precision_loss)]
        (H::Float, Value::Int(i)) => Value::Float(i as f64),
        (H::Float, Value::Text(s) | Value::Decimal(s)) => Value::Float(
            s.trim()
                .parse()
                .map_err(|_| format!("'{s}' is not a number"))?,
        ),

        (H::Decimal, Value::Int(i)) => Value::Decimal(i.to_string()),
        (H::Decimal, Value::Float(f)) if f.is_finite() => Value::Decimal(format!("{f}")),
        (H::Decimal, Value::Text(s)) => {
            let d: BigDecimal = s
                .trim()
                .parse()
                .map_err(|_| format!("'{s}' is not a decimal number"))?;
            Value::Decimal(decimal_text(&d))
        }

        (H::Text, Value::Bytes(b)) => Value::Text(utf8(b)?),
        (H::Text, Value::Json(s) | Value::Decimal(s)) => Value::Text(s),
        (H::Text, Value::Uuid(u)) => Value::Text(u.hyphenated().to_string()),
        (H::Text, Value::Int(i)) => Value::Text(i.to_string()),
        (H::Text, Value::Float(f)) => Value::Text(f.to_string()),
        (H::Text, Value::Bool(b)) => Value::Text(b.to_string()),
        (H::Text, Value::Date(d)) => Value::Text(temporal::format_date(d)),
        (H::Text, Value::Time(t)) => Value::Text(temporal::format_time(t)),
        (H::Text, Value::DateTime(dt)) => Value::Text(temporal::format_datetime(dt)),
        (H::Text, Value::DateTimeUtc(dt)) => Value::Text(temporal::format_datetime_utc(dt)),

        (H::Bytes, Value::Text(s) | Value::Json(s)) => Value::Bytes(s.into_bytes()),
        (H::Bytes, Value::Uuid(u)) => Value::Bytes(u.as_bytes().to_vec()),

        (H::Date, Value::Text(s)) => Value::Date(temporal::parse_date(&s)?),

        (H::Time, Value::Text(s)) => Value::Time(temporal::parse_time(&s)?),
        (H::Time, Value::Duration(us)) => Value::Time(
            temporal::micros_to_time(us)
                .ok_or_else(|| format!("duration of {us}µs is not a time of day"))?,
        ),

        (H::DateTime, Value::Text(s)) => match temporal::parse_datetime(&s)? {
            ParsedDateTime::Naive(n) => Value::DateTime(n),
            ParsedDateTime::Aware(a) => Value::DateTime(a.naive_utc()),
        },
        (H::DateTime, Value::DateTimeUtc(a)) => Value::DateTime(a.naive_utc()),
        (H::DateTime, Value::Date(d)) => Value::DateTime(d.and_time(chrono::NaiveTime::MIN)),

        (H::DateTimeUtc, Value::DateTime(n)) => Value::DateTimeUtc(n.and_utc()),
        (H::DateTimeUtc, Value::Text(s)) => match temporal::parse_datetime(&s)? {
            ParsedDateTime::Naive(n) => Value::DateTimeUtc(n.and_utc()),
            ParsedDateTime::Aware(a) => Value::DateTimeUtc(a),
        },

        (H::Duration, Value::Int(us)) => Value::Duration(us),
        (H::Duration, Value::Time(t)) => Value::Duration(temporal::time_to_micros(t)),
        (H::Duration, Value::Text(s) | Value::Decimal(s)) => Value::Duration(parse_int(&s)?),

        (H::Uuid, Value::Text(s)) => Value::Uuid(parse_uuid(&s)?),
        (H::Uuid, Value::Bytes(b)) if b.len() == 16 => {
            Value::Uuid(Uuid::from_slice(&b).map_err(|e| e.to_string())?)
        }
        (H::Uuid, Value::Bytes(b)) => Value::Uuid(parse_uuid(&utf8(b)?)?),

        (H::Json, Value::Text(s)) => Value::Json(s),
        (H::Json, Value::Bytes(b)) => Value::Json(utf8(b)?),
        // JSON functions (SQLite json_extract, MySQL JSON_EXTRACT) return scalars unquoted.
        (H::Json, Value::Int(i)) => Value::Json(i.to_string()),
        (H::Json, Value::Float(f)) if f.is_finite() => Value::Json(f.to_string()),
        (H::Json, Value::Decimal(s)) => Value::Json(s),
        (H::Json, Value::Bool(b)) => Value::Json(b.to_string()),

        _ => return Err(fail()),
    };
    Ok(out)
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| format!("the bytes are not valid UTF-8: {e}"))
}

fn parse_int(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(i) = t.parse() {
        return Ok(i);
    }
    // Decimal text such as "12.000" is an integer too.
    let d: BigDecimal = t.parse().map_err(|_| format!("'{s}' is not an integer"))?;
    if !d.is_integer() {
        return Err(format!("'{s}' is not an integer"));
    }
    d.with_scale(0)
        .to_plain_string()
        .parse()
        .map_err(|_| format!("'{s}' does not fit in a 64-bit integer"))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn float_to_int(f: f64) -> Result<i64, String> {
    // i64::MAX as f64 rounds up to 2^63, which is out of range, hence the strict bound.
    if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Ok(f as i64)
    } else {
        Err(format!("float {f} is not a 64-bit integer"))
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, String> {
    Uuid::parse_str(s.trim()).map_err(|e| format!("'{s}' is not a UUID: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn hint_names_round_trip() {
        for name in [
            "auto",
            "bool",
            "int",
            "float",
            "decimal",
            "str",
            "bytes",
            "date",
            "time",
            "datetime",
            "datetime_utc",
            "timedelta",
            "uuid",
            "json",
        ] {
            assert_eq!(name.parse::<DecodeHint>().unwrap().name(), name);
        }
        assert!(matches!(
            "text".parse::<DecodeHint>(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn null_stays_null() {
        for hint in [DecodeHint::Json, DecodeHint::Bool, DecodeHint::Uuid] {
            assert_eq!(apply_hint(Value::Null, hint), Ok(Value::Null));
        }
    }

    #[test]
    fn conversions() {
        use DecodeHint as H;
        assert_eq!(apply_hint(Value::Int(1), H::Bool), Ok(Value::Bool(true)));
        assert!(apply_hint(Value::Int(2), H::Bool).is_err());
        assert_eq!(
            apply_hint(Value::Int(-5), H::Duration),
            Ok(Value::Duration(-5))
        );
        assert_eq!(
            apply_hint(Value::Text("1.10".into()), H::Decimal),
            Ok(Value::Decimal("1.10".into()))
        );
        assert!(apply_hint(Value::Text("NaN".into()), H::Decimal).is_err());
        assert_eq!(
            apply_hint(Value::Text("{\"a\": 1}".into()), H::Json),
            Ok(Value::Json("{\"a\": 1}".into()))
        );
        let naive = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_micro_opt(3, 4, 5, 6)
            .unwrap();
        assert_eq!(
            apply_hint(Value::DateTime(naive), H::DateTimeUtc),
            Ok(Value::DateTimeUtc(naive.and_utc()))
        );
        let u = Uuid::from_u128(0x1234);
        assert_eq!(
            apply_hint(Value::Bytes(u.as_bytes().to_vec()), H::Uuid),
            Ok(Value::Uuid(u))
        );
        assert_eq!(
            apply_hint(Value::Text(u.to_string()), H::Uuid),
            Ok(Value::Uuid(u))
        );
        assert_eq!(
            apply_hint(Value::Text("12.000".into()), H::Int),
            Ok(Value::Int(12))
        );
        assert!(apply_hint(Value::Bytes(vec![0xff]), H::Text).is_err());
        assert!(apply_hint(Value::Float(1.5), H::Int).is_err());
        assert!(apply_hint(Value::Bool(true), H::Date).is_err());
    }
}
