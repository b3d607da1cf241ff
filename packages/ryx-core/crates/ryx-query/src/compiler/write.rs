//! DELETE and UPDATE from a query's filters; sliced or joined ones go through `pk IN (SELECT pk …)`.

use super::expr::write_expr;
use super::select::{write_from_where, write_order_by, write_qualified, write_slice, write_where};
use crate::ast::{Expr, Query};
use crate::dialect::Dialect;
use crate::error::{QueryError, Result};
use crate::writer::{Compiled, SqlWriter};

/// Compile `DELETE FROM t [WHERE …]`. When the query is sliced, joined or aliased, the rows are chosen by
/// a subquery on the primary key: `WHERE pk IN (SELECT pk … ORDER BY … LIMIT …)` (wrapped in a derived
/// table on MySQL, which rejects LIMIT in IN-subqueries on the target table).
///
/// # Errors
/// [`QueryError::Invalid`] for a grouped query, or a sliced/joined one without `pk`; lookup errors.
pub fn compile_delete(q: &Query, pk: Option<&str>, d: &dyn Dialect) -> Result<Compiled> {
    reject_grouped(q, "delete")?;
    let mut w = SqlWriter::new(d);
    w.push("DELETE FROM ");
    w.table(&q.table, false)?;
    write_target_filter(&mut w, q, pk, "delete")?;
    Ok(w.finish())
}

/// Compile `UPDATE t SET c = expr, … [WHERE …]`; values may be expressions (`views = views + 1`).
/// Sliced, joined or aliased queries choose rows by primary key as in [`compile_delete`].
///
/// # Errors
/// [`QueryError::Invalid`] for no assignments, a grouped query, a sliced/joined one without `pk`, or a
/// column of another table; lookup errors.
pub fn compile_update(
    q: &Query,
    assignments: &[(String, Expr)],
    pk: Option<&str>,
    d: &dyn Dialect,
) -> Result<Compiled> {
    if assignments.is_empty() {
        return Err(QueryError::Invalid(
            "update needs at least one (column, value) assignment, e.g. [(\"views\", views + 1)]"
                .into(),
        ));
    }
    reject_grouped(q, "update")?;
    let mut w = SqlWriter::new(d);
    w.push("UPDATE ");
    w.table(&q.table, false)?;
    w.push(" SET ");
    for (i, (column, value)) in assignments.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(target_column(q, column)?)?;
        w.push(" = ");
        write_expr(&mut w, value)?;
    }
    write_target_filter(&mut w, q, pk, "update")?;
    Ok(w.finish())
}

/// The column an assignment sets: `"c"`, or `"t.c"` when `t` is the updated table.
fn target_column<'a>(q: &Query, column: &'a str) -> Result<&'a str> {
    match column.rsplit_once('.') {
        None => Ok(column),
        Some((table, name)) if table == q.table.name || Some(table) == q.table.alias.as_deref() => Ok(name),
        Some(_) => Err(QueryError::Invalid(format!(
            "cannot set {column:?}: an UPDATE changes only columns of {:?}; name the column without another table",
            q.table.name
        ))),
    }
}

fn reject_grouped(q: &Query, verb: &str) -> Result<()> {
    if q.group_by.is_empty() && q.having.is_none() {
        Ok(())
    } else {
        Err(QueryError::Invalid(format!(
            "cannot {verb} from a grouped query (GROUP BY / HAVING); filter the rows with WHERE instead"
        )))
    }
}

/// The WHERE of an UPDATE/DELETE: the query's filter, or a primary-key subquery when it is sliced or
/// needs its joins and aliases.
fn write_target_filter(
    w: &mut SqlWriter<'_>,
    q: &Query,
    pk: Option<&str>,
    verb: &str,
) -> Result<()> {
    // Ordering without a slice does not change which rows are hit, so it alone needs no subquery.
    if !q.is_sliced() && q.joins.is_empty() && q.table.alias.is_none() {
        return write_where(w, q.filter.as_ref());
    }
    let pk = pk.ok_or_else(|| {
        QueryError::Invalid(format!(
            "to {verb} rows of a sliced, joined or aliased query the primary key column is needed, so it can {verb} \
             WHERE pk IN (SELECT pk … LIMIT n); pass the key column name (e.g. pk=\"id\")"
        ))
    })?;
    let derived = !w.dialect().features().supports_limit_in_self_subquery;
    w.push(" WHERE ");
    w.ident(pk)?;
    w.push(" IN (");
    if derived {
        w.push("SELECT ");
        w.ident(pk)?;
        w.push(" FROM (");
    }
    w.push("SELECT ");
    write_qualified(w, &q.table, pk)?;
    write_from_where(w, q)?;
    if q.is_sliced() {
        write_order_by(w, &q.order_by)?;
        write_slice(w, q.limit, q.offset);
    }
    if derived {
        w.push(") AS ");
        w.ident("_d")?;
    }
    w.push(")");
    Ok(())
}
