//! Raw SQL with bound parameters: `fetch_all`, `fetch_one`, `fetch_scalar`, `execute` and their blocking twins.
//!
//! Placeholders are `?` on every backend; on PostgreSQL they are rewritten to `$n` (SQL already written with
//! `$n` is left alone).

use std::future::Future;

use pyo3::prelude::*;
use ryx_engine::executor;
use ryx_query::prepare_raw;

use crate::convert::to_value::to_values;
use crate::errors::RyxErr;
use crate::instances::Instances;
use crate::out::{parse_hint, parse_hints, RowOut, RowsOut, ValueOut};
use crate::py_tx::PyTransaction;
use crate::runtime::{awaitable, awaitable_now, blocking, blocking_now};
use crate::target::{resolve, sqlite_target};

type Tx<'a, 'py> = Option<&'a Bound<'py, PyTransaction>>;

fn fetch_all_fut(
    sql: &str,
    params: &Bound<'_, PyAny>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
    as_tuples: bool,
    hints: Option<&Bound<'_, PyAny>>,
    into: Option<&Bound<'_, PyAny>>,
) -> PyResult<impl Future<Output = Result<RowsOut, RyxErr>> + Send + 'static> {
    let r = resolve(alias, tx)?;
    let sql = prepare_raw(sql, r.dialect).map_err(RyxErr::from)?;
    let params = to_values(params)?;
    let hints = parse_hints(hints)?;
    let into = Instances::parse(into)?;
    Ok(async move {
        let rows = executor::fetch_all(&r.target, &sql, params, &hints).await?;
        Ok(RowsOut {
            rows,
            as_tuples,
            into,
        })
    })
}

fn fetch_one_fut(
    sql: &str,
    params: &Bound<'_, PyAny>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
    as_tuples: bool,
    hints: Option<&Bound<'_, PyAny>>,
) -> PyResult<impl Future<Output = Result<RowOut, RyxErr>> + Send + 'static> {
    let r = resolve(alias, tx)?;
    let sql = prepare_raw(sql, r.dialect).map_err(RyxErr::from)?;
    let params = to_values(params)?;
    let hints = parse_hints(hints)?;
    Ok(async move {
        let (columns, row) = executor::fetch_optional(&r.target, &sql, params, &hints).await?;
        Ok(RowOut {
            columns,
            row,
            as_tuples,
        })
    })
}

fn fetch_scalar_fut(
    sql: &str,
    params: &Bound<'_, PyAny>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
    hint: Option<&str>,
) -> PyResult<impl Future<Output = Result<ValueOut, RyxErr>> + Send + 'static> {
    let r = resolve(alias, tx)?;
    let sql = prepare_raw(sql, r.dialect).map_err(RyxErr::from)?;
    let params = to_values(params)?;
    let hints = parse_hint(hint)?;
    Ok(async move {
        let (_, row) = executor::fetch_optional(&r.target, &sql, params, &hints).await?;
        Ok(ValueOut(
            row.and_then(|r| r.into_iter().next())
                .unwrap_or(ryx_query::Value::Null),
        ))
    })
}

fn execute_fut(
    sql: &str,
    params: &Bound<'_, PyAny>,
    alias: Option<&str>,
    tx: Tx<'_, '_>,
) -> PyResult<impl Future<Output = Result<u64, RyxErr>> + Send + 'static> {
    let r = resolve(alias, tx)?;
    let sql = prepare_raw(sql, r.dialect).map_err(RyxErr::from)?;
    let params = to_values(params)?;
    Ok(async move {
        Ok(executor::execute(&r.target, &sql, params)
            .await?
            .rows_affected)
    })
}

/// Every row of a query.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, as_tuples=false, hints=None, into=None))]
#[allow(clippy::too_many_arguments)]
pub fn fetch_all<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    as_tuples: bool,
    hints: Option<&Bound<'py, PyAny>>,
    into: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let none = py.None().into_bound(py);
    awaitable_now(py, sqlite_target(alias, tx), || {
        fetch_all_fut(
            sql,
            params.unwrap_or(&none),
            alias,
            tx,
            as_tuples,
            hints,
            into,
        )
    })
}

/// Blocking `fetch_all`.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, as_tuples=false, hints=None, into=None))]
#[allow(clippy::too_many_arguments)]
pub fn fetch_all_sync<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    as_tuples: bool,
    hints: Option<&Bound<'py, PyAny>>,
    into: Option<&Bound<'py, PyAny>>,
) -> PyResult<RowsOut> {
    let none = py.None().into_bound(py);
    blocking_now(py, sqlite_target(alias, tx), || {
        fetch_all_fut(
            sql,
            params.unwrap_or(&none),
            alias,
            tx,
            as_tuples,
            hints,
            into,
        )
    })
}

/// The first row, or None.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, as_tuples=false, hints=None))]
pub fn fetch_one<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    as_tuples: bool,
    hints: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let none = py.None().into_bound(py);
    awaitable_now(py, sqlite_target(alias, tx), || {
        fetch_one_fut(sql, params.unwrap_or(&none), alias, tx, as_tuples, hints)
    })
}

/// Blocking `fetch_one`.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, as_tuples=false, hints=None))]
pub fn fetch_one_sync<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    as_tuples: bool,
    hints: Option<&Bound<'py, PyAny>>,
) -> PyResult<RowOut> {
    let none = py.None().into_bound(py);
    blocking_now(py, sqlite_target(alias, tx), || {
        fetch_one_fut(sql, params.unwrap_or(&none), alias, tx, as_tuples, hints)
    })
}

/// The first column of the first row, or None.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, hint=None))]
pub fn fetch_scalar<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    hint: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let none = py.None().into_bound(py);
    awaitable_now(py, sqlite_target(alias, tx), || {
        fetch_scalar_fut(sql, params.unwrap_or(&none), alias, tx, hint)
    })
}

/// Blocking `fetch_scalar`.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None, hint=None))]
pub fn fetch_scalar_sync<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
    hint: Option<&str>,
) -> PyResult<ValueOut> {
    let none = py.None().into_bound(py);
    blocking_now(py, sqlite_target(alias, tx), || {
        fetch_scalar_fut(sql, params.unwrap_or(&none), alias, tx, hint)
    })
}

/// Run a statement; return the number of rows affected.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None))]
pub fn execute<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let none = py.None().into_bound(py);
    awaitable(py, execute_fut(sql, params.unwrap_or(&none), alias, tx)?)
}

/// Blocking `execute`.
#[pyfunction]
#[pyo3(signature = (sql, params=None, *, alias=None, tx=None))]
pub fn execute_sync<'py>(
    py: Python<'py>,
    sql: &str,
    params: Option<&Bound<'py, PyAny>>,
    alias: Option<&str>,
    tx: Tx<'_, 'py>,
) -> PyResult<u64> {
    let none = py.None().into_bound(py);
    blocking(py, execute_fut(sql, params.unwrap_or(&none), alias, tx)?)
}
