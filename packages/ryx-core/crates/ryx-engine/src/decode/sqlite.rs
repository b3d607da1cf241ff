//! SQLite column values (by declared type when sqlx knows it, else storage class) into `Value`.

use chrono::DateTime;
use ryx_query::Value;
use sqlx::sqlite::{Sqlite, SqliteRow, SqliteValueRef};
use sqlx::{Column, Decode, Row, TypeInfo, ValueRef};

use super::{apply_hint, DecodeHint};
use crate::temporal::{self, ParsedDateTime};

/// Decode column `index` of `row`.
///
/// sqlx only recognises some declared types (`BOOLEAN`, `DATE`, `TIME`, `DATETIME`/`TIMESTAMP`,
/// and the affinity names); any other declaration (`NUMERIC`, `DECIMAL(10,2)`, `JSON`, `UUID`,
/// ...) is invisible through its API, so those columns decode by storage class unless the
/// caller passes a hint.
pub(crate) fn decode(row: &SqliteRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let natural = match raw.type_info().name() {
        "INTEGER" => Value::Int(dec(raw)?),
        "REAL" => Value::Float(dec(raw)?),
        "TEXT" => Value::Text(dec(raw)?),
        "BLOB" => Value::Bytes(dec(raw)?),
        other => return Err(format!("unexpected SQLite storage class {other}")),
    };
    let declared = match row.columns()[index].type_info().name() {
        "BOOLEAN" => Declared::Bool,
        "DATE" => Declared::Date,
        "TIME" => Declared::Time,
        "DATETIME" => Declared::DateTime,
        _ => Declared::Other,
    };
    by_declared_type(natural, declared)
}

/// The declared column types that change how a stored value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Declared {
    Bool,
    Date,
    Time,
    DateTime,
    Other,
}

impl Declared {
    /// Classify a column declaration the way sqlx does (`BOOL`/`BOOLEAN`, `DATE`, `TIME`,
    /// `DATETIME`/`TIMESTAMP`, case-insensitively); `None` is an expression column.
    pub(crate) fn of(decl: Option<&str>) -> Self {
        let Some(decl) = decl else {
            return Self::Other;
        };
        // Compared without allocating: this runs for every column of every direct-path statement.
        let is = |name: &str| decl.eq_ignore_ascii_case(name);
        if is("boolean") || is("bool") {
            Self::Bool
        } else if is("date") {
            Self::Date
        } else if is("time") {
            Self::Time
        } else if is("datetime") || is("timestamp") {
            Self::DateTime
        } else {
            Self::Other
        }
    }
}

/// A stored value (by storage class) read as its declared type.
pub(crate) fn by_declared_type(natural: Value, declared: Declared) -> Result<Value, String> {
    match declared {
        Declared::Bool => apply_hint(natural, DecodeHint::Bool),
        Declared::Date => apply_hint(natural, DecodeHint::Date),
        Declared::Time => apply_hint(natural, DecodeHint::Time),
        Declared::DateTime => datetime(natural),
        // Plain affinities: the storage class is the truth (an INTEGER column may hold text).
        Declared::Other => Ok(natural),
    }
}

fn dec<'r, T: Decode<'r, Sqlite>>(raw: SqliteValueRef<'r>) -> Result<T, String> {
    T::decode(raw).map_err(|e| e.to_string())
}

/// Text with an offset is aware (normalised to UTC), text without one is naive; an integer is
/// a Unix timestamp in seconds (what `strftime('%s')` and `unixepoch()` store).
fn datetime(natural: Value) -> Result<Value, String> {
    match natural {
        Value::Text(s) => Ok(match temporal::parse_datetime(&s)? {
            ParsedDateTime::Naive(n) => Value::DateTime(n),
            ParsedDateTime::Aware(a) => Value::DateTimeUtc(a),
        }),
        Value::Int(secs) => DateTime::from_timestamp(secs, 0)
            .map(Value::DateTimeUtc)
            .ok_or_else(|| format!("Unix timestamp {secs} is out of range")),
        other => Err(format!(
            "cannot read a {} value as a datetime",
            other.type_name()
        )),
    }
}
