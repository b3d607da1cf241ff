//! Binds `Value` parameters as each driver's native types (the core-contract value table).

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::TimeDelta;
use ryx_query::Value;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::mysql::types::MySqlTime;
use sqlx::mysql::MySqlArguments;
use sqlx::postgres::types::{Oid, PgInterval};
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgTypeInfo, Postgres};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Encode, Type};

use crate::error::{Error, Result};
use crate::temporal;

const LIST_MESSAGE: &str = "lists are only accepted by `in`, `range` and key-list lookups; \
                            bind JSON with Json";

fn added(r: std::result::Result<(), BoxDynError>) -> Result<()> {
    r.map_err(|e| Error::Encode(e.to_string()))
}

/// Parse decimal text, rejecting NaN and infinities (SQL decimals are finite).
fn decimal(text: &str) -> Result<BigDecimal> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(Error::Encode(format!(
            "Decimal('{t}') cannot be stored: SQL decimals are finite numbers"
        )));
    }
    BigDecimal::from_str(t).map_err(|_| Error::Encode(format!("'{t}' is not a decimal number")))
}

/// A NULL parameter with no declared type, so PostgreSQL infers it from context
/// (`INSERT INTO t (int_col) VALUES ($1)` works; a `text` NULL would be rejected there).
struct PgNull;

impl Type<Postgres> for PgNull {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(0))
    }
}

impl Encode<'_, Postgres> for PgNull {
    fn encode_by_ref(&self, _buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Ok(IsNull::Yes)
    }
}

/// JSON text bound as `jsonb` without re-parsing it here (the server validates it).
struct PgJsonb<'a>(&'a str);

impl Type<Postgres> for PgJsonb<'_> {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(3802))
    }
}

impl Encode<'_, Postgres> for PgJsonb<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // Binary jsonb is a version byte (1) followed by the JSON text.
        buf.push(1);
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

/// Bind one value for PostgreSQL.
pub(crate) fn postgres(args: &mut PgArguments, value: &Value) -> Result<()> {
    added(match value {
        Value::Null => args.add(PgNull),
        Value::Bool(b) => args.add(*b),
        Value::Int(i) => args.add(*i),
        Value::Float(f) => args.add(*f),
        Value::Decimal(d) => args.add(decimal(d)?),
        Value::Text(s) => args.add(s.as_str()),
        Value::Bytes(b) => args.add(b.as_slice()),
        Value::Date(d) => args.add(*d),
        Value::Time(t) => args.add(*t),
        Value::DateTime(dt) => args.add(*dt),
        Value::DateTimeUtc(dt) => args.add(*dt),
        Value::Duration(us) => args.add(PgInterval {
            months: 0,
            days: 0,
            microseconds: *us,
        }),
        Value::Uuid(u) => args.add(*u),
        Value::Json(j) => args.add(PgJsonb(j)),
        Value::List(items) => return postgres_array(args, items),
    })
}

/// A list of integers, texts or UUIDs binds as one PostgreSQL array (the compiler writes `x = ANY($n)`
/// for such `in` lists); any other list is refused as on the other backends.
fn postgres_array(args: &mut PgArguments, items: &[Value]) -> Result<()> {
    fn all<'a, T>(items: &'a [Value], get: impl Fn(&'a Value) -> Option<T>) -> Option<Vec<T>> {
        items.iter().map(get).collect()
    }
    let ints = || {
        all(items, |v| {
            if let Value::Int(i) = v {
                Some(*i)
            } else {
                None
            }
        })
    };
    let texts = || {
        all(items, |v| {
            if let Value::Text(s) = v {
                Some(s.as_str())
            } else {
                None
            }
        })
    };
    let uuids = || {
        all(items, |v| {
            if let Value::Uuid(u) = v {
                Some(*u)
            } else {
                None
            }
        })
    };
    if items.is_empty() {
        return Err(Error::Encode(LIST_MESSAGE.to_owned()));
    }
    if let Some(v) = int4s(items) {
        added(args.add(v))
    } else if let Some(v) = ints() {
        added(args.add(v))
    } else if let Some(v) = texts() {
        added(args.add(v))
    } else if let Some(v) = uuids() {
        added(args.add(v))
    } else {
        Err(Error::Encode(LIST_MESSAGE.to_owned()))
    }
}

/// The integers of a list that all fit in 32 bits, bound as `int4[]`.
///
/// Ryx's integer keys are `INTEGER` columns, and PostgreSQL (15) only hashes an `x = ANY(array)` of
/// many elements when both sides have the same type: `int4 = ANY(int8[])` compares each row with
/// every element (measured: 1.3 ms instead of 0.14 ms for 1,000 rows and 100 keys). A list with a
/// value beyond 32 bits stays `int8[]`, and a BIGINT column compared with an `int4[]` gives the same
/// rows (only unhashed).
fn int4s(items: &[Value]) -> Option<Vec<i32>> {
    items
        .iter()
        .map(|v| match v {
            Value::Int(i) => i32::try_from(*i).ok(),
            _ => None,
        })
        .collect()
}

/// A short signature of the parameter types.
///
/// sqlx caches PostgreSQL prepared statements by SQL text alone, but a statement's parameter
/// types are fixed when it is prepared: re-running the same text with, say, a float where an
/// int was first bound would send float bytes to an int8 parameter. Appending the signature to
/// the SQL keys the cache by text *and* types.
pub(crate) fn postgres_signature(params: &[Value]) -> String {
    params
        .iter()
        .flat_map(|v| match v {
            // An array's element type is part of the prepared statement's types too.
            Value::List(items) if int4s(items).is_some() => ['l', 'w'],
            Value::List(items) => ['l', items.first().map_or('n', signature_char)],
            v => [signature_char(v), ' '],
        })
        .filter(|c| *c != ' ')
        .collect()
}

fn signature_char(v: &Value) -> char {
    match v {
        Value::Null => 'n',
        Value::Bool(_) => 'b',
        Value::Int(_) => 'i',
        Value::Float(_) => 'f',
        Value::Decimal(_) => 'd',
        Value::Text(_) => 't',
        Value::Bytes(_) => 'y',
        Value::Date(_) => 'D',
        Value::Time(_) => 'T',
        Value::DateTime(_) => 's',
        Value::DateTimeUtc(_) => 'z',
        Value::Duration(_) => 'v',
        Value::Uuid(_) => 'u',
        Value::Json(_) => 'j',
        Value::List(_) => 'l',
    }
}

/// Bind one value for MySQL / MariaDB.
pub(crate) fn mysql(args: &mut MySqlArguments, value: &Value) -> Result<()> {
    added(match value {
        Value::Null => args.add(Option::<&str>::None),
        Value::Bool(b) => args.add(*b),
        Value::Int(i) => args.add(*i),
        Value::Float(f) => args.add(*f),
        Value::Decimal(d) => args.add(decimal(d)?),
        Value::Text(s) | Value::Json(s) => args.add(s.as_str()),
        Value::Bytes(b) => args.add(b.as_slice()),
        Value::Date(d) => args.add(*d),
        Value::Time(t) => args.add(*t),
        Value::DateTime(dt) => args.add(*dt),
        // Connections run with time_zone '+00:00': the UTC wall time is the right value for
        // both DATETIME and TIMESTAMP columns. Bound as a DATETIME, not a TIMESTAMP parameter, whose
        // range ends in 2038 (a later value would be stored as NULL).
        Value::DateTimeUtc(dt) => args.add(dt.naive_utc()),
        Value::Duration(us) => args.add(mysql_time(*us)?),
        Value::Uuid(u) => args.add(u.hyphenated().to_string()),
        Value::List(_) => return Err(Error::Encode(LIST_MESSAGE.to_owned())),
    })
}

fn mysql_time(us: i64) -> Result<MySqlTime> {
    MySqlTime::try_from(TimeDelta::microseconds(us)).map_err(|_| {
        Error::Encode(format!(
            "timedelta of {us} microseconds is outside MySQL's TIME range (±838:59:59)"
        ))
    })
}

/// Bind one value for SQLite (dates as ISO text, durations as integer microseconds).
/// An SQLite parameter in one of its storage classes (shared by the sqlx and the direct path).
#[derive(Debug, PartialEq)]
pub(crate) enum SqliteParam<'q> {
    Null,
    Int(i64),
    Float(f64),
    Text(std::borrow::Cow<'q, str>),
    Blob(&'q [u8]),
}

/// How a value is stored in SQLite: booleans as 0/1, decimals, dates, times and UUIDs as text.
pub(crate) fn sqlite_param(value: &Value) -> Result<SqliteParam<'_>> {
    use std::borrow::Cow::{Borrowed, Owned};
    Ok(match value {
        Value::Null => SqliteParam::Null,
        Value::Bool(b) => SqliteParam::Int(i64::from(*b)),
        Value::Int(i) | Value::Duration(i) => SqliteParam::Int(*i),
        Value::Float(f) => SqliteParam::Float(*f),
        Value::Decimal(d) => {
            decimal(d)?;
            SqliteParam::Text(Borrowed(d.as_str()))
        }
        Value::Text(s) | Value::Json(s) => SqliteParam::Text(Borrowed(s.as_str())),
        Value::Bytes(b) => SqliteParam::Blob(b.as_slice()),
        Value::Date(d) => SqliteParam::Text(Owned(temporal::format_date(*d))),
        Value::Time(t) => SqliteParam::Text(Owned(temporal::format_time(*t))),
        Value::DateTime(dt) => SqliteParam::Text(Owned(temporal::format_datetime(*dt))),
        Value::DateTimeUtc(dt) => SqliteParam::Text(Owned(temporal::format_datetime_utc(*dt))),
        Value::Uuid(u) => SqliteParam::Text(Owned(u.hyphenated().to_string())),
        Value::List(_) => return Err(Error::Encode(LIST_MESSAGE.to_owned())),
    })
}

pub(crate) fn sqlite<'q>(args: &mut SqliteArguments<'q>, value: &'q Value) -> Result<()> {
    added(match sqlite_param(value)? {
        SqliteParam::Null => args.add(Option::<i64>::None),
        SqliteParam::Int(i) => args.add(i),
        SqliteParam::Float(f) => args.add(f),
        SqliteParam::Text(std::borrow::Cow::Borrowed(s)) => args.add(s),
        SqliteParam::Text(std::borrow::Cow::Owned(s)) => args.add(s),
        SqliteParam::Blob(b) => args.add(b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_reject_nan_and_infinity() {
        for bad in ["NaN", "-Infinity", "inf", "sNaN"] {
            let err = decimal(bad).unwrap_err().to_string();
            assert!(err.contains("finite"), "{err}");
        }
        assert!(decimal("12.x").is_err());
        assert_eq!(decimal("1.10").unwrap().to_plain_string(), "1.10");
    }

    #[test]
    fn lists_are_rejected() {
        let mut args = SqliteArguments::default();
        let list = Value::List(vec![Value::Int(1)]);
        let err = sqlite(&mut args, &list).unwrap_err();
        assert!(err.to_string().contains("lists are only accepted"));
    }

    #[test]
    fn mysql_time_range() {
        assert!(mysql_time(-838 * 3_600_000_000).is_ok());
        assert!(mysql_time(839 * 3_600_000_000).is_err());
    }

    #[test]
    fn signature() {
        assert_eq!(
            postgres_signature(&[Value::Null, Value::Int(1), Value::Json("1".into())]),
            "nij"
        );
        // a list that fits in int4 binds as another type than one that does not: two cache entries
        let small = Value::List(vec![Value::Int(1), Value::Int(i64::from(i32::MAX))]);
        let big = Value::List(vec![Value::Int(1), Value::Int(i64::from(i32::MAX) + 1)]);
        let texts = Value::List(vec![Value::Text("a".into())]);
        assert_eq!(postgres_signature(&[small]), "lw");
        assert_eq!(postgres_signature(&[big]), "li");
        assert_eq!(postgres_signature(&[texts]), "lt");
        assert_eq!(
            int4s(&[Value::Int(i64::from(i32::MIN))]),
            Some(vec![i32::MIN])
        );
        assert_eq!(int4s(&[Value::Int(1), Value::Text("1".into())]), None);
    }
}
