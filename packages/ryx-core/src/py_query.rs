//! `Query`: the immutable SELECT builder, its compilation per dialect, and its execution.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};
use ryx_engine::{executor, Hints, Rows};
use ryx_query::ast::{Cond, Expr, JoinKind, Lock, Query, SelectItem, TableRef};
use ryx_query::dialect::{dialect_by_name, Dialect};
use ryx_query::{Compiled, Value};
use tokio::sync::{mpsc, Mutex};

use crate::convert::to_py::{rows_to_py, value_to_py};
use crate::convert::to_value::write_value;
use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::instances::Instances;
use crate::out::{parse_hints, RowOut, RowsOut};
use crate::py_expr::{parse_cond, to_expr, PyCond, PyExpr};
use crate::py_tx::PyTransaction;
use crate::runtime::{awaitable, awaitable_now, blocking, blocking_now};
use crate::target::{resolve, sqlite_target, Resolved};

type Tx<'a, 'py> = Option<&'a Bound<'py, PyTransaction>>;

/// An immutable SELECT builder; every method returns a new Query.
#[pyclass(frozen, name = "Query", module = "ryx_core")]
#[derive(Clone)]
pub struct PyQuery {
    pub query: Arc<Query>,
    /// The SELECT as `fetch_all` first compiled it, with its dialect's name: a Query is immutable, and
    /// an ORM runs the same one again (a QuerySet built the same way shares it).
    select: OnceLock<(&'static str, Arc<Compiled>)>,
}

impl PyQuery {
    fn of(query: Query) -> Self {
        PyQuery {
            query: Arc::new(query),
            select: OnceLock::new(),
        }
    }

    fn with(&self, f: impl FnOnce(Query) -> Query) -> Self {
        Self::of(f((*self.query).clone()))
    }

    fn try_with(&self, f: impl FnOnce(Query) -> PyResult<Query>) -> PyResult<Self> {
        Ok(Self::of(f((*self.query).clone())?))
    }

    /// The compiled SELECT for `dialect`, compiled once (for the first dialect it is asked for).
    fn compiled_select(
        &self,
        dialect: &dyn Dialect,
    ) -> Result<Arc<Compiled>, ryx_query::QueryError> {
        if let Some((name, compiled)) = self.select.get() {
            if *name == dialect.name() {
                return Ok(compiled.clone());
            }
        }
        let compiled = Arc::new(ryx_query::compile_select(&self.query, dialect)?);
        let _ = self.select.set((dialect.name(), compiled.clone()));
        Ok(compiled)
    }
}

/// AND `*conds` and keyword lookups into one condition (None when there is nothing).
pub fn gather(
    conds: &Bound<'_, PyTuple>,
    lookups: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<Cond>> {
    let mut all = Vec::new();
    for c in conds.iter() {
        let c = c.cast::<PyCond>().map_err(|_| {
            new_err(
                Kind::QueryError,
                "positional filter arguments must be Cond objects; use keywords for lookups",
            )
        })?;
        all.push(c.get().cond.clone());
    }
    if let Some(lookups) = lookups {
        for (k, v) in lookups.iter() {
            all.push(parse_cond(k.cast::<PyString>()?.to_str()?, &v)?);
        }
    }
    Ok(if all.is_empty() {
        None
    } else {
        Some(Cond::all(all))
    })
}

fn non_negative(what: &str, n: Option<i64>) -> PyResult<Option<u64>> {
    n.map(|n| {
        u64::try_from(n).map_err(|_| {
            new_err(
                Kind::QueryError,
                format!("{what} must be a number >= 0 (or None), got {n}"),
            )
        })
    })
    .transpose()
}

fn dialect(name: &str) -> PyResult<&'static dyn Dialect> {
    dialect_by_name(name).ok_or_else(|| {
        new_err(
            Kind::QueryError,
            format!("unknown dialect '{name}'; use postgres, mysql, mariadb or sqlite"),
        )
    })
}

fn compiled_to_py<'py>(py: Python<'py>, c: &Compiled) -> PyResult<Bound<'py, PyTuple>> {
    let params = PyList::empty(py);
    for v in &c.params {
        params.append(value_to_py(py, v)?)?;
    }
    (c.sql.as_str(), params).into_pyobject(py)
}

/// `{column: value or Expr}` → UPDATE assignments.
pub fn assignments(values: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Expr)>> {
    let mapping = values.cast::<PyMapping>().map_err(|_| {
        new_err(
            Kind::QueryError,
            "update values must be a mapping {column: value or Expr}",
        )
    })?;
    let mut out = Vec::new();
    for item in mapping.items()?.iter() {
        let (col, value): (String, Bound<'_, PyAny>) = item.extract()?;
        let expr = match value.cast::<PyExpr>() {
            Ok(e) => e.get().expr.clone(),
            Err(_) => Expr::Value(write_value(&value)?),
        };
        out.push((col, expr));
    }
    Ok(out)
}

struct Plan {
    r: Resolved,
    compiled: Compiled,
}

impl PyQuery {
    fn plan(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        compile: impl FnOnce(&Query, &dyn Dialect) -> Result<Compiled, ryx_query::QueryError>,
    ) -> PyResult<Plan> {
        let r = resolve(alias, tx)?;
        let compiled = compile(&self.query, r.dialect).map_err(RyxErr::from)?;
        Ok(Plan { r, compiled })
    }

    fn fetch_all_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        as_tuples: bool,
        hints: Option<&Bound<'_, PyAny>>,
        into: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = Result<RowsOut, RyxErr>> + Send + 'static> {
        let r = resolve(alias, tx)?;
        let compiled = self.compiled_select(r.dialect).map_err(RyxErr::from)?;
        let hints = parse_hints(hints)?;
        let into = Instances::parse(into)?;
        Ok(async move {
            let rows =
                executor::fetch_all(&r.target, &compiled.sql, compiled.params.clone(), &hints)
                    .await?;
            Ok(RowsOut {
                rows,
                as_tuples,
                into,
            })
        })
    }

    fn fetch_one_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        as_tuples: bool,
        hints: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = Result<RowOut, RyxErr>> + Send + 'static> {
        let q = self.with(|q| q.limit(Some(1)));
        let p = q.plan(alias, tx, ryx_query::compile_select)?;
        let hints = parse_hints(hints)?;
        Ok(async move {
            let (columns, row) =
                executor::fetch_optional(&p.r.target, &p.compiled.sql, p.compiled.params, &hints)
                    .await?;
            Ok(RowOut {
                columns,
                row,
                as_tuples,
            })
        })
    }

    fn fetch_get_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        as_tuples: bool,
        hints: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = Result<RowOut, RyxErr>> + Send + 'static> {
        // Two rows are enough to know that there is more than one (a smaller slice stays smaller).
        let q = self.with(|q| {
            let limit = q.limit.map_or(2, |l| l.min(2));
            q.limit(Some(limit))
        });
        let p = q.plan(alias, tx, ryx_query::compile_select)?;
        let hints = parse_hints(hints)?;
        let table = self.query.table.name.clone();
        Ok(async move {
            let Rows { columns, mut rows } =
                executor::fetch_all(&p.r.target, &p.compiled.sql, p.compiled.params, &hints)
                    .await?;
            match rows.len() {
                0 => Err(RyxErr::Raise(
                    Kind::DoesNotExist,
                    format!("no row of table '{table}' matches the query"),
                )),
                1 => Ok(RowOut { columns, row: rows.pop(), as_tuples }),
                _ => Err(RyxErr::Raise(
                    Kind::MultipleObjectsReturned,
                    format!("more than one row of table '{table}' matches the query; expected exactly one"),
                )),
            }
        })
    }

    fn count_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
    ) -> PyResult<impl Future<Output = Result<i64, RyxErr>> + Send + 'static> {
        let p = self.plan(alias, tx, ryx_query::compile_count)?;
        Ok(async move {
            let (_, row) = executor::fetch_optional(
                &p.r.target,
                &p.compiled.sql,
                p.compiled.params,
                &Hints::default(),
            )
            .await?;
            Ok(match row.as_deref() {
                Some([Value::Int(n), ..]) => *n,
                Some([Value::Decimal(d), ..]) => d.parse().unwrap_or(0),
                _ => 0,
            })
        })
    }

    fn exists_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
    ) -> PyResult<impl Future<Output = Result<bool, RyxErr>> + Send + 'static> {
        let p = self.plan(alias, tx, ryx_query::compile_exists)?;
        Ok(async move {
            let (_, row) = executor::fetch_optional(
                &p.r.target,
                &p.compiled.sql,
                p.compiled.params,
                &Hints::default(),
            )
            .await?;
            Ok(row.is_some())
        })
    }

    fn delete_fut(
        &self,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        pk: Option<&str>,
    ) -> PyResult<impl Future<Output = Result<u64, RyxErr>> + Send + 'static> {
        let p = self.plan(alias, tx, |q, d| ryx_query::compile_delete(q, pk, d))?;
        Ok(async move {
            Ok(
                executor::execute(&p.r.target, &p.compiled.sql, p.compiled.params)
                    .await?
                    .rows_affected,
            )
        })
    }

    fn update_fut(
        &self,
        values: &Bound<'_, PyAny>,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        pk: Option<&str>,
    ) -> PyResult<impl Future<Output = Result<u64, RyxErr>> + Send + 'static> {
        let sets = assignments(values)?;
        let p = self.plan(alias, tx, |q, d| ryx_query::compile_update(q, &sets, pk, d))?;
        Ok(async move {
            Ok(
                executor::execute(&p.r.target, &p.compiled.sql, p.compiled.params)
                    .await?
                    .rows_affected,
            )
        })
    }
}

#[pymethods]
impl PyQuery {
    #[new]
    #[pyo3(signature = (table, *, schema=None, alias=None))]
    fn new(table: &str, schema: Option<&str>, alias: Option<&str>) -> Self {
        let mut t = TableRef::new(table);
        if let Some(s) = schema {
            t = t.schema(s);
        }
        if let Some(a) = alias {
            t = t.alias(a);
        }
        PyQuery::of(Query::new(t))
    }

    #[getter]
    fn table(&self) -> String {
        self.query.table.name.clone()
    }

    /// Replace the select list.
    #[pyo3(signature = (*columns, **aliased))]
    fn select(
        &self,
        columns: &Bound<'_, PyTuple>,
        aliased: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut items = Vec::new();
        for c in columns.iter() {
            items.push(SelectItem::new(to_expr(&c, false)?, None));
        }
        if let Some(aliased) = aliased {
            for (k, v) in aliased.iter() {
                items.push(SelectItem::new(
                    to_expr(&v, false)?,
                    Some(k.extract::<&str>()?),
                ));
            }
        }
        Ok(self.with(|q| q.select(items)))
    }

    /// Append aliased expressions to the select list.
    #[pyo3(signature = (**aliased))]
    fn annotate(&self, aliased: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut items = Vec::new();
        if let Some(aliased) = aliased {
            for (k, v) in aliased.iter() {
                items.push((to_expr(&v, false)?, k.extract::<String>()?));
            }
        }
        Ok(self.with(|mut q| {
            for (expr, alias) in items {
                q = q.add_column(expr, Some(&alias));
            }
            q
        }))
    }

    /// AND conditions into WHERE.
    #[pyo3(signature = (*conds, **lookups))]
    fn filter(
        &self,
        conds: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Ok(match gather(conds, lookups)? {
            Some(c) => self.with(|q| q.filter(c)),
            None => self.clone(),
        })
    }

    /// AND `NOT (all of the conditions)` into WHERE.
    #[pyo3(signature = (*conds, **lookups))]
    fn exclude(
        &self,
        conds: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Ok(match gather(conds, lookups)? {
            Some(c) => self.with(|q| q.filter(c.not())),
            None => self.clone(),
        })
    }

    /// Join a table on a condition or an equality of two columns.
    #[pyo3(signature = (table, on, *, kind="inner", alias=None, schema=None))]
    fn join(
        &self,
        table: &str,
        on: &Bound<'_, PyAny>,
        kind: &str,
        alias: Option<&str>,
        schema: Option<&str>,
    ) -> PyResult<Self> {
        let kind = JoinKind::from_name(kind).ok_or_else(|| {
            new_err(
                Kind::QueryError,
                format!("unknown join kind '{kind}'; use 'inner' or 'left'"),
            )
        })?;
        let on = if let Ok(c) = on.cast::<PyCond>() {
            c.get().cond.clone()
        } else if let Ok((left, right)) = on.extract::<(String, String)>() {
            Cond::lookup(Expr::col(&left), "exact", Expr::col(&right))
        } else {
            return Err(new_err(
                Kind::QueryError,
                "on= must be a Cond or a pair (\"t1.col\", \"t2.col\")",
            ));
        };
        let mut t = TableRef::new(table);
        if let Some(s) = schema {
            t = t.schema(s);
        }
        if let Some(a) = alias {
            t = t.alias(a);
        }
        Ok(self.with(|q| q.join(kind, t, on)))
    }

    /// Append ordering terms.
    #[pyo3(signature = (*terms))]
    fn order_by(&self, terms: &Bound<'_, PyTuple>) -> PyResult<Self> {
        self.try_with(|mut q| {
            for t in terms.iter() {
                if let Ok(e) = t.cast::<PyExpr>() {
                    q = q.order_by(e.get().expr.clone(), false);
                } else {
                    let term: &str = t.extract().map_err(|_| {
                        new_err(
                            Kind::QueryError,
                            "order_by terms are \"col\", \"-col\", \"t.col\" or Exprs",
                        )
                    })?;
                    let o = Query::parse_order(term);
                    q = q.order_by(o.expr, o.desc);
                }
            }
            Ok(q)
        })
    }

    fn order_by_desc(&self, expr: &Bound<'_, PyExpr>) -> Self {
        let e = expr.get().expr.clone();
        self.with(|q| q.order_by(e, true))
    }

    fn clear_order_by(&self) -> Self {
        self.with(Query::clear_order_by)
    }

    #[pyo3(signature = (*exprs))]
    fn group_by(&self, exprs: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let exprs = exprs
            .iter()
            .map(|e| to_expr(&e, false))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self.with(|mut q| {
            for e in exprs {
                q = q.group_by(e);
            }
            q
        }))
    }

    #[pyo3(signature = (*conds, **lookups))]
    fn having(
        &self,
        conds: &Bound<'_, PyTuple>,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Ok(match gather(conds, lookups)? {
            Some(c) => self.with(|q| q.having(c)),
            None => self.clone(),
        })
    }

    fn limit(&self, n: Option<i64>) -> PyResult<Self> {
        let n = non_negative("limit", n)?;
        Ok(self.with(|q| q.limit(n)))
    }

    fn offset(&self, n: Option<i64>) -> PyResult<Self> {
        let n = non_negative("offset", n)?;
        Ok(self.with(|q| q.offset(n)))
    }

    #[pyo3(signature = (on=true))]
    fn distinct(&self, on: bool) -> Self {
        self.with(|q| q.distinct(on))
    }

    #[pyo3(signature = (*, nowait=false, skip_locked=false, of=Vec::new(), share=false),
        text_signature = "($self, *, nowait=False, skip_locked=False, of=(), share=False)")]
    fn for_update(&self, nowait: bool, skip_locked: bool, of: Vec<String>, share: bool) -> Self {
        self.with(|q| {
            q.lock(Some(Lock {
                nowait,
                skip_locked,
                of,
                share,
            }))
        })
    }

    #[pyo3(signature = (dialect="sqlite"))]
    fn sql<'py>(&self, py: Python<'py>, dialect: &str) -> PyResult<Bound<'py, PyTuple>> {
        let c = ryx_query::compile_select(&self.query, self::dialect(dialect)?)
            .map_err(RyxErr::from)?;
        compiled_to_py(py, &c)
    }

    #[pyo3(signature = (dialect="sqlite"))]
    fn count_sql<'py>(&self, py: Python<'py>, dialect: &str) -> PyResult<Bound<'py, PyTuple>> {
        let c =
            ryx_query::compile_count(&self.query, self::dialect(dialect)?).map_err(RyxErr::from)?;
        compiled_to_py(py, &c)
    }

    #[pyo3(signature = (dialect="sqlite"))]
    fn exists_sql<'py>(&self, py: Python<'py>, dialect: &str) -> PyResult<Bound<'py, PyTuple>> {
        let c = ryx_query::compile_exists(&self.query, self::dialect(dialect)?)
            .map_err(RyxErr::from)?;
        compiled_to_py(py, &c)
    }

    #[pyo3(signature = (dialect="sqlite", *, pk=None))]
    fn delete_sql<'py>(
        &self,
        py: Python<'py>,
        dialect: &str,
        pk: Option<&str>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let c = ryx_query::compile_delete(&self.query, pk, self::dialect(dialect)?)
            .map_err(RyxErr::from)?;
        compiled_to_py(py, &c)
    }

    #[pyo3(signature = (values, dialect="sqlite", *, pk=None))]
    fn update_sql<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        dialect: &str,
        pk: Option<&str>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let sets = assignments(values)?;
        let c = ryx_query::compile_update(&self.query, &sets, pk, self::dialect(dialect)?)
            .map_err(RyxErr::from)?;
        compiled_to_py(py, &c)
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None, into=None))]
    fn fetch_all<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
        into: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable_now(py, sqlite_target(alias, tx), || {
            self.fetch_all_fut(alias, tx, as_tuples, hints, into)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None, into=None))]
    fn fetch_all_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
        into: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<RowsOut> {
        blocking_now(py, sqlite_target(alias, tx), || {
            self.fetch_all_fut(alias, tx, as_tuples, hints, into)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None))]
    fn fetch_one<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable_now(py, sqlite_target(alias, tx), || {
            self.fetch_one_fut(alias, tx, as_tuples, hints)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None))]
    fn fetch_one_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<RowOut> {
        blocking_now(py, sqlite_target(alias, tx), || {
            self.fetch_one_fut(alias, tx, as_tuples, hints)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None))]
    fn fetch_get<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable_now(py, sqlite_target(alias, tx), || {
            self.fetch_get_fut(alias, tx, as_tuples, hints)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None, as_tuples=false, hints=None))]
    fn fetch_get_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        as_tuples: bool,
        hints: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<RowOut> {
        blocking_now(py, sqlite_target(alias, tx), || {
            self.fetch_get_fut(alias, tx, as_tuples, hints)
        })
    }

    #[pyo3(signature = (*, alias=None, tx=None))]
    fn count<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable_now(py, sqlite_target(alias, tx), || self.count_fut(alias, tx))
    }

    #[pyo3(signature = (*, alias=None, tx=None))]
    fn count_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
    ) -> PyResult<i64> {
        blocking_now(py, sqlite_target(alias, tx), || self.count_fut(alias, tx))
    }

    #[pyo3(signature = (*, alias=None, tx=None))]
    fn exists<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable_now(py, sqlite_target(alias, tx), || self.exists_fut(alias, tx))
    }

    #[pyo3(signature = (*, alias=None, tx=None))]
    fn exists_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
    ) -> PyResult<bool> {
        blocking_now(py, sqlite_target(alias, tx), || self.exists_fut(alias, tx))
    }

    #[pyo3(signature = (*, alias=None, tx=None, pk=None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        pk: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.delete_fut(alias, tx, pk)?)
    }

    #[pyo3(signature = (*, alias=None, tx=None, pk=None))]
    fn delete_sync<'py>(
        &self,
        py: Python<'py>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        pk: Option<&str>,
    ) -> PyResult<u64> {
        blocking(py, self.delete_fut(alias, tx, pk)?)
    }

    #[pyo3(signature = (values, *, alias=None, tx=None, pk=None))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        pk: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.update_fut(values, alias, tx, pk)?)
    }

    #[pyo3(signature = (values, *, alias=None, tx=None, pk=None))]
    fn update_sync<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        alias: Option<&str>,
        tx: Tx<'_, 'py>,
        pk: Option<&str>,
    ) -> PyResult<u64> {
        blocking(py, self.update_fut(values, alias, tx, pk)?)
    }

    /// Stream the rows in chunks from a server-side cursor.
    #[pyo3(signature = (*, chunk_size=100, alias=None, tx=None, as_tuples=false, hints=None))]
    fn stream(
        &self,
        chunk_size: usize,
        alias: Option<&str>,
        tx: Tx<'_, '_>,
        as_tuples: bool,
        hints: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RowStream> {
        if chunk_size == 0 {
            return Err(new_err(Kind::QueryError, "chunk_size must be at least 1"));
        }
        let p = self.plan(alias, tx, ryx_query::compile_select)?;
        let hints = parse_hints(hints)?;
        let receiver = {
            let _guard = crate::runtime::runtime().enter();
            executor::stream(
                p.r.target,
                p.compiled.sql,
                p.compiled.params,
                hints,
                chunk_size,
            )
        };
        Ok(RowStream {
            receiver: Arc::new(Mutex::new(receiver)),
            as_tuples,
        })
    }

    fn __repr__(&self) -> String {
        match ryx_query::compile_select(&self.query, ryx_query::dialect::sqlite()) {
            Ok(c) => format!("<Query {:?}>", c.sql),
            Err(e) => format!("<Query (invalid: {e})>"),
        }
    }
}

/// The async iterator returned by `Query.stream()`: each step is a list of rows.
#[pyclass(frozen, name = "RowStream", module = "ryx_core")]
pub struct RowStream {
    receiver: Arc<Mutex<mpsc::Receiver<Result<Rows, ryx_engine::Error>>>>,
    as_tuples: bool,
}

struct Chunk {
    rows: Option<Rows>,
    as_tuples: bool,
}

impl<'py> IntoPyObject<'py> for Chunk {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self.rows {
            Some(rows) => Ok(rows_to_py(py, &rows.columns, &rows.rows, self.as_tuples)?.into_any()),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

#[pymethods]
impl RowStream {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let receiver = self.receiver.clone();
        let as_tuples = self.as_tuples;
        awaitable(py, async move {
            match receiver.lock().await.recv().await {
                Some(Ok(rows)) => Ok(Chunk {
                    rows: Some(rows),
                    as_tuples,
                }),
                Some(Err(e)) => Err(RyxErr::from(e)),
                None => Ok(Chunk {
                    rows: None,
                    as_tuples,
                }),
            }
        })
    }

    /// Stop streaming and free the connection.
    fn close(&self) {
        if let Ok(mut r) = self.receiver.try_lock() {
            r.close();
        }
    }
}
