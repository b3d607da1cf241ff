//! `SqlWriter`: collects SQL text and bound parameters together, so placeholders always match values.

use crate::ast::TableRef;
use crate::dialect::{Dialect, PlaceholderStyle};
use crate::error::{QueryError, Result};
use crate::raw::{scan, Lexical, Piece};
use crate::value::Value;

/// A compiled statement: SQL text with dialect placeholders, and the values to bind, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The SQL text.
    pub sql: String,
    /// One value per placeholder, in placeholder order.
    pub params: Vec<Value>,
}

/// Accumulates SQL text and parameters for one statement.
pub struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: Vec<Value>,
    aliases: usize,
}

impl<'d> SqlWriter<'d> {
    /// An empty writer for a dialect.
    #[must_use]
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            params: Vec::new(),
            aliases: 0,
        }
    }

    /// The dialect this writer renders for.
    #[must_use]
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Append SQL text (never user values: those go through [`SqlWriter::param`]).
    pub fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Bind a value and write its placeholder. NULL is written as the keyword instead: it carries no
    /// user data, and an untyped NULL takes the type its context needs, whereas a bound PostgreSQL
    /// parameter has a fixed type (a text-typed NULL cannot go into an integer column or CASE).
    pub fn param(&mut self, value: Value) {
        if value.is_null() {
            self.sql.push_str("NULL");
            return;
        }
        self.params.push(value);
        match self.dialect.placeholder_style() {
            PlaceholderStyle::Question => self.sql.push('?'),
            PlaceholderStyle::Dollar => {
                self.sql.push('$');
                self.sql.push_str(&self.params.len().to_string());
            }
        }
    }

    /// Write one quoted identifier.
    ///
    /// # Errors
    /// [`QueryError::InvalidIdentifier`] for an empty name or one containing NUL.
    pub fn ident(&mut self, name: &str) -> Result<()> {
        self.dialect.write_identifier(&mut self.sql, name)
    }

    /// Write a dotted name (`schema.table`, `t`) as quoted parts: `"schema"."table"`.
    ///
    /// # Errors
    /// [`QueryError::InvalidIdentifier`] for an empty part.
    pub fn dotted_ident(&mut self, path: &str) -> Result<()> {
        for (i, part) in path.split('.').enumerate() {
            if i > 0 {
                self.sql.push('.');
            }
            self.ident(part)?;
        }
        Ok(())
    }

    /// Write a table reference: `"schema"."name"`, plus ` AS "alias"` when asked and set.
    ///
    /// # Errors
    /// [`QueryError::InvalidIdentifier`] for a bad name.
    pub fn table(&mut self, table: &TableRef, with_alias: bool) -> Result<()> {
        if let Some(schema) = &table.schema {
            self.ident(schema)?;
            self.sql.push('.');
        }
        self.ident(&table.name)?;
        if with_alias {
            if let Some(alias) = &table.alias {
                self.sql.push_str(" AS ");
                self.ident(alias)?;
            }
        }
        Ok(())
    }

    /// Write user SQL, binding one value per `?` outside quotes and comments (`??` is a literal `?`).
    ///
    /// # Errors
    /// [`QueryError::Invalid`] when the number of `?` differs from the number of values, when the SQL
    /// uses `$n` placeholders, or when a quote or comment is not closed.
    pub fn raw(&mut self, sql: &str, params: &[Value]) -> Result<()> {
        let pieces = scan(sql, Lexical::of(self.dialect))?;
        if let Some(Piece::Numbered(n)) = pieces.iter().find(|p| matches!(p, Piece::Numbered(_))) {
            return Err(QueryError::Invalid(format!(
                "raw SQL fragments use `?` placeholders, which are numbered per dialect; replace {n} in {sql:?} with ?"
            )));
        }
        let count = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Placeholder))
            .count();
        if count != params.len() {
            return Err(QueryError::Invalid(format!(
                "raw SQL {sql:?} has {count} `?` placeholder(s) but {} value(s) were given; pass one value per `?` \
                 (write `??` for a literal question mark)",
                params.len()
            )));
        }
        let mut values = params.iter();
        for piece in pieces {
            match piece {
                Piece::Text(t) => self.sql.push_str(t),
                Piece::LiteralQuestion => self.sql.push('?'),
                Piece::Placeholder => {
                    let value = values.next().cloned().unwrap_or(Value::Null);
                    self.param(value);
                }
                // Rejected above.
                Piece::Numbered(n) => self.sql.push_str(n),
            }
        }
        Ok(())
    }

    /// A fresh alias for an internal subquery or table function (`_j1`, `_j2`, …).
    pub fn next_alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    /// The SQL written so far.
    #[must_use]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// How many parameters are bound so far.
    #[must_use]
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// Finish the statement.
    #[must_use]
    pub fn finish(self) -> Compiled {
        Compiled {
            sql: self.sql,
            params: self.params,
        }
    }
}
