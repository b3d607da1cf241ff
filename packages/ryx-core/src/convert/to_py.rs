//! `Value` and decoded rows → Python objects, built in one attached section per result.

use chrono::TimeDelta;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use ryx_query::Value;

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Convert one value.
pub fn value_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_py_any(py)?,
        Value::Int(i) => i.into_py_any(py)?,
        Value::Float(f) => f.into_py_any(py)?,
        Value::Decimal(text) => DECIMAL
            .import(py, "decimal", "Decimal")?
            .call1((text.as_str(),))?
            .unbind(),
        Value::Text(s) => PyString::new(py, s).into_any().unbind(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any().unbind(),
        Value::Date(d) => d.into_py_any(py)?,
        Value::Time(t) => t.into_py_any(py)?,
        Value::DateTime(dt) => dt.into_py_any(py)?,
        Value::DateTimeUtc(dt) => dt.into_py_any(py)?,
        Value::Duration(micros) => TimeDelta::microseconds(*micros).into_py_any(py)?,
        Value::Uuid(u) => u.into_py_any(py)?,
        Value::Json(text) => JSON_LOADS
            .import(py, "json", "loads")?
            .call1((text.as_str(),))?
            .unbind(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
    })
}

/// Build one row as a tuple.
pub fn row_tuple<'py>(py: Python<'py>, row: &[Value]) -> PyResult<Bound<'py, PyTuple>> {
    let items = row
        .iter()
        .map(|v| value_to_py(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

/// Build one row as a dict keyed by the (pre-built) column names.
pub fn row_dict<'py>(
    py: Python<'py>,
    names: &[Bound<'py, PyString>],
    row: &[Value],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (name, v) in names.iter().zip(row) {
        dict.set_item(name, value_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// Column names as Python strings, created once per result and shared by every row.
pub fn column_names<'py>(py: Python<'py>, columns: &[String]) -> Vec<Bound<'py, PyString>> {
    columns.iter().map(|c| PyString::intern(py, c)).collect()
}

/// All rows as a list of dicts or tuples.
pub fn rows_to_py<'py>(
    py: Python<'py>,
    columns: &[String],
    rows: &[Vec<Value>],
    as_tuples: bool,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    if as_tuples {
        for row in rows {
            list.append(row_tuple(py, row)?)?;
        }
    } else {
        let names = column_names(py, columns);
        for row in rows {
            list.append(row_dict(py, &names, row)?)?;
        }
    }
    Ok(list)
}
