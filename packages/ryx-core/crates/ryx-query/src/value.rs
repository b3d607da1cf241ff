//! Typed SQL values: what is bound as a parameter and what a decoded column holds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use uuid::Uuid;

/// One SQL value. Parameters are always bound from this enum (never formatted into SQL text), and the
/// engine decodes every column into it before the binding layer turns it into a Python object.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL. Always `None` in Python.
    Null,
    Bool(bool),
    /// 64-bit signed integer; wider Python ints are rejected before they get here.
    Int(i64),
    Float(f64),
    /// Exact decimal, kept as its canonical text (`"-12.3400"`) so no precision is lost in transit.
    Decimal(String),
    Text(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    Time(NaiveTime),
    /// A datetime without a time zone.
    DateTime(NaiveDateTime),
    /// An aware datetime, normalised to UTC.
    DateTimeUtc(DateTime<Utc>),
    /// A duration in microseconds (Python `timedelta`).
    Duration(i64),
    Uuid(Uuid),
    /// A JSON document as JSON text (serialised on the Python side, parsed there on the way back).
    Json(String),
    /// A list of values: expanded into one placeholder per item by `IN`, `range` and key-list lookups.
    List(Vec<Value>),
}

impl Value {
    /// Whether this is SQL NULL.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the variant, used in error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Decimal(_) => "decimal",
            Value::Text(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::DateTimeUtc(_) => "datetime (aware)",
            Value::Duration(_) => "timedelta",
            Value::Uuid(_) => "uuid",
            Value::Json(_) => "json",
            Value::List(_) => "list",
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v.into())
            }
        })*
    };
}

value_from!(
    bool => Bool,
    i64 => Int,
    i32 => Int,
    f64 => Float,
    String => Text,
    &str => Text,
    Vec<u8> => Bytes,
    NaiveDate => Date,
    NaiveTime => Time,
    NaiveDateTime => DateTime,
    DateTime<Utc> => DateTimeUtc,
    Uuid => Uuid,
);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// The value as plain text for text lookups (`contains`, `startswith`, …), the way the database shows it.
    ///
    /// Returns `None` for NULL and for values that have no single text form (bytes, lists, JSON).
    #[must_use]
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Text(s) | Value::Decimal(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Time(t) => t.to_string(),
            Value::DateTime(dt) => dt.to_string(),
            Value::DateTimeUtc(dt) => dt.naive_utc().to_string() + "+00:00",
            Value::Duration(us) => us.to_string(),
            Value::Uuid(u) => u.hyphenated().to_string(),
            Value::Null | Value::Bytes(_) | Value::Json(_) | Value::List(_) => return None,
        })
    }

    /// The value as JSON text, for comparisons against JSON documents (`data__key=5` compares to `5`).
    ///
    /// `Json` is passed through unchanged (key order and number spelling kept); NULL is JSON `null`;
    /// decimals keep every digit; dates and UUIDs become JSON strings. Returns `None` for values JSON
    /// cannot represent (bytes, non-finite floats, a decimal or `Json` that is not valid).
    #[must_use]
    pub fn to_json_text(&self) -> Option<String> {
        let mut out = String::new();
        self.write_json(&mut out)?;
        Some(out)
    }

    fn write_json(&self, out: &mut String) -> Option<()> {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Duration(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&serde_json::Number::from_f64(*f)?.to_string()),
            // Written as is: going through f64 would lose digits. It must still be a JSON number.
            Value::Decimal(s) => {
                serde_json::from_str::<serde_json::Number>(s).ok()?;
                out.push_str(s);
            }
            Value::Json(s) => {
                serde_json::from_str::<&serde_json::value::RawValue>(s).ok()?;
                out.push_str(s);
            }
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out)?;
                }
                out.push(']');
            }
            Value::Bytes(_) => return None,
            Value::Text(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::DateTimeUtc(_)
            | Value::Uuid(_) => {
                out.push_str(&serde_json::Value::String(self.to_text()?).to_string())
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_of_values() {
        assert_eq!(Value::Int(5).to_json_text().as_deref(), Some("5"));
        assert_eq!(
            Value::Text("a\"b".into()).to_json_text().as_deref(),
            Some(r#""a\"b""#)
        );
        assert_eq!(Value::Null.to_json_text().as_deref(), Some("null"));
        assert_eq!(
            Value::Json("{\"b\": 1, \"a\": 2}".into())
                .to_json_text()
                .as_deref(),
            Some("{\"b\": 1, \"a\": 2}")
        );
        assert_eq!(
            Value::List(vec![Value::Bool(true), Value::Decimal("1.50".into())])
                .to_json_text()
                .as_deref(),
            Some("[true,1.50]")
        );
        assert_eq!(Value::Float(f64::NAN).to_json_text(), None);
        assert_eq!(
            Value::Decimal("12345678901234567890.123456789".into())
                .to_json_text()
                .as_deref(),
            Some("12345678901234567890.123456789")
        );
        assert_eq!(Value::Json("{oops".into()).to_json_text(), None);
        assert_eq!(Value::Bytes(vec![1]).to_json_text(), None);
    }

    #[test]
    fn text_of_values() {
        assert_eq!(Value::Int(42).to_text().as_deref(), Some("42"));
        assert_eq!(Value::Null.to_text(), None);
        assert_eq!(Value::Json("{}".into()).to_text(), None);
    }
}
