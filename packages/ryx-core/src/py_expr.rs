//! `Expr` and `Cond`: Python handles on the query layer's expression and condition trees.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use ryx_query::ast::{AggFunc, BinOp, Cond, Expr, Func};

use crate::convert::to_value::{json_value, to_value, to_values};
use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::py_query::PyQuery;

/// An SQL expression (immutable).
#[pyclass(frozen, name = "Expr", module = "ryx_core")]
#[derive(Clone)]
pub struct PyExpr {
    pub expr: Expr,
}

/// A WHERE/HAVING condition tree (immutable).
#[pyclass(frozen, name = "Cond", module = "ryx_core")]
#[derive(Clone)]
pub struct PyCond {
    pub cond: Cond,
}

/// A column name, an `Expr`, or (with `values_as_exprs`) any value bound as a parameter.
pub fn to_expr(obj: &Bound<'_, PyAny>, values_as_exprs: bool) -> PyResult<Expr> {
    if let Ok(e) = obj.cast::<PyExpr>() {
        return Ok(e.get().expr.clone());
    }
    if values_as_exprs {
        return Ok(Expr::Value(to_value(obj)?));
    }
    let name: &str = obj.extract().map_err(|_| {
        new_err(
            Kind::QueryError,
            "expected a column name (\"col\" or \"table.col\") or an Expr",
        )
    })?;
    Ok(Expr::col(name))
}

/// The right-hand side of a lookup: an Expr (F-style), a Query (a subquery, e.g. for `in`) or a bound value. Lists given to JSON lookups,
/// or compared with a JSON key, are JSON documents rather than IN lists.
pub fn rhs(lhs: &Expr, lookup: &str, value: &Bound<'_, PyAny>) -> PyResult<Expr> {
    if let Ok(e) = value.cast::<PyExpr>() {
        return Ok(e.get().expr.clone());
    }
    if let Ok(q) = value.cast::<PyQuery>() {
        return Ok(Expr::Subquery(Box::new((*q.get().query).clone())));
    }
    let is_list = value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>();
    let json_doc = matches!(lookup, "contains" | "contained_by")
        || (matches!(lhs, Expr::JsonKey { .. }) && matches!(lookup, "exact" | "iexact"));
    if is_list && json_doc {
        return Ok(Expr::Value(json_value(value)?));
    }
    Ok(Expr::Value(to_value(value)?))
}

/// Build a condition from a Django-style path (`"created__year__gte"`) and a value.
pub fn parse_cond(path: &str, value: &Bound<'_, PyAny>) -> PyResult<Cond> {
    let (lhs, lookup) = ryx_query::parse_path(path).map_err(RyxErr::from)?;
    let rhs = rhs(&lhs, &lookup, value)?;
    Ok(Cond::lookup(lhs, &lookup, rhs))
}

fn binary(op: BinOp, left: Expr, right: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
    Ok(PyExpr {
        expr: Expr::binary(op, left, to_expr(right, true)?),
    })
}

fn rbinary(op: BinOp, right: Expr, left: &Bound<'_, PyAny>) -> PyResult<PyExpr> {
    Ok(PyExpr {
        expr: Expr::binary(op, to_expr(left, true)?, right),
    })
}

#[pymethods]
impl PyExpr {
    /// A column; `"t.c"` is column `c` of table `t`.
    #[staticmethod]
    #[pyo3(signature = (name, table=None))]
    fn col(name: &str, table: Option<&str>) -> Self {
        let expr = match table {
            Some(t) => Expr::qualified(t, name),
            None => Expr::col(name),
        };
        PyExpr { expr }
    }

    /// A subquery `(SELECT ...)`: a scalar value (one row, one column) or, in a lookup, the list of an `in`.
    /// Qualify columns of the outer query with its table name or alias to correlate it.
    #[staticmethod]
    fn subquery(query: &Bound<'_, PyQuery>) -> Self {
        PyExpr {
            expr: Expr::Subquery(Box::new((*query.get().query).clone())),
        }
    }

    /// A bound value.
    #[staticmethod]
    fn value(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyExpr {
            expr: Expr::Value(to_value(value)?),
        })
    }

    /// Literal SQL whose `?` placeholders are bound to `params`.
    #[staticmethod]
    #[pyo3(signature = (sql, params=None))]
    fn raw(sql: &str, params: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let params = params.map(to_values).transpose()?.unwrap_or_default();
        Ok(PyExpr {
            expr: Expr::raw(sql, params),
        })
    }

    /// An aggregate; `count` with no argument is `COUNT(*)`.
    #[staticmethod]
    #[pyo3(signature = (func, arg=None, *, distinct=false))]
    fn agg(func: &str, arg: Option<&Bound<'_, PyAny>>, distinct: bool) -> PyResult<Self> {
        let f = AggFunc::from_name(func).ok_or_else(|| {
            new_err(
                Kind::QueryError,
                format!("unknown aggregate '{func}'; use count, sum, avg, min or max"),
            )
        })?;
        let arg = match arg {
            None if f == AggFunc::Count => None,
            None => {
                return Err(new_err(
                    Kind::QueryError,
                    format!("{func}() needs a column or expression"),
                ))
            }
            Some(a) if a.extract::<&str>().is_ok_and(|s| s == "*") && f == AggFunc::Count => None,
            Some(a) => Some(Box::new(to_expr(a, false)?)),
        };
        Ok(PyExpr {
            expr: Expr::Agg {
                func: f,
                arg,
                distinct,
            },
        })
    }

    /// An SQL function from a fixed list (rendered per dialect).
    #[staticmethod]
    #[pyo3(signature = (name, *args))]
    fn func(name: &str, args: &Bound<'_, PyTuple>) -> PyResult<Self> {
        let f = Func::from_name(name).ok_or_else(|| {
            new_err(
                Kind::QueryError,
                format!(
                    "unknown function '{name}'; use lower, upper, length, trim, abs, round, coalesce, nullif, \
                     concat, greatest, least or now (or Expr.raw for anything else)"
                ),
            )
        })?;
        let args = args
            .iter()
            .map(|a| to_expr(&a, true))
            .collect::<PyResult<Vec<_>>>()?;
        let (min, max) = f.arity();
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            return Err(new_err(
                Kind::QueryError,
                format!("{name}() got {} arguments", args.len()),
            ));
        }
        Ok(PyExpr {
            expr: Expr::func(f, args),
        })
    }

    /// Apply a date/time transform (`year`, `month`, `week_day`, ...).
    fn transform(&self, name: &str) -> PyResult<Self> {
        if !ryx_query::is_transform(name) {
            return Err(RyxErr::from(ryx_query::QueryError::UnknownTransform {
                name: name.to_owned(),
                available: ryx_query::available_transforms()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            })
            .into());
        }
        Ok(PyExpr {
            expr: Expr::transform(name, self.expr.clone()),
        })
    }

    /// A JSON key path inside this expression.
    #[pyo3(signature = (*path))]
    fn key(&self, path: Vec<String>) -> PyResult<Self> {
        if path.is_empty() {
            return Err(new_err(Kind::QueryError, "key() needs at least one key"));
        }
        Ok(PyExpr {
            expr: Expr::json_key(self.expr.clone(), path),
        })
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        binary(BinOp::Add, self.expr.clone(), other)
    }
    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        rbinary(BinOp::Add, self.expr.clone(), other)
    }
    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        binary(BinOp::Sub, self.expr.clone(), other)
    }
    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        rbinary(BinOp::Sub, self.expr.clone(), other)
    }
    fn __mul__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        binary(BinOp::Mul, self.expr.clone(), other)
    }
    fn __rmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        rbinary(BinOp::Mul, self.expr.clone(), other)
    }
    fn __truediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        binary(BinOp::Div, self.expr.clone(), other)
    }
    fn __rtruediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        rbinary(BinOp::Div, self.expr.clone(), other)
    }
    fn __mod__(&self, other: &Bound<'_, PyAny>) -> PyResult<Self> {
        binary(BinOp::Mod, self.expr.clone(), other)
    }
    fn __neg__(&self) -> Self {
        PyExpr {
            expr: Expr::Neg(Box::new(self.expr.clone())),
        }
    }

    fn __repr__(&self) -> String {
        format!("Expr({:?})", self.expr)
    }
}

#[pymethods]
impl PyCond {
    /// `lhs <lookup> value`; `lhs` is an Expr or a column name, `value` a value or an Expr.
    #[staticmethod]
    #[pyo3(signature = (lhs, lookup="exact", value=None))]
    fn lookup(
        lhs: &Bound<'_, PyAny>,
        lookup: &str,
        value: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let lhs = to_expr(lhs, false)?;
        let rhs = match value {
            Some(v) => rhs(&lhs, lookup, v)?,
            None => Expr::Value(ryx_query::Value::Null),
        };
        if !ryx_query::is_lookup(lookup) {
            return Err(RyxErr::from(ryx_query::QueryError::UnknownLookup {
                name: lookup.to_owned(),
                available: ryx_query::available_lookups(),
            })
            .into());
        }
        Ok(PyCond {
            cond: Cond::lookup(lhs, lookup, rhs),
        })
    }

    /// A Django-style path: `"created__year__gte"`, `"data__a__b"`, `"t.c__in"`.
    #[staticmethod]
    fn parse(path: &str, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyCond {
            cond: parse_cond(path, value)?,
        })
    }

    /// `EXISTS (query)`; `~Cond.exists(q)` is `NOT EXISTS`. Correlate it by qualifying outer columns.
    #[staticmethod]
    fn exists(query: &Bound<'_, PyQuery>) -> Self {
        PyCond {
            cond: Cond::exists((*query.get().query).clone()),
        }
    }

    /// Literal SQL whose `?` placeholders are bound to `params`.
    #[staticmethod]
    #[pyo3(signature = (sql, params=None))]
    fn raw(sql: &str, params: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let params = params.map(to_values).transpose()?.unwrap_or_default();
        Ok(PyCond {
            cond: Cond::raw(sql, params),
        })
    }

    #[staticmethod]
    fn r#true() -> Self {
        PyCond {
            cond: Cond::Const(true),
        }
    }

    #[staticmethod]
    fn r#false() -> Self {
        PyCond {
            cond: Cond::Const(false),
        }
    }

    /// All of the conditions (AND).
    #[staticmethod]
    #[pyo3(signature = (*conds))]
    fn all(conds: Vec<PyRef<'_, PyCond>>) -> Self {
        PyCond {
            cond: Cond::all(conds.iter().map(|c| c.cond.clone())),
        }
    }

    /// Any of the conditions (OR).
    #[staticmethod]
    #[pyo3(signature = (*conds))]
    fn any(conds: Vec<PyRef<'_, PyCond>>) -> Self {
        PyCond {
            cond: Cond::any(conds.iter().map(|c| c.cond.clone())),
        }
    }

    fn __and__(&self, other: &Bound<'_, PyCond>) -> Self {
        PyCond {
            cond: self.cond.clone().and(other.get().cond.clone()),
        }
    }

    fn __or__(&self, other: &Bound<'_, PyCond>) -> Self {
        PyCond {
            cond: self.cond.clone().or(other.get().cond.clone()),
        }
    }

    fn __invert__(&self) -> Self {
        PyCond {
            cond: self.cond.clone().not(),
        }
    }

    fn __repr__(&self) -> String {
        format!("Cond({:?})", self.cond)
    }
}
