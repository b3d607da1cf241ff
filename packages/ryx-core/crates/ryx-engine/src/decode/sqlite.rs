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
    let declared = row.columns()[index].type_info().name();
    match declared {
        "BOOLEAN" => apply_hint(natural, DecodeHint::Bool),
        "DATE" => apply_hint(natural, DecodeHint::Date),
        "TIME" => apply_hint(natural, DecodeHint::Time),
        "DATETIME" => datetime(natural),
        // Plain affinities: the storage class is the truth (an INTEGER column may hold text).
        _ => Ok(natural),
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
