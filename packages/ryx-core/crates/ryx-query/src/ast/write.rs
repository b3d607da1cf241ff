//! INSERT statements and their conflict handling (upserts).

use crate::ast::{Expr, TableRef};

/// What to do when an inserted row violates a unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnConflict {
    /// Skip the row. `target` names the unique columns (ignored on MySQL, which has `INSERT IGNORE`).
    Ignore {
        /// The unique columns; may be empty.
        target: Vec<String>,
    },
    /// Update `update` columns of the existing row with the new values. `target` names the unique
    /// columns and is required on PostgreSQL and SQLite.
    Update {
        /// The unique columns that may conflict.
        target: Vec<String>,
        /// The columns to overwrite with the new row's values.
        update: Vec<String>,
    },
}

/// `INSERT INTO table (columns) VALUES rows… [conflict] [RETURNING …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The target table (its alias is not used).
    pub table: TableRef,
    /// Column names; every row has one expression per column.
    pub columns: Vec<String>,
    /// The rows to insert.
    pub rows: Vec<Vec<Expr>>,
    /// Columns to return; emitted only when the dialect supports RETURNING.
    pub returning: Vec<String>,
    /// Conflict handling.
    pub on_conflict: Option<OnConflict>,
}

impl Insert {
    /// An INSERT into `table` with the given columns and no rows yet.
    #[must_use]
    pub fn new(table: impl Into<TableRef>, columns: Vec<String>) -> Self {
        Insert {
            table: table.into(),
            columns,
            rows: Vec::new(),
            returning: Vec::new(),
            on_conflict: None,
        }
    }

    /// Append a row.
    #[must_use]
    pub fn row(mut self, row: Vec<Expr>) -> Self {
        self.rows.push(row);
        self
    }

    /// Append rows.
    #[must_use]
    pub fn rows(mut self, rows: impl IntoIterator<Item = Vec<Expr>>) -> Self {
        self.rows.extend(rows);
        self
    }

    /// Set the RETURNING columns.
    #[must_use]
    pub fn returning(mut self, columns: Vec<String>) -> Self {
        self.returning = columns;
        self
    }

    /// Set the conflict handling.
    #[must_use]
    pub fn on_conflict(mut self, on_conflict: Option<OnConflict>) -> Self {
        self.on_conflict = on_conflict;
        self
    }
}
