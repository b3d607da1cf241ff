//! `insert`, `bulk_insert` and `bulk_update`: statements compiled in Rust, chunked under the bound-parameter
//! limit, and run atomically (inside the caller's transaction, or in one of their own).

use std::future::Future;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyTuple};
use ryx_engine::{executor, Hints};
use ryx_query::ast::{Expr, Insert, OnConflict, TableRef};
use ryx_query::{Compiled, Value};

use crate::convert::to_py::value_to_py;
use crate::convert::to_value::{to_value, write_value};
use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::py_tx::PyTransaction;
use crate::runtime::{awaitable, blocking};
use crate::target::resolve;

type Tx<'a, 'py> = Option<&'a Bound<'py, PyTransaction>>;

fn table_ref(table: &str, schema: Option<&str>) -> TableRef {
    let t = TableRef::new(table);
    match schema {
        Some(s) => t.schema(s),
        None => t,
    }
}

fn batches(compiled: Vec<Compiled>) -> Vec<(String, Vec<Value>)> {
    compiled.into_iter().map(|c| (c.sql, c.params)).collect()
}

/// What `insert` gives back: the requested columns of the new row.
pub struct Inserted {
    columns: Vec<String>,
    values: Option<Vec<Value>>,
}

impl<'py> IntoPyObject<'py> for Inserted {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let Some(values) = self.values else {
            return Ok(py.None().into_bound(py));
        };
        let d = PyDict::new(py);
        for (c, v) in self.columns.iter().zip(&values) {
            d.set_item(c, value_to_py(py, v)?)?;
        }
        Ok(d.into_any())
    }
}

fn insert_fut(
    table: &str,
    values: &Bound<'_, PyAny>,
    returning: Vec<String>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
) -> PyResult<impl Future<Output = Result<Inserted, RyxErr>> + Send + 'static> {
    let mapping = values.cast::<PyMapping>().map_err(|_| {
        new_err(
            Kind::QueryError,
            "insert values must be a mapping {column: value}",
        )
    })?;
    let mut columns = Vec::new();
    let mut row = Vec::new();
    let mut given = Vec::new();
    for item in mapping.items()?.iter() {
        let (col, value): (String, Bound<'_, PyAny>) = item.extract()?;
        let v = write_value(&value)?;
        given.push((col.clone(), v.clone()));
        columns.push(col);
        row.push(Expr::Value(v));
    }
    let r = resolve(alias, tx)?;
    let use_returning = !returning.is_empty() && r.dialect.features().supports_returning;
    let ins = Insert::new(table_ref(table, schema), columns)
        .row(row)
        .returning(if use_returning {
            returning.clone()
        } else {
            Vec::new()
        });
    let c = ryx_query::compile_insert(&ins, r.dialect).map_err(RyxErr::from)?;
    Ok(async move {
        if returning.is_empty() {
            executor::execute(&r.target, &c.sql, c.params).await?;
            return Ok(Inserted {
                columns: returning,
                values: None,
            });
        }
        if use_returning {
            let (_, row) =
                executor::fetch_optional(&r.target, &c.sql, c.params, &Hints::default()).await?;
            return Ok(Inserted {
                columns: returning,
                values: row,
            });
        }
        // MySQL has no RETURNING: the generated key comes from the last insert id; other requested columns
        // can only be echoed from the values given.
        let res = executor::execute(&r.target, &c.sql, c.params).await?;
        let mut values = Vec::with_capacity(returning.len());
        for col in &returning {
            match given.iter().find(|(c, _)| c == col) {
                Some((_, v)) => values.push(v.clone()),
                None => values.push(res.last_insert_id.map_or(Value::Null, Value::Int)),
            }
        }
        Ok(Inserted {
            columns: returning,
            values: Some(values),
        })
    })
}

/// Insert one row.
#[pyfunction]
#[pyo3(signature = (table, values, *, returning=Vec::new(), schema=None, alias=None, tx=None),
    text_signature = "(table, values, *, returning=(), schema=None, alias=None, tx=None)")]
pub fn insert<'py>(
    py: Python<'py>,
    table: &str,
    values: &Bound<'py, PyAny>,
    returning: Vec<String>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    awaitable(py, insert_fut(table, values, returning, schema, alias, tx)?)
}

/// Blocking `insert`.
#[pyfunction]
#[pyo3(signature = (table, values, *, returning=Vec::new(), schema=None, alias=None, tx=None),
    text_signature = "(table, values, *, returning=(), schema=None, alias=None, tx=None)")]
pub fn insert_sync<'py>(
    py: Python<'py>,
    table: &str,
    values: &Bound<'py, PyAny>,
    returning: Vec<String>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<Inserted> {
    blocking(py, insert_fut(table, values, returning, schema, alias, tx)?)
}

/// Either the generated keys in row order, or the number of rows inserted.
pub enum BulkResult {
    Keys(Vec<Value>),
    Count(u64),
}

impl<'py> IntoPyObject<'py> for BulkResult {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self {
            BulkResult::Count(n) => Ok(n.into_pyobject(py)?.into_any()),
            BulkResult::Keys(keys) => {
                let list = pyo3::types::PyList::empty(py);
                for k in &keys {
                    list.append(value_to_py(py, k)?)?;
                }
                Ok(list.into_any())
            }
        }
    }
}

/// Convert the rows to values, one list per row, checking each has one value per column.
fn bulk_rows(rows: &Bound<'_, PyAny>, columns: usize) -> PyResult<Vec<Vec<Value>>> {
    let mut out = Vec::with_capacity(rows.len().unwrap_or(0));
    for (i, row) in rows.try_iter()?.enumerate() {
        let row = row?;
        let mut values = Vec::with_capacity(columns);
        // Tuples and lists (what the ORM passes) are read by index; any other iterable is iterated.
        if let Ok(t) = row.cast::<PyTuple>() {
            for v in t.iter() {
                values.push(write_value(&v)?);
            }
        } else if let Ok(l) = row.cast::<PyList>() {
            for v in l.iter() {
                values.push(write_value(&v)?);
            }
        } else {
            for v in row.try_iter()? {
                values.push(write_value(&v?)?);
            }
        }
        if values.len() != columns {
            return Err(new_err(
                Kind::QueryError,
                format!(
                    "row {i} has {} values but {columns} columns were given",
                    values.len(),
                ),
            ));
        }
        out.push(values);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn bulk_insert_fut(
    table: &str,
    columns: Vec<String>,
    rows: &Bound<'_, PyAny>,
    returning: Option<String>,
    ignore_conflicts: bool,
    update_conflicts: bool,
    conflict_target: Vec<String>,
    update_fields: Vec<String>,
    batch_size: Option<i64>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
) -> PyResult<impl Future<Output = Result<BulkResult, RyxErr>> + Send + 'static> {
    if columns.is_empty() {
        return Err(new_err(
            Kind::QueryError,
            "bulk_insert needs at least one column",
        ));
    }
    if ignore_conflicts && update_conflicts {
        return Err(new_err(
            Kind::QueryError,
            "choose ignore_conflicts or update_conflicts, not both",
        ));
    }
    let batch_size = match batch_size.map(usize::try_from) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        Some(_) => {
            return Err(new_err(
                Kind::QueryError,
                "batch_size must be at least 1 row per statement (or None for no limit)",
            ))
        }
    };
    let values = bulk_rows(rows, columns.len())?;
    let on_conflict = if ignore_conflicts {
        Some(OnConflict::Ignore {
            target: conflict_target,
        })
    } else if update_conflicts {
        if update_fields.is_empty() {
            return Err(new_err(
                Kind::QueryError,
                "update_conflicts=True needs update_fields",
            ));
        }
        Some(OnConflict::Update {
            target: conflict_target,
            update: update_fields,
        })
    } else {
        None
    };
    let r = resolve(alias, tx)?;
    let returning_native = returning.is_some() && r.dialect.features().supports_returning;
    let compiled = if values.is_empty() {
        Vec::new()
    } else if returning.is_some() && !returning_native {
        // MySQL: one statement per row so that every generated key is known (LAST_INSERT_ID is per statement).
        let ins = Insert::new(table_ref(table, schema), columns).on_conflict(on_conflict);
        ryx_query::compile_insert_values(&ins, values, Some(1), r.dialect).map_err(RyxErr::from)?
    } else {
        let ins = Insert::new(table_ref(table, schema), columns)
            .on_conflict(on_conflict)
            .returning(returning.iter().cloned().collect());
        ryx_query::compile_insert_values(&ins, values, batch_size, r.dialect)
            .map_err(RyxErr::from)?
    };
    Ok(async move {
        if compiled.is_empty() {
            return Ok(if returning.is_some() {
                BulkResult::Keys(Vec::new())
            } else {
                BulkResult::Count(0)
            });
        }
        let fetch = returning_native;
        let (rows_affected, rows, results) =
            executor::execute_batches(&r.target, batches(compiled), fetch, &Hints::default())
                .await?;
        Ok(match returning {
            None => BulkResult::Count(rows_affected),
            Some(_) if fetch => BulkResult::Keys(
                rows.rows
                    .into_iter()
                    .map(|row| row.into_iter().next().unwrap_or(Value::Null))
                    .collect(),
            ),
            Some(_) => BulkResult::Keys(
                results
                    .iter()
                    .map(|res| res.last_insert_id.map_or(Value::Null, Value::Int))
                    .collect(),
            ),
        })
    })
}

/// Insert many rows, atomically, in statements of at most `batch_size` rows (any number when None), each
/// under the backend's bound-parameter limit.
#[pyfunction]
#[pyo3(signature = (table, columns, rows, *, returning=None, ignore_conflicts=false, update_conflicts=false,
    conflict_target=Vec::new(), update_fields=Vec::new(), batch_size=None, schema=None, alias=None, tx=None),
    text_signature = "(table, columns, rows, *, returning=None, ignore_conflicts=False, update_conflicts=False, \
    conflict_target=(), update_fields=(), batch_size=None, schema=None, alias=None, tx=None)")]
#[allow(clippy::too_many_arguments)]
pub fn bulk_insert<'py>(
    py: Python<'py>,
    table: &str,
    columns: Vec<String>,
    rows: &Bound<'py, PyAny>,
    returning: Option<String>,
    ignore_conflicts: bool,
    update_conflicts: bool,
    conflict_target: Vec<String>,
    update_fields: Vec<String>,
    batch_size: Option<i64>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let fut = bulk_insert_fut(
        table,
        columns,
        rows,
        returning,
        ignore_conflicts,
        update_conflicts,
        conflict_target,
        update_fields,
        batch_size,
        schema,
        alias,
        tx,
    )?;
    awaitable(py, fut)
}

/// Blocking `bulk_insert`.
#[pyfunction]
#[pyo3(signature = (table, columns, rows, *, returning=None, ignore_conflicts=false, update_conflicts=false,
    conflict_target=Vec::new(), update_fields=Vec::new(), batch_size=None, schema=None, alias=None, tx=None),
    text_signature = "(table, columns, rows, *, returning=None, ignore_conflicts=False, update_conflicts=False, \
    conflict_target=(), update_fields=(), batch_size=None, schema=None, alias=None, tx=None)")]
#[allow(clippy::too_many_arguments)]
pub fn bulk_insert_sync<'py>(
    py: Python<'py>,
    table: &str,
    columns: Vec<String>,
    rows: &Bound<'py, PyAny>,
    returning: Option<String>,
    ignore_conflicts: bool,
    update_conflicts: bool,
    conflict_target: Vec<String>,
    update_fields: Vec<String>,
    batch_size: Option<i64>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<BulkResult> {
    let fut = bulk_insert_fut(
        table,
        columns,
        rows,
        returning,
        ignore_conflicts,
        update_conflicts,
        conflict_target,
        update_fields,
        batch_size,
        schema,
        alias,
        tx,
    )?;
    blocking(py, fut)
}

fn bulk_update_fut(
    table: &str,
    pk: &str,
    columns: Vec<String>,
    rows: &Bound<'_, PyAny>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
) -> PyResult<impl Future<Output = Result<u64, RyxErr>> + Send + 'static> {
    let mut data = Vec::new();
    for (i, item) in rows.try_iter()?.enumerate() {
        let (key, values): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            item?.extract().map_err(|_| {
                new_err(
                    Kind::QueryError,
                    format!("row {i} must be a pair (pk, [values...])"),
                )
            })?;
        let vals = values
            .try_iter()?
            .map(|v| write_value(&v?))
            .collect::<PyResult<Vec<_>>>()?;
        if vals.len() != columns.len() {
            return Err(new_err(
                Kind::QueryError,
                format!(
                    "row {i} has {} values but {} columns were given",
                    vals.len(),
                    columns.len()
                ),
            ));
        }
        data.push((to_value(&key)?, vals));
    }
    let r = resolve(alias, tx)?;
    let compiled = if data.is_empty() || columns.is_empty() {
        Vec::new()
    } else {
        ryx_query::compile_bulk_update(&table_ref(table, schema), pk, &columns, &data, r.dialect)
            .map_err(RyxErr::from)?
    };
    Ok(async move {
        if compiled.is_empty() {
            return Ok(0);
        }
        Ok(
            executor::execute_batches(&r.target, batches(compiled), false, &Hints::default())
                .await?
                .0,
        )
    })
}

/// Update some columns of many rows given as `(pk, [values...])`, chunked and atomic.
#[pyfunction]
#[pyo3(signature = (table, pk, columns, rows, *, schema=None, alias=None, tx=None))]
#[allow(clippy::too_many_arguments)]
pub fn bulk_update<'py>(
    py: Python<'py>,
    table: &str,
    pk: &str,
    columns: Vec<String>,
    rows: &Bound<'py, PyAny>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    awaitable(
        py,
        bulk_update_fut(table, pk, columns, rows, schema, alias, tx)?,
    )
}

/// Blocking `bulk_update`.
#[pyfunction]
#[pyo3(signature = (table, pk, columns, rows, *, schema=None, alias=None, tx=None))]
#[allow(clippy::too_many_arguments)]
pub fn bulk_update_sync<'py>(
    py: Python<'py>,
    table: &str,
    pk: &str,
    columns: Vec<String>,
    rows: &Bound<'py, PyAny>,
    schema: Option<&str>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<u64> {
    blocking(
        py,
        bulk_update_fut(table, pk, columns, rows, schema, alias, tx)?,
    )
}
