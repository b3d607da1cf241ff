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
