//! PostgreSQL column values (binary format, by column type) into `Value`.

use std::net::{Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use ryx_query::Value;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::{Oid, PgInterval, PgTimeTz};
use sqlx::postgres::{PgRow, PgTypeInfo, PgTypeKind, PgValueFormat, PgValueRef, Postgres};
use sqlx::{Decode, Row, Type, TypeInfo, ValueRef};
use uuid::Uuid;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Decode column `index` of `row` by its PostgreSQL type.
pub(crate) fn decode(row: &PgRow, index: usize) -> Result<Value, String> {
    let raw = row.try_get_raw(index).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // The built-in types by OID first (a jump, where matching the type's name compares strings);
    // domains, enums, arrays and the rarer types by name.
    let oid = raw.type_info().oid().map(|o| o.0);
    if let Some(decoded) = oid.and_then(|oid| builtin(raw.clone(), oid)) {
        return decoded;
    }
    let ty = raw.type_info().into_owned();
    value(raw, &ty)
}

/// The value of a column of a common built-in type, by its OID (`None`: another type).
fn builtin(raw: PgValueRef<'_>, oid: u32) -> Option<Result<Value, String>> {
    Some(match oid {
        16 => dec(raw).map(Value::Bool),
        20 => dec(raw).map(Value::Int),
        21 => dec::<i16>(raw).map(|v| Value::Int(v.into())),
        23 => dec::<i32>(raw).map(|v| Value::Int(v.into())),
        25 | 1042 | 1043 => dec::<String>(raw).map(Value::Text),
        700 => dec(raw).map(|v| Value::Float(f32_to_f64(v))),
        701 => dec(raw).map(Value::Float),
        1700 => dec::<NumericText>(raw).map(|v| Value::Decimal(v.0)),
        1082 => dec(raw).map(Value::Date),
        1083 => dec(raw).map(Value::Time),
        1114 => dec(raw).map(Value::DateTime),
        1184 => dec(raw).map(Value::DateTimeUtc),
        2950 => dec(raw).map(Value::Uuid),
        _ => return None,
    })
}

fn dec<'r, T: Decode<'r, Postgres>>(raw: PgValueRef<'r>) -> Result<T, String> {
    T::decode(raw).map_err(|e| e.to_string())
}

fn value(raw: PgValueRef<'_>, ty: &PgTypeInfo) -> Result<Value, String> {
    match ty.kind() {
        // A domain is stored exactly like its base type.
        PgTypeKind::Domain(base) => return value(raw, base),
        // Enum labels travel as their text in the binary format too.
        PgTypeKind::Enum(_) => return Ok(Value::Text(dec::<&str>(raw)?.to_owned())),
        PgTypeKind::Array(elem) => return array(raw, elem),
        _ => {}
    }
    Ok(match ty.name() {
        "BOOL" => Value::Bool(dec(raw)?),
        "INT2" => Value::Int(dec::<i16>(raw)?.into()),
        "INT4" => Value::Int(dec::<i32>(raw)?.into()),
        "INT8" => Value::Int(dec(raw)?),
        "OID" => Value::Int(dec::<Oid>(raw)?.0.into()),
        "FLOAT4" => Value::Float(f32_to_f64(dec(raw)?)),
        "FLOAT8" => Value::Float(dec(raw)?),
        "NUMERIC" => Value::Decimal(dec::<NumericText>(raw)?.0),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" | "citext" => {
            Value::Text(dec::<String>(raw)?)
        }
        "\"CHAR\"" => Value::Text(char::from(dec::<i8>(raw)?.to_ne_bytes()[0]).to_string()),
        "BYTEA" => Value::Bytes(dec(raw)?),
        "DATE" => Value::Date(dec::<NaiveDate>(raw)?),
        "TIME" => Value::Time(dec::<NaiveTime>(raw)?),
        "TIMETZ" => Value::Time(timetz_to_utc(&dec(raw)?)),
        "TIMESTAMP" => Value::DateTime(dec::<NaiveDateTime>(raw)?),
        "TIMESTAMPTZ" => Value::DateTimeUtc(dec::<DateTime<Utc>>(raw)?),
        "INTERVAL" => Value::Duration(interval_micros(&dec(raw)?)?),
        "UUID" => Value::Uuid(dec::<Uuid>(raw)?),
        "JSON" | "JSONB" => Value::Json(json_text(raw)?),
        "INET" | "CIDR" => Value::Text(inet_text(raw.as_bytes().map_err(|e| e.to_string())?)?),
        "MACADDR" => Value::Text(mac_text(raw.as_bytes().map_err(|e| e.to_string())?)),
        "VOID" => Value::Null,
        name => {
            return Err(format!(
                "PostgreSQL type {name} has no Ryx value mapping; cast it in SQL (e.g. `col::text`)"
            ))
        }
    })
}

fn array(raw: PgValueRef<'_>, elem: &PgTypeInfo) -> Result<Value, String> {
    let elem_name = match elem.kind() {
        PgTypeKind::Domain(base) => base.name(),
        _ => elem.name(),
    };
    match elem_name {
        "BOOL" => list::<bool>(raw, |v| Ok(Value::Bool(v))),
        "INT2" => list::<i16>(raw, |v| Ok(Value::Int(v.into()))),
        "INT4" => list::<i32>(raw, |v| Ok(Value::Int(v.into()))),
        "INT8" => list::<i64>(raw, |v| Ok(Value::Int(v))),
        "FLOAT4" => list::<f32>(raw, |v| Ok(Value::Float(f32_to_f64(v)))),
        "FLOAT8" => list::<f64>(raw, |v| Ok(Value::Float(v))),
        "NUMERIC" => list::<NumericText>(raw, |v| Ok(Value::Decimal(v.0))),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" => list::<String>(raw, |v| Ok(Value::Text(v))),
        "BYTEA" => list::<Vec<u8>>(raw, |v| Ok(Value::Bytes(v))),
        "DATE" => list::<NaiveDate>(raw, |v| Ok(Value::Date(v))),
        "TIME" => list::<NaiveTime>(raw, |v| Ok(Value::Time(v))),
        "TIMESTAMP" => list::<NaiveDateTime>(raw, |v| Ok(Value::DateTime(v))),
        "TIMESTAMPTZ" => list::<DateTime<Utc>>(raw, |v| Ok(Value::DateTimeUtc(v))),
        "INTERVAL" => list::<PgInterval>(raw, |v| Ok(Value::Duration(interval_micros(&v)?))),
        "UUID" => list::<Uuid>(raw, |v| Ok(Value::Uuid(v))),
        name => Err(format!(
            "PostgreSQL arrays of {name} have no Ryx value mapping; cast the column in SQL \
             (e.g. `col::text[]`)"
        )),
    }
}

fn list<T>(raw: PgValueRef<'_>, f: impl Fn(T) -> Result<Value, String>) -> Result<Value, String>
where
    T: for<'a> Decode<'a, Postgres> + Type<Postgres>,
{
    let items: Vec<Option<T>> = dec(raw)?;
    items
        .into_iter()
        .map(|item| item.map_or(Ok(Value::Null), &f))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::List)
}

/// A `numeric` as PostgreSQL prints it, keeping the display scale (`1.10` stays `1.10`; going
/// through sqlx's `BigDecimal` would round the scale up to a multiple of four digits).
struct NumericText(String);

impl Type<Postgres> for NumericText {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(1700))
    }
}

impl Decode<'_, Postgres> for NumericText {
    fn decode(raw: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        if raw.format() == PgValueFormat::Text {
            return Ok(Self(raw.as_str()?.to_owned()));
        }
        numeric_text(raw.as_bytes()?).map(Self).map_err(Into::into)
    }
}

/// Binary numeric: ndigits, weight, sign, dscale (all 16-bit), then base-10000 digits.
fn numeric_text(bytes: &[u8]) -> Result<String, String> {
    let word = |i: usize| -> Result<u16, String> {
        bytes
            .get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated numeric value".to_owned())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(i16::from_be_bytes(word(1)?.to_be_bytes()));
    let sign = word(2)?;
    let dscale = usize::from(word(3)?);
    let digits = (0..ndigits)
        .map(|i| word(4 + i))
        .collect::<Result<Vec<_>, _>>()?;
    let digit = |group: i32| -> u16 {
        usize::try_from(group)
            .ok()
            .and_then(|g| digits.get(g).copied())
            .unwrap_or(0)
    };
    let mut out = String::new();
    match sign {
        0x0000 => {}
        0x4000 => out.push('-'),
        0xC000 => return Ok("NaN".to_owned()),
        0xD000 => return Ok("Infinity".to_owned()),
        0xF000 => return Ok("-Infinity".to_owned()),
        other => return Err(format!("invalid numeric sign {other:#x}")),
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0).to_string());
        for group in 1..=weight {
            out.push_str(&format!("{:04}", digit(group)));
        }
    }
    if dscale > 0 {
        let mut frac = String::with_capacity(dscale + 4);
        let mut group = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(group)));
            group += 1;
        }
        frac.truncate(dscale);
        out.push('.');
        out.push_str(&frac);
    }
    Ok(out)
}

/// `float4` through its shortest decimal form, so `0.1::float4` reads as `0.1`, not
/// `0.10000000149011612`.
fn f32_to_f64(v: f32) -> f64 {
    v.to_string().parse().unwrap_or_else(|_| f64::from(v))
}

/// Months count as 30 days, as PostgreSQL's own `justify_days` and Python's lack of months imply.
fn interval_micros(iv: &PgInterval) -> Result<i64, String> {
    let days = i64::from(iv.months) * 30 + i64::from(iv.days);
    days.checked_mul(MICROS_PER_DAY)
        .and_then(|d| d.checked_add(iv.microseconds))
        .ok_or_else(|| "interval does not fit in a 64-bit count of microseconds".to_owned())
}

fn timetz_to_utc(t: &PgTimeTz<NaiveTime, FixedOffset>) -> NaiveTime {
    let offset = TimeDelta::seconds(i64::from(t.offset.local_minus_utc()));
    t.time.overflowing_sub_signed(offset).0
}

fn json_text(raw: PgValueRef<'_>) -> Result<String, String> {
    let is_jsonb = raw.type_info().name() == "JSONB";
    let mut bytes = raw.as_bytes().map_err(|e| e.to_string())?;
    if is_jsonb && raw.format() == PgValueFormat::Binary {
        // Binary jsonb starts with a format version byte (currently 1).
        match bytes.split_first() {
            Some((1, rest)) => bytes = rest,
            _ => return Err("unsupported jsonb binary format version".to_owned()),
        }
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())
}

/// Binary inet/cidr: family, bits, is_cidr, length, address bytes.
fn inet_text(bytes: &[u8]) -> Result<String, String> {
    let bad = || "malformed inet value".to_owned();
    let [family, bits, is_cidr, len, addr @ ..] = bytes else {
        return Err(bad());
    };
    let (text, full) = match (family, len, addr) {
        (2, 4, &[a, b, c, d]) => (Ipv4Addr::new(a, b, c, d).to_string(), 32),
        (3, 16, addr) if addr.len() == 16 => {
            let octets: [u8; 16] = addr.try_into().map_err(|_| bad())?;
            (Ipv6Addr::from(octets).to_string(), 128)
        }
        _ => return Err(bad()),
    };
    Ok(if *bits == full && *is_cidr == 0 {
        text
    } else {
        format!("{text}/{bits}")
    })
}

fn mac_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_count_months_as_thirty_days() {
        let iv = PgInterval {
            months: 1,
            days: -1,
            microseconds: -5,
        };
        assert_eq!(interval_micros(&iv), Ok(29 * MICROS_PER_DAY - 5));
    }

    #[test]
    fn inet_forms() {
        assert_eq!(inet_text(&[2, 32, 0, 4, 10, 0, 0, 1]).unwrap(), "10.0.0.1");
        assert_eq!(
            inet_text(&[2, 24, 1, 4, 10, 0, 0, 0]).unwrap(),
            "10.0.0.0/24"
        );
        assert!(inet_text(&[2, 32]).is_err());
    }

    fn numeric(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> String {
        let mut b = Vec::new();
        b.extend_from_slice(&ndigits.to_be_bytes());
        b.extend_from_slice(&weight.to_be_bytes());
        b.extend_from_slice(&sign.to_be_bytes());
        b.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        numeric_text(&b).unwrap()
    }

    #[test]
    fn numerics_keep_their_scale() {
        assert_eq!(numeric(2, 0, 0, 2, &[1, 1000]), "1.10");
        assert_eq!(numeric(0, 0, 0, 0, &[]), "0");
        assert_eq!(numeric(0, 0, 0, 3, &[]), "0.000");
        assert_eq!(numeric(1, -1, 0x4000, 5, &[12]), "-0.00120");
        assert_eq!(numeric(2, 2, 0, 0, &[1, 2]), "100020000");
        assert_eq!(numeric(3, 1, 0, 4, &[12, 3456, 7800]), "123456.7800");
        assert_eq!(numeric(0, 0, 0xC000, 0, &[]), "NaN");
    }

    #[test]
    fn float4_reads_shortest() {
        assert_eq!(f32_to_f64(0.1), 0.1);
    }
}
