//! MySQL / MariaDB column values (by the column type sqlx reports) into `Value`.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use ryx_query::Value;
use sqlx::mysql::types::MySqlTime;
use sqlx::mysql::{MySql, MySqlRow, MySqlValueRef};
use sqlx::{Decode, Row, TypeInfo, ValueRef};

use super::decimal_text;

/// Decode column `index` of `row` by its MySQL type.
///
/// sqlx names string columns by their BINARY flag, which the server also sets for text columns
/// with a `_bin` collation (and so for MariaDB `JSON`, a `LONGTEXT ... utf8mb4_bin`): those come
/// back as `Bytes` unless the caller passes a `str` / `json` hint.
pub(crate) fn decode(row: &MySqlRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info().into_owned();
    Ok(match ty.name() {
        // TINYINT(1): MySQL's BOOLEAN. Any non-zero value is true, as in MySQL itself.
        "BOOLEAN" => Value::Bool(dec::<i64>(raw)? != 0),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => Value::Int(dec(raw)?),
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" | "BIT" => unsigned(dec(raw)?),
        "FLOAT" => Value::Float(dec::<f32>(raw)?.to_string().parse().unwrap_or_default()),
        "DOUBLE" => Value::Float(dec(raw)?),
        "DECIMAL" => Value::Decimal(decimal_text(&dec::<BigDecimal>(raw)?)),
        "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" => {
            Value::Text(dec(raw)?)
        }
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" | "GEOMETRY" => {
            Value::Bytes(dec(raw)?)
        }
        "JSON" => Value::Json(dec(raw)?),
        "DATE" => Value::Date(dec::<NaiveDate>(raw)?),
        "DATETIME" => Value::DateTime(dec::<NaiveDateTime>(raw)?),
        // Every connection runs with time_zone '+00:00', so TIMESTAMP values are UTC.
        "TIMESTAMP" => Value::DateTimeUtc(dec::<DateTime<Utc>>(raw)?),
        "TIME" => time(&dec(raw)?)?,
        "NULL" => Value::Null,
        name => return Err(format!("MySQL type {name} has no Ryx value mapping")),
    })
}

fn dec<'r, T: Decode<'r, MySql>>(raw: MySqlValueRef<'r>) -> Result<T, String> {
    T::decode(raw).map_err(|e| e.to_string())
}

/// Unsigned integers above `i64::MAX` become exact decimals instead of wrapping.
fn unsigned(v: u64) -> Value {
    i64::try_from(v).map_or_else(|_| Value::Decimal(v.to_string()), Value::Int)
}

/// `TIME` is a time of day when it fits in one, otherwise (negative, 24h or more) a duration.
fn time(t: &MySqlTime) -> Result<Value, String> {
    if t.is_valid_time_of_day() {
        let secs = t.hours() * 3600 + u32::from(t.minutes()) * 60 + u32::from(t.seconds());
        return NaiveTime::from_num_seconds_from_midnight_opt(secs, t.microseconds() * 1_000)
            .map(Value::Time)
            .ok_or_else(|| format!("invalid TIME {t}"));
    }
    let magnitude =
        (i64::from(t.hours()) * 3600 + i64::from(t.minutes()) * 60 + i64::from(t.seconds()))
            * 1_000_000
            + i64::from(t.microseconds());
    // Not `t.is_negative()`: in sqlx 0.8.6 it returns the opposite of the sign.
    Ok(Value::Duration(if t.sign().is_negative() {
        -magnitude
    } else {
        magnitude
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_above_i64_is_decimal() {
        assert_eq!(unsigned(5), Value::Int(5));
        assert_eq!(
            unsigned(u64::MAX),
            Value::Decimal("18446744073709551615".to_owned())
        );
    }
}
