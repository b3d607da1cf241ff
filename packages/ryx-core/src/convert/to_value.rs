//! Python object → `Value`: exact-type fast paths for the common scalars, then the typed slow path.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDict, PyFloat,
    PyInt, PyList, PyMemoryView, PyString, PyTime, PyTimeAccess, PyTuple, PyType, PyTzInfo,
    PyTzInfoAccess,
};
use ryx_query::Value;
use uuid::Uuid;

use crate::exceptions::{new_err, Kind};

/// Marks a value to be bound as a JSON document, whatever its Python type (a list, a str, a number).
#[pyclass(frozen, name = "Json", module = "ryx_core")]
pub struct PyJson {
    /// The wrapped value.
    #[pyo3(get)]
    pub value: Py<PyAny>,
}

#[pymethods]
impl PyJson {
    #[new]
    fn new(value: Py<PyAny>) -> Self {
        PyJson { value }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Json({})", self.value.bind(py).repr()?))
    }
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Convert one Python value to a bound SQL value.
///
/// # Errors
/// `UnsupportedTypeError` for a type with no SQL mapping, `QueryError` for an int beyond 64 bits.
pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    // Exact builtin types first: one pointer comparison each, no isinstance walk.
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return int_value(obj);
    }
    if obj.is_exact_instance_of::<PyString>() {
        return Ok(Value::Text(obj.cast::<PyString>()?.to_str()?.to_owned()));
    }
    if obj.is_exact_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if obj.is_exact_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.cast::<PyFloat>()?.value()));
    }
    // The ORM binds exact Decimals and datetimes (aware UTC or naive) for every decimal and datetime
    // column: read them without the isinstance chain and Python method calls. Subclasses, other
    // time zones and everything else take the slow path, which defines the behaviour.
    if obj.is_exact_instance_of::<PyDateTime>() {
        if let Some(v) = exact_datetime(obj.cast::<PyDateTime>()?)? {
            return Ok(v);
        }
    } else if obj
        .get_type()
        .is(DECIMAL.import(obj.py(), "decimal", "Decimal")?)
    {
        return decimal_value(obj);
    } else if obj.is_exact_instance_of::<PyDate>() {
        return Ok(Value::Date(date_of(obj.cast::<PyDate>()?)?));
    }
    slow_value(obj)
}

/// A naive or UTC datetime read through the C API's field accessors; `None` for another tzinfo
/// (whose `utcoffset` only Python can answer).
fn exact_datetime(dt: &Bound<'_, PyDateTime>) -> PyResult<Option<Value>> {
    let utc = match dt.get_tzinfo() {
        None => false,
        Some(tz) if tz.is(&*PyTzInfo::utc(dt.py())?) => true,
        Some(_) => return Ok(None),
    };
    let time = NaiveTime::from_hms_micro_opt(
        u32::from(dt.get_hour()),
        u32::from(dt.get_minute()),
        u32::from(dt.get_second()),
        dt.get_microsecond(),
    )
    .ok_or_else(|| invalid_temporal("datetime"))?;
    let naive = NaiveDateTime::new(date_of(dt)?, time);
    Ok(Some(if utc {
        Value::DateTimeUtc(naive.and_utc())
    } else {
        Value::DateTime(naive)
    }))
}

fn date_of(d: &impl PyDateAccess) -> PyResult<NaiveDate> {
    NaiveDate::from_ymd_opt(
        d.get_year(),
        u32::from(d.get_month()),
        u32::from(d.get_day()),
    )
    .ok_or_else(|| invalid_temporal("date"))
}

/// Python's constructors guarantee valid fields; this only keeps an impossible case from panicking.
fn invalid_temporal(what: &str) -> PyErr {
    new_err(
        Kind::UnsupportedTypeError,
        format!("the {what} has fields out of range"),
    )
}

/// A Decimal as its exact text. NaN and Infinity are told from the text (a finite Decimal's `str`
/// starts with a digit after its sign; `NaN`, `sNaN` and `Infinity` do not) instead of calling
/// `is_finite`.
fn decimal_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let text = obj.str()?;
    let text = text.to_str()?;
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(new_err(
            Kind::UnsupportedTypeError,
            "Decimal NaN and Infinity have no SQL equivalent on every backend; store None instead",
        ));
    }
    Ok(Value::Decimal(text.to_owned()))
}

fn int_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    match obj.extract::<i64>() {
        Ok(v) => Ok(Value::Int(v)),
        Err(_) => Err(new_err(
            Kind::QueryError,
            format!(
                "integer {} does not fit in a 64-bit SQL integer; store it as Decimal or str instead",
                obj.str().map(|s| s.to_string()).unwrap_or_default()
            ),
        )),
    }
}

fn slow_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_value(obj);
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::Text(obj.str()?.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract::<f64>()?));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Value::Bytes(b.to_vec()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return Ok(Value::Bytes(
            obj.call_method0("tobytes")?
                .cast::<PyBytes>()?
                .as_bytes()
                .to_vec(),
        ));
    }
    // datetime before date: datetime is a subclass of date.
    if obj.is_instance_of::<PyDateTime>() {
        return datetime_value(obj);
    }
    if obj.is_instance_of::<PyDate>() {
        return Ok(Value::Date(obj.extract::<NaiveDate>()?));
    }
    if obj.is_instance_of::<PyTime>() {
        if !obj.getattr("tzinfo")?.is_none() {
            return Err(new_err(
                Kind::UnsupportedTypeError,
                "a time with a tzinfo has no SQL equivalent on every backend; convert it to a naive UTC time",
            ));
        }
        return Ok(Value::Time(obj.extract::<NaiveTime>()?));
    }
    if obj.is_instance_of::<PyDelta>() {
        let delta = obj.extract::<TimeDelta>()?;
        return delta
            .num_microseconds()
            .map(Value::Duration)
            .ok_or_else(|| {
                new_err(
                    Kind::QueryError,
                    "timedelta is too large to store as 64-bit microseconds",
                )
            });
    }
    if obj.is_instance(DECIMAL.import(py, "decimal", "Decimal")?)? {
        if !obj.call_method0("is_finite")?.is_truthy()? {
            return Err(new_err(
                Kind::UnsupportedTypeError,
                "Decimal NaN and Infinity have no SQL equivalent on every backend; store None instead",
            ));
        }
        return Ok(Value::Decimal(obj.str()?.to_str()?.to_owned()));
    }
    if obj.is_instance(UUID.import(py, "uuid", "UUID")?)? {
        let bytes = obj.getattr("bytes")?;
        let uuid = Uuid::from_slice(bytes.cast::<PyBytes>()?.as_bytes())
            .map_err(|e| new_err(Kind::UnsupportedTypeError, format!("invalid UUID: {e}")))?;
        return Ok(Value::Uuid(uuid));
    }
    if let Ok(json) = obj.cast::<PyJson>() {
        return json_value(json.get().value.bind(py));
    }
    if obj.is_instance_of::<PyDict>() {
        return json_value(obj);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items = obj
            .try_iter()?
            .map(|item| to_value(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Value::List(items));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    Err(new_err(
        Kind::UnsupportedTypeError,
        format!(
            "cannot bind a value of type {type_name} as an SQL parameter; use None, bool, int, float, Decimal, str, \
             bytes, date, time, datetime, timedelta, UUID, a dict (JSON) or a list (for `in`)"
        ),
    ))
}

fn datetime_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.call_method0("utcoffset")?.is_none() {
        return Ok(Value::DateTime(obj.extract::<NaiveDateTime>()?));
    }
    let aware = obj.extract::<DateTime<FixedOffset>>()?;
    Ok(Value::DateTimeUtc(aware.with_timezone(&Utc)))
}

/// Serialise a dict or list to JSON text with the stdlib encoder (compact, unicode kept, no NaN).
pub fn json_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let dumps = JSON_DUMPS.import(py, "json", "dumps")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("allow_nan", false)?;
    kwargs.set_item("separators", (",", ":"))?;
    let text = dumps.call((obj,), Some(&kwargs)).map_err(|e| {
        new_err(
            Kind::UnsupportedTypeError,
            format!("value is not JSON serialisable: {e}"),
        )
    })?;
    Ok(Value::Json(text.cast::<PyString>()?.to_str()?.to_owned()))
}

/// Convert a value written into a column (INSERT/UPDATE): a list or tuple there is a JSON document,
/// since an IN-list has no meaning outside a filter.
pub fn write_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return json_value(obj);
    }
    to_value(obj)
}

/// Convert a Python sequence of parameters.
pub fn to_values(params: &Bound<'_, PyAny>) -> PyResult<Vec<Value>> {
    if params.is_none() {
        return Ok(Vec::new());
    }
    if params.is_instance_of::<PyString>() || params.is_instance_of::<PyDict>() {
        return Err(new_err(
            Kind::QueryError,
            "params must be a sequence (list or tuple) of values, one per `?` placeholder",
        ));
    }
    params.try_iter()?.map(|item| to_value(&item?)).collect()
}
