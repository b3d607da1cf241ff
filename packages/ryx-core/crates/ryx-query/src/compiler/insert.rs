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
    if ins.columns.is_empty() {
        let ignore = matches!(ins.on_conflict, Some(OnConflict::Ignore { .. }));
        d.write_insert_head(&mut w, &ins.table, ignore)?;
        if ins.rows.len() > 1 {
            return Err(QueryError::Invalid(
                "rows without columns (all defaults) are inserted one per statement; use compile_insert_batches".into(),
            ));
        }
        d.write_default_values(&mut w);
    } else {
        write_values_head(&mut w, ins)?;
        for (r, row) in ins.rows.iter().enumerate() {
            if r > 0 {
                w.push(", ");
            }
            write_row(&mut w, row)?;
        }
    }
    finish_insert(w, ins)
}

/// `INSERT INTO t (columns) VALUES ` (or the dialect's `INSERT IGNORE` head).
fn write_values_head(w: &mut SqlWriter<'_>, ins: &Insert) -> Result<()> {
    let ignore = matches!(ins.on_conflict, Some(OnConflict::Ignore { .. }));
    w.dialect().write_insert_head(w, &ins.table, ignore)?;
    w.push(" (");
    for (i, c) in ins.columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(c)?;
    }
    w.push(") VALUES ");
    Ok(())
}

/// Append the conflict clause and RETURNING, and finish the statement.
fn finish_insert(mut w: SqlWriter<'_>, ins: &Insert) -> Result<Compiled> {
    let d = w.dialect();
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

/// Compile an INSERT of plain values in as few statements as possible: at most `max_rows` rows each
/// (no bound when `None`), and each under the dialect's `max_params`.
///
/// `ins` gives the table, columns, conflict handling and RETURNING; its own `rows` must be empty.
/// The values move into the statements' parameters: unlike [`compile_insert_batches`], nothing is
/// copied or written twice, which matters for thousands of rows. The statements are those
/// [`compile_insert_batches`] gives for the same rows as [`Expr::Value`]s, chunked by `max_rows` too.
///
/// # Errors
/// As for [`compile_insert_batches`]; also [`QueryError::Invalid`] for `max_rows` of 0 or rows given
/// in `ins` as well.
pub fn compile_insert_values(
    ins: &Insert,
    rows: Vec<Vec<Value>>,
    max_rows: Option<usize>,
    d: &dyn Dialect,
) -> Result<Vec<Compiled>> {
    if !ins.rows.is_empty() {
        return Err(QueryError::Invalid(
            "compile_insert_values takes the rows apart: leave the Insert's own rows empty".into(),
        ));
    }
    if max_rows == Some(0) {
        return Err(QueryError::Invalid(
            "max_rows must be at least 1 row per statement".into(),
        ));
    }
    if ins.columns.is_empty() {
        // Only DEFAULT VALUES rows, one statement each: the general path loses nothing here.
        let rows = rows
            .into_iter()
            .map(|row| row.into_iter().map(Expr::Value).collect())
            .collect();
        return compile_insert_batches(&with_rows(ins, rows), d);
    }
    if rows.is_empty() {
        return check_rows(ins).map(|()| Vec::new());
    }
    same_widths(rows.iter().map(Vec::len), ins.columns.len())?;
    let max = d.features().max_params;
    let max_rows = max_rows.unwrap_or(usize::MAX);
    let mut batches = Vec::new();
    let mut current: Option<(SqlWriter<'_>, usize)> = None;
    for row in rows {
        let n: usize = row.iter().map(value_params).sum();
        if n > max {
            return Err(QueryError::Invalid(format!(
                "one row needs {n} bound parameters but {} allows {max} per statement; insert fewer columns",
                d.name()
            )));
        }
        let full = current.as_ref().is_some_and(|(w, in_statement)| {
            *in_statement >= max_rows || w.param_count() + n > max
        });
        if full {
            if let Some((w, _)) = current.take() {
                batches.push(finish_insert(w, ins)?);
            }
        }
        let (w, in_statement) = match &mut current {
            Some((w, in_statement)) => {
                w.push(", ");
                (w, in_statement)
            }
            None => {
                let mut w = SqlWriter::new(d);
                write_values_head(&mut w, ins)?;
                let (w, in_statement) = current.insert((w, 0));
                (w, in_statement)
            }
        };
        write_value_row(w, row)?;
        *in_statement += 1;
    }
    if let Some((w, _)) = current {
        batches.push(finish_insert(w, ins)?);
    }
    Ok(batches)
}

/// How many parameters a value binds where [`write_expr`] writes it: NULL is written inline, a list
/// binds its items.
fn value_params(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::List(items) => items.len(),
        _ => 1,
    }
}

/// `(v, …)`, moving the values into the parameters; a list goes through [`write_expr`] (its checks).
fn write_value_row(w: &mut SqlWriter<'_>, row: Vec<Value>) -> Result<()> {
    w.push("(");
    for (i, v) in row.into_iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        match v {
            Value::List(_) => write_expr(w, &Expr::Value(v))?,
            v => w.param(v),
        }
    }
    w.push(")");
    Ok(())
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
    same_widths(ins.rows.iter().map(Vec::len), ins.columns.len())
}

/// Check that every row has one value per column.
fn same_widths(widths: impl Iterator<Item = usize>, columns: usize) -> Result<()> {
    for (i, width) in widths.enumerate() {
        if width != columns {
            return Err(QueryError::Invalid(format!(
                "insert row {i} has {width} value(s) for {columns} column(s); give one value per column"
            )));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{mariadb, mysql, postgres, sqlite};

    fn sample(n: usize) -> Vec<Vec<Value>> {
        (0..n)
            .map(|i| {
                let text = if i % 3 == 0 {
                    Value::Null
                } else {
                    Value::Text(format!("r{i}"))
                };
                vec![Value::Int(i as i64), text, Value::Json("[1]".into())]
            })
            .collect()
    }

    fn base() -> Insert {
        Insert::new("t", vec!["a".into(), "b".into(), "c".into()])
            .returning(vec!["id".into()])
            .on_conflict(Some(OnConflict::Ignore { target: vec![] }))
    }

    fn as_exprs(rows: &[Vec<Value>]) -> Vec<Vec<Expr>> {
        rows.iter()
            .map(|r| r.iter().cloned().map(Expr::Value).collect())
            .collect()
    }

    #[test]
    fn values_compile_as_the_general_path_does() {
        for d in [postgres(), sqlite(), mysql(), mariadb()] {
            // Enough rows to need two statements under the parameter limit (NULLs bind nothing).
            let rows = sample(d.features().max_params / 2);
            let general = compile_insert_batches(&base().rows(as_exprs(&rows)), d).unwrap();
            let direct = compile_insert_values(&base(), rows, None, d).unwrap();
            assert!(general.len() > 1, "{}", d.name());
            assert_eq!(general, direct, "{}", d.name());
        }
    }

    #[test]
    fn max_rows_caps_the_rows_per_statement() {
        let d = postgres();
        let rows = sample(7);
        let batches = compile_insert_values(&base(), rows.clone(), Some(3), d).unwrap();
        assert_eq!(batches.len(), 3);
        for (batch, chunk) in batches.iter().zip(rows.chunks(3)) {
            let one = compile_insert(&base().rows(as_exprs(chunk)), d).unwrap();
            assert_eq!(*batch, one);
        }
        let single = compile_insert_values(&base(), rows, Some(1), d).unwrap();
        assert_eq!(single.len(), 7);
    }

    #[test]
    fn values_errors() {
        let d = sqlite();
        let bad = |r: Result<Vec<Compiled>>| r.unwrap_err().to_string();
        assert!(bad(compile_insert_values(&base(), sample(2), Some(0), d)).contains("max_rows"));
        assert!(bad(compile_insert_values(&base(), vec![], None, d)).contains("nothing to insert"));
        let short = vec![vec![Value::Int(1)]];
        assert!(
            bad(compile_insert_values(&base(), short, None, d)).contains("row 0 has 1 value(s)")
        );
        let with_rows = base().row(vec![]);
        assert!(bad(compile_insert_values(&with_rows, sample(1), None, d)).contains("rows apart"));
        let empty_list = vec![vec![Value::Int(1), Value::List(vec![]), Value::Null]];
        assert!(bad(compile_insert_values(&base(), empty_list, None, d)).contains("empty list"));
        let defaults = Insert::new("t", vec![]);
        let two = compile_insert_values(&defaults, vec![vec![], vec![]], Some(5), d).unwrap();
        assert_eq!(two.len(), 2, "DEFAULT VALUES rows go one per statement");
    }
}
