//! Comparison lookups: `exact` (NULL → `IS NULL`), `gt`/`gte`/`lt`/`lte`, `in`, `range` and `isnull`.

use super::write_rhs;
use crate::ast::Expr;
use crate::dialect::Emit;
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// How one list item is written (a plain parameter, or a JSON value for JSON keys).
pub(super) type ItemWriter<'a> = &'a dyn Fn(&mut SqlWriter<'_>, &Value) -> Result<()>;

/// `lhs = rhs`, or `lhs IS NULL` for a NULL value.
pub(super) fn exact(w: &mut SqlWriter<'_>, lhs: Emit<'_>, rhs: &Expr) -> Result<()> {
    match rhs {
        Expr::Value(Value::Null) => {
            lhs(w)?;
            w.push(" IS NULL");
            Ok(())
        }
        Expr::Value(Value::List(_)) => Err(QueryError::value(
            "exact",
            "a list is not a single value; use the `in` lookup to match any of several",
        )),
        _ => {
            lhs(w)?;
            w.push(" = ");
            write_rhs(w, rhs)
        }
    }
}

/// `lhs > rhs` and friends; NULL has no order, so it is rejected.
pub(super) fn ordering(
    w: &mut SqlWriter<'_>,
    name: &str,
    op: &str,
    lhs: Emit<'_>,
    rhs: &Expr,
) -> Result<()> {
    check_single(name, rhs)?;
    lhs(w)?;
    w.push(" ");
    w.push(op);
    w.push(" ");
    write_rhs(w, rhs)
}

/// Reject NULL and lists where one comparable value is needed.
pub(super) fn check_single(name: &str, rhs: &Expr) -> Result<()> {
    match rhs {
        Expr::Value(Value::Null) => Err(QueryError::value(
            name,
            "None cannot be compared (the result would always be unknown); use isnull=True to find NULLs",
        )),
        Expr::Value(Value::List(_)) => Err(QueryError::value(name, "expected a single value, got a list")),
        _ => Ok(()),
    }
}

/// `lhs IN (…)`: NULL items are dropped (they never match), an empty list matches nothing (`1 = 0`).
/// An expression (e.g. raw SQL for a subquery) is written inside the parentheses.
pub(super) fn in_list(
    w: &mut SqlWriter<'_>,
    lhs: Emit<'_>,
    rhs: &Expr,
    item: ItemWriter<'_>,
) -> Result<()> {
    let items: Vec<&Value> = match rhs {
        Expr::Value(Value::List(items)) => items.iter().filter(|v| !v.is_null()).collect(),
        Expr::Value(v) => {
            return Err(QueryError::value(
                "in",
                format!(
                    "expected a list or tuple of values, got a {}",
                    v.type_name()
                ),
            ))
        }
        Expr::Subquery(q) => {
            lhs(w)?;
            w.push(" IN (");
            crate::compiler::write_select(w, q)?;
            w.push(")");
            return Ok(());
        }
        other => {
            lhs(w)?;
            w.push(" IN (");
            crate::compiler::write_expr(w, other)?;
            w.push(")");
            return Ok(());
        }
    };
    if items.is_empty() {
        // Nothing can match an empty list; writing `IN ()` would be a syntax error.
        w.push("1 = 0");
        return Ok(());
    }
    if items.len() > 1 && w.dialect().features().in_list_as_array && array_kind(&items).is_some() {
        lhs(w)?;
        w.push(" = ANY(");
        w.param(Value::List(items.into_iter().cloned().collect()));
        w.push(")");
        return Ok(());
    }
    lhs(w)?;
    w.push(" IN (");
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        item(w, v)?;
    }
    w.push(")");
    Ok(())
}

/// The element kind of a list that binds as one array parameter: all integers, all text or all UUIDs.
fn array_kind(items: &[&Value]) -> Option<char> {
    let kind = |v: &Value| match v {
        Value::Int(_) => Some('i'),
        Value::Text(_) => Some('t'),
        Value::Uuid(_) => Some('u'),
        _ => None,
    };
    let first = kind(items.first()?)?;
    items
        .iter()
        .all(|v| kind(v) == Some(first))
        .then_some(first)
}

/// `lhs BETWEEN lo AND hi` (inclusive, as in Django).
pub(super) fn range(
    w: &mut SqlWriter<'_>,
    lhs: Emit<'_>,
    rhs: &Expr,
    item: ItemWriter<'_>,
) -> Result<()> {
    let (lo, hi) = match rhs {
        Expr::Value(Value::List(items)) if items.len() == 2 => (&items[0], &items[1]),
        Expr::Value(Value::List(items)) => {
            return Err(QueryError::value(
                "range",
                format!(
                    "range needs exactly 2 values (low, high), got {}",
                    items.len()
                ),
            ))
        }
        Expr::Value(v) => {
            return Err(QueryError::value(
                "range",
                format!("range needs a (low, high) pair, got a {}", v.type_name()),
            ))
        }
        _ => {
            return Err(QueryError::value(
                "range",
                "range needs a (low, high) pair of values",
            ))
        }
    };
    if lo.is_null() || hi.is_null() {
        return Err(QueryError::value(
            "range",
            "range bounds cannot be None; use gte or lte for an open range",
        ));
    }
    lhs(w)?;
    w.push(" BETWEEN ");
    item(w, lo)?;
    w.push(" AND ");
    item(w, hi)
}

/// `lhs IS NULL` / `lhs IS NOT NULL`.
pub(super) fn isnull(w: &mut SqlWriter<'_>, lhs: Emit<'_>, rhs: &Expr) -> Result<()> {
    let is_null = expect_bool(rhs)?;
    lhs(w)?;
    w.push(if is_null { " IS NULL" } else { " IS NOT NULL" });
    Ok(())
}

/// The boolean value of an `isnull` lookup.
pub(super) fn expect_bool(rhs: &Expr) -> Result<bool> {
    match rhs {
        Expr::Value(Value::Bool(b)) => Ok(*b),
        Expr::Value(v) => Err(QueryError::value(
            "isnull",
            format!(
                "isnull needs a bool (True or False), got a {}",
                v.type_name()
            ),
        )),
        _ => Err(QueryError::value(
            "isnull",
            "isnull needs a bool (True or False), not an expression",
        )),
    }
}
