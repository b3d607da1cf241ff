//! INSERT (one or many rows, upserts, RETURNING), batching under the parameter limit, and bulk UPDATE.

use super::expr::write_expr;
use crate::ast::{Expr, Insert, OnConflict, TableRef};
use crate::dialect::Dialect;
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::{Compiled, SqlWriter};

/// Compile one INSERT statement for every row of `ins`.
///
/// RETURNING is written only when the dialect supports it and `returning` is non-empty (plain MySQL reads
/// the last insert id instead). Conflicts: `ON CONFLICT … DO NOTHING / DO UPDATE` on PostgreSQL and SQLite,
/// `INSERT IGNORE` / `ON DUPLICATE KEY UPDATE` on MySQL.
///
/// # Errors
/// [`QueryError::Invalid`] for no rows, a row of the wrong length, several rows without columns, or an
/// upsert without target/update columns; bad identifiers.
pub fn compile_insert(ins: &Insert, d: &dyn Dialect) -> Result<Compiled> {
    check_rows(ins)?;
    let mut w = SqlWriter::new(d);
    let ignore = matches!(ins.on_conflict, Some(OnConflict::Ignore { .. }));
    d.write_insert_head(&mut w, &ins.table, ignore)?;
    if ins.columns.is_empty() {
        if ins.rows.len() > 1 {
            return Err(QueryError::Invalid(
                "rows without columns (all defaults) are inserted one per statement; use compile_insert_batches".into(),
            ));
        }
        d.write_default_values(&mut w);
    } else {
        w.push(" (");
        for (i, c) in ins.columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c)?;
        }
        w.push(") VALUES ");
        for (r, row) in ins.rows.iter().enumerate() {
            if r > 0 {
                w.push(", ");
            }
            write_row(&mut w, row)?;
        }
    }
    if let Some(on_conflict) = &ins.on_conflict {
        d.write_on_conflict(&mut w, on_conflict)?;
    }
    if d.features().supports_returning && !ins.returning.is_empty() {
        w.push(" RETURNING ");
        for (i, c) in ins.returning.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c)?;
        }
    }
    Ok(w.finish())
}

/// Compile `ins` as as few statements as possible, each under the dialect's `max_params`.
///
/// # Errors
/// As for [`compile_insert`]; also [`QueryError::Invalid`] when one row alone needs more parameters than
/// the backend allows.
pub fn compile_insert_batches(ins: &Insert, d: &dyn Dialect) -> Result<Vec<Compiled>> {
    check_rows(ins)?;
    let max = d.features().max_params;
    let mut batches = Vec::new();
    let mut chunk: Vec<Vec<Expr>> = Vec::new();
    let mut used = 0;
    for row in &ins.rows {
        let n = row_params(row, d)?;
        if n > max {
            return Err(QueryError::Invalid(format!(
                "one row needs {n} bound parameters but {} allows {max} per statement; insert fewer columns",
                d.name()
            )));
        }
        // Rows without columns cannot share a statement (there is no multi-row DEFAULT VALUES).
        let full = !chunk.is_empty() && (used + n > max || ins.columns.is_empty());
        if full {
            batches.push(compile_insert(
                &with_rows(ins, std::mem::take(&mut chunk)),
                d,
            )?);
            used = 0;
        }
        chunk.push(row.clone());
        used += n;
    }
    if !chunk.is_empty() {
        batches.push(compile_insert(&with_rows(ins, chunk), d)?);
    }
    Ok(batches)
}

/// Compile a bulk UPDATE of `columns` for many rows, one statement per chunk under `max_params`:
/// `UPDATE t SET c = CASE pk WHEN ? THEN ? … ELSE c END, … WHERE pk IN (?, …)`.
/// Each row is `(pk value, one value per column)`. No rows gives no statements.
///
/// # Errors
/// [`QueryError::Invalid`] for no columns, a row of the wrong length, or columns too many for one row to
/// fit the parameter limit; bad identifiers.
pub fn compile_bulk_update(
    table: &TableRef,
    pk: &str,
    columns: &[String],
    rows: &[(Value, Vec<Value>)],
    d: &dyn Dialect,
) -> Result<Vec<Compiled>> {
    if columns.is_empty() {
        return Err(QueryError::Invalid(
            "bulk update needs at least one column to set".into(),
        ));
    }
    if let Some((i, (_, values))) = rows
        .iter()
        .enumerate()
        .find(|(_, (_, v))| v.len() != columns.len())
    {
        return Err(QueryError::Invalid(format!(
            "bulk update row {i} has {} value(s) for {} column(s); give one value per column",
            values.len(),
            columns.len()
        )));
    }
    let has_list = rows.iter().any(|(k, vs)| {
        matches!(k, Value::List(_)) || vs.iter().any(|v| matches!(v, Value::List(_)))
    });
    if has_list {
        return Err(QueryError::Invalid(
            "bulk update values must be single values; serialise lists stored in JSON columns as Value::Json".into(),
        ));
    }
    // Each row binds its pk once per column (WHEN), its value once per column (THEN), and once in IN (…).
    let per_row = 2 * columns.len() + 1;
    let max = d.features().max_params;
    if per_row > max {
        return Err(QueryError::Invalid(format!(
            "bulk update of {} columns needs {per_row} parameters per row, more than {} allows ({max})",
            columns.len(),
            d.name()
        )));
    }
    rows.chunks(max / per_row)
        .map(|chunk| bulk_update_chunk(table, pk, columns, chunk, d))
        .collect()
}

fn bulk_update_chunk(
    table: &TableRef,
    pk: &str,
    columns: &[String],
    rows: &[(Value, Vec<Value>)],
    d: &dyn Dialect,
) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    w.push("UPDATE ");
    w.table(table, false)?;
    w.push(" SET ");
    for (c, column) in columns.iter().enumerate() {
        if c > 0 {
            w.push(", ");
        }
        w.ident(column)?;
        w.push(" = CASE ");
        w.ident(pk)?;
        for (key, values) in rows {
            w.push(" WHEN ");
            w.param(key.clone());
            w.push(" THEN ");
            w.param(values[c].clone());
        }
        // Rows not in this chunk never reach here (WHERE below), but ELSE keeps the CASE total.
        w.push(" ELSE ");
        w.ident(column)?;
        w.push(" END");
    }
    w.push(" WHERE ");
    w.ident(pk)?;
    w.push(" IN (");
    for (i, (key, _)) in rows.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.param(key.clone());
    }
    w.push(")");
    Ok(w.finish())
}

fn check_rows(ins: &Insert) -> Result<()> {
    if ins.rows.is_empty() {
        return Err(QueryError::Invalid(
            "nothing to insert: add at least one row".into(),
        ));
    }
    if let Some((i, row)) = ins
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != ins.columns.len())
    {
        return Err(QueryError::Invalid(format!(
            "insert row {i} has {} value(s) for {} column(s); give one value per column",
            row.len(),
            ins.columns.len()
        )));
    }
    Ok(())
}

fn write_row(w: &mut SqlWriter<'_>, row: &[Expr]) -> Result<()> {
    w.push("(");
    for (i, e) in row.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        write_expr(w, e)?;
    }
    w.push(")");
    Ok(())
}

/// How many parameters a row binds, found by writing it (expressions may bind any number).
fn row_params(row: &[Expr], d: &dyn Dialect) -> Result<usize> {
    let mut w = SqlWriter::new(d);
    write_row(&mut w, row)?;
    Ok(w.param_count())
}

fn with_rows(ins: &Insert, rows: Vec<Vec<Expr>>) -> Insert {
    Insert {
        table: ins.table.clone(),
        columns: ins.columns.clone(),
        rows,
        returning: ins.returning.clone(),
        on_conflict: ins.on_conflict.clone(),
    }
}
