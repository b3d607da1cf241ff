//! SELECT, COUNT and EXISTS statements.

use super::expr::{write_cond, write_expr};
use crate::ast::{Cond, OrderBy, Query, TableRef};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::value::Value;
use crate::writer::{Compiled, SqlWriter};

/// Compile a SELECT: `SELECT [DISTINCT] … FROM … [JOIN …] [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT]
/// [OFFSET] [FOR UPDATE]`. LIMIT and OFFSET are bound; OFFSET without LIMIT works on every backend.
///
/// # Errors
/// Unknown lookups or transforms, invalid values, bad identifiers, unsupported lock options.
pub fn compile_select(q: &Query, d: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    write_select(&mut w, q)?;
    Ok(w.finish())
}

/// Write a whole SELECT into `w`: a statement of its own, or a subquery whose parameters continue the
/// enclosing statement's numbering.
pub(crate) fn write_select(w: &mut SqlWriter<'_>, q: &Query) -> Result<()> {
    write_select_list(w, q, q.distinct)?;
    write_from_where(w, q)?;
    write_group_having(w, q)?;
    write_order_by(w, &q.order_by)?;
    write_slice(w, q.limit, q.offset);
    if let Some(lock) = &q.lock {
        w.dialect().write_lock(w, lock)?;
    }
    Ok(())
}

/// Compile a row count. A sliced, distinct or grouped query is counted through a subquery so the slice,
/// DISTINCT and groups are honoured: `SELECT COUNT(*) FROM (…) AS "_c"`.
///
/// # Errors
/// As for [`compile_select`].
pub fn compile_count(q: &Query, d: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    if q.is_sliced() || q.distinct || !q.group_by.is_empty() || q.having.is_some() {
        w.push("SELECT COUNT(*) FROM (");
        if q.distinct {
            write_select_list(&mut w, q, true)?;
        } else {
            // Only the number of rows matters; selecting a constant avoids duplicate column names.
            w.push("SELECT 1");
        }
        write_from_where(&mut w, q)?;
        write_group_having(&mut w, q)?;
        // Ordering does not change how many rows a slice has.
        write_slice(&mut w, q.limit, q.offset);
        w.push(") AS ");
        w.ident("_c")?;
    } else {
        w.push("SELECT COUNT(*)");
        write_from_where(&mut w, q)?;
    }
    Ok(w.finish())
}

/// Compile an existence test: `SELECT 1 … LIMIT 1` (ordering dropped, any OFFSET kept).
///
/// # Errors
/// As for [`compile_select`].
pub fn compile_exists(q: &Query, d: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    w.push("SELECT 1");
    write_from_where(&mut w, q)?;
    write_group_having(&mut w, q)?;
    // A LIMIT 0 slice has no rows, so keep it; otherwise one row is enough.
    write_slice(&mut w, Some(q.limit.unwrap_or(1).min(1)), q.offset);
    Ok(w.finish())
}

/// `SELECT [DISTINCT] items`, or the base table's columns `"t".*` when no items are given.
pub(crate) fn write_select_list(w: &mut SqlWriter<'_>, q: &Query, distinct: bool) -> Result<()> {
    w.push(if distinct {
        "SELECT DISTINCT "
    } else {
        "SELECT "
    });
    if q.columns.is_empty() {
        // Never a bare *: with joins it would mix every table's columns under clashing names.
        w.ident(q.table.exposed_name())?;
        w.push(".*");
        return Ok(());
    }
    for (i, item) in q.columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        write_expr(w, &item.expr)?;
        if let Some(alias) = &item.alias {
            w.push(" AS ");
            w.ident(alias)?;
        }
    }
    Ok(())
}

/// ` FROM table [AS alias] [joins] [WHERE …]`.
pub(crate) fn write_from_where(w: &mut SqlWriter<'_>, q: &Query) -> Result<()> {
    w.push(" FROM ");
    w.table(&q.table, true)?;
    for join in &q.joins {
        w.push(match join.kind {
            crate::ast::JoinKind::Inner => " INNER JOIN ",
            crate::ast::JoinKind::Left => " LEFT JOIN ",
        });
        w.table(&join.table, true)?;
        w.push(" ON ");
        write_cond(w, &join.on)?;
    }
    write_where(w, q.filter.as_ref())
}

/// ` WHERE cond`, left out when the condition is trivially true.
pub(crate) fn write_where(w: &mut SqlWriter<'_>, filter: Option<&Cond>) -> Result<()> {
    match filter {
        Some(cond) if !cond.is_true() => {
            w.push(" WHERE ");
            write_cond(w, cond)
        }
        _ => Ok(()),
    }
}

fn write_group_having(w: &mut SqlWriter<'_>, q: &Query) -> Result<()> {
    if !q.group_by.is_empty() {
        w.push(" GROUP BY ");
        for (i, e) in q.group_by.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            write_expr(w, e)?;
        }
    }
    if let Some(having) = &q.having {
        if !having.is_true() {
            w.push(" HAVING ");
            write_cond(w, having)?;
        }
    }
    Ok(())
}

pub(crate) fn write_order_by(w: &mut SqlWriter<'_>, order: &[OrderBy]) -> Result<()> {
    for (i, term) in order.iter().enumerate() {
        w.push(if i == 0 { " ORDER BY " } else { ", " });
        write_expr(w, &term.expr)?;
        w.push(if term.desc { " DESC" } else { " ASC" });
    }
    Ok(())
}

/// ` LIMIT ? [OFFSET ?]`, with the dialect's "no limit" before an OFFSET-only slice where needed.
pub(crate) fn write_slice(w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
    let bind = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    match limit {
        Some(n) => {
            w.push(" LIMIT ");
            w.param(bind(n));
        }
        None if offset.is_some() && !w.dialect().features().supports_offset_without_limit => {
            w.push(" LIMIT ");
            match w.dialect().unlimited_limit() {
                Some(no_limit) => w.push(no_limit),
                None => w.param(Value::Int(i64::MAX)),
            }
        }
        None => {}
    }
    if let Some(n) = offset {
        w.push(" OFFSET ");
        w.param(bind(n));
    }
}

/// `"t"."pk"` for the table's exposed name.
pub(crate) fn write_qualified(w: &mut SqlWriter<'_>, table: &TableRef, column: &str) -> Result<()> {
    w.ident(table.exposed_name())?;
    w.push(".");
    w.ident(column)
}
