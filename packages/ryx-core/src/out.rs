//! Results handed back to Python: rows as dicts, tuples or instances, single values, and decode hints.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyMapping, PyString};
use ryx_engine::{DecodeHint, Hints, Rows};
use ryx_query::Value;

use crate::convert::to_py::{column_names, row_dict, row_tuple, rows_to_py, value_to_py};
use crate::exceptions::{new_err, Kind};
use crate::instances::Instances;

/// Every row of a result.
pub struct RowsOut {
    pub rows: Rows,
    pub as_tuples: bool,
    pub into: Option<Arc<Instances>>,
}

impl<'py> IntoPyObject<'py> for RowsOut {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match &self.into {
            Some(into) => into.build(py, &self.rows.rows),
            None => rows_to_py(py, &self.rows.columns, &self.rows.rows, self.as_tuples),
        }
    }
}

/// At most one row.
pub struct RowOut {
    pub columns: Arc<[String]>,
    pub row: Option<Vec<Value>>,
    pub as_tuples: bool,
}

impl<'py> IntoPyObject<'py> for RowOut {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(match self.row {
            None => py.None().into_bound(py),
            Some(row) if self.as_tuples => row_tuple(py, &row)?.into_any(),
            Some(row) => row_dict(py, &column_names(py, &self.columns), &row)?.into_any(),
        })
    }
}

/// One value.
pub struct ValueOut(pub Value);

impl<'py> IntoPyObject<'py> for ValueOut {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(value_to_py(py, &self.0)?.into_bound(py))
    }
}

fn hint(name: &str) -> PyResult<DecodeHint> {
    name.parse::<DecodeHint>().map_err(|_| {
        new_err(
            Kind::QueryError,
            format!(
                "unknown decode hint '{name}'; use one of auto, bool, int, float, decimal, str, bytes, date, time, \
                 datetime, datetime_utc, timedelta, uuid, json"
            ),
        )
    })
}

/// Parse `hints=`: None, a sequence (by position; None = auto) or a mapping {column: hint}.
pub fn parse_hints(hints: Option<&Bound<'_, PyAny>>) -> PyResult<Hints> {
    let Some(hints) = hints.filter(|h| !h.is_none()) else {
        return Ok(Hints::default());
    };
    if let Ok(mapping) = hints.cast::<PyMapping>() {
        let mut named = Vec::new();
        for item in mapping.items()?.iter() {
            let (column, name): (String, String) = item.extract()?;
            named.push((column, hint(&name)?));
        }
        return Ok(Hints::named(named));
    }
    if hints.is_instance_of::<PyString>() {
        return Err(new_err(
            Kind::QueryError,
            "hints must be a sequence or a mapping of hint names, not a string",
        ));
    }
    let mut positional = Vec::new();
    for item in hints.try_iter()? {
        let item = item?;
        positional.push(if item.is_none() {
            DecodeHint::Auto
        } else {
            hint(item.extract::<&str>()?)?
        });
    }
    Ok(Hints::positional(positional))
}

/// Parse a single optional hint.
pub fn parse_hint(name: Option<&str>) -> PyResult<Hints> {
    Ok(match name {
        None => Hints::default(),
        Some(n) => Hints::positional(vec![hint(n)?]),
    })
}
