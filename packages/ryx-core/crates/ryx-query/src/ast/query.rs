//! The SELECT query node and its parts (table references, select items, joins, ordering, row locks).

use crate::ast::{Cond, Expr};

/// A table in FROM or JOIN: `"schema"."name" AS "alias"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableRef {
    /// The table name (a single identifier; dots are part of the name).
    pub name: String,
    /// An optional schema (PostgreSQL schema, MySQL database, SQLite attached database).
    pub schema: Option<String>,
    /// An optional alias; when set, columns must be qualified with it instead of the table name.
    pub alias: Option<String>,
}

impl TableRef {
    /// A plain table reference.
    #[must_use]
    pub fn new(name: &str) -> Self {
        TableRef {
            name: name.to_owned(),
            schema: None,
            alias: None,
        }
    }

    /// Set the schema.
    #[must_use]
    pub fn schema(mut self, schema: &str) -> Self {
        self.schema = Some(schema.to_owned());
        self
    }

    /// Set the alias.
    #[must_use]
    pub fn alias(mut self, alias: &str) -> Self {
        self.alias = Some(alias.to_owned());
        self
    }

    /// The name other parts of the query use to refer to this table: the alias, else the table name.
    #[must_use]
    pub fn exposed_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

impl From<&str> for TableRef {
    fn from(name: &str) -> Self {
        TableRef::new(name)
    }
}

/// One item of the SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The selected expression.
    pub expr: Expr,
    /// `AS "alias"` when set.
    pub alias: Option<String>,
}

impl SelectItem {
    /// A select item with an optional alias.
    #[must_use]
    pub fn new(expr: Expr, alias: Option<&str>) -> Self {
        SelectItem {
            expr,
            alias: alias.map(str::to_owned),
        }
    }
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// `INNER JOIN`.
    Inner,
    /// `LEFT JOIN` (left outer join).
    Left,
}

impl JoinKind {
    /// Parse `INNER`/`LEFT`, also `LEFT OUTER`, case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "INNER" | "INNER JOIN" => Some(JoinKind::Inner),
            "LEFT" | "LEFT OUTER" | "LEFT JOIN" | "LEFT OUTER JOIN" => Some(JoinKind::Left),
            _ => None,
        }
    }
}

/// A join with its ON condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// The joined table (give it an alias to join the same table twice).
    pub table: TableRef,
    /// The join condition, typically `Cond::lookup(col("a.x"), "exact", col("b.y"))`.
    pub on: Cond,
}

/// One ORDER BY term.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The sort expression.
    pub expr: Expr,
    /// Descending when true.
    pub desc: bool,
}

/// A row lock (`SELECT … FOR UPDATE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// Fail at once instead of waiting for locked rows (`NOWAIT`).
    pub nowait: bool,
    /// Skip rows locked by others (`SKIP LOCKED`).
    pub skip_locked: bool,
    /// Lock only these tables (by name or alias) (`OF …`); empty = every table in FROM.
    pub of: Vec<String>,
    /// A shared lock (`FOR SHARE`) instead of an exclusive one.
    pub share: bool,
}

/// A SELECT query. Build it with the by-value builder methods; every method returns a new query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The base table.
    pub table: TableRef,
    /// The SELECT list; empty means every column of the base table (`"t".*`).
    pub columns: Vec<SelectItem>,
    /// Joins, in order.
    pub joins: Vec<Join>,
    /// WHERE.
    pub filter: Option<Cond>,
    /// GROUP BY.
    pub group_by: Vec<Expr>,
    /// HAVING.
    pub having: Option<Cond>,
    /// ORDER BY.
    pub order_by: Vec<OrderBy>,
    /// LIMIT (bound as a parameter).
    pub limit: Option<u64>,
    /// OFFSET (bound as a parameter).
    pub offset: Option<u64>,
    /// SELECT DISTINCT.
    pub distinct: bool,
    /// FOR UPDATE / FOR SHARE.
    pub lock: Option<Lock>,
}

impl Query {
    /// `SELECT "t".* FROM "t"`.
    #[must_use]
    pub fn new(table: impl Into<TableRef>) -> Self {
        Query {
            table: table.into(),
            columns: Vec::new(),
            joins: Vec::new(),
            filter: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            distinct: false,
            lock: None,
        }
    }

    /// Set the base table's schema.
    #[must_use]
    pub fn schema(mut self, schema: &str) -> Self {
        self.table.schema = Some(schema.to_owned());
        self
    }

    /// Set the base table's alias.
    #[must_use]
    pub fn alias(mut self, alias: &str) -> Self {
        self.table.alias = Some(alias.to_owned());
        self
    }

    /// Replace the SELECT list.
    #[must_use]
    pub fn select(mut self, items: Vec<SelectItem>) -> Self {
        self.columns = items;
        self
    }

    /// Append one item to the SELECT list.
    #[must_use]
    pub fn add_column(mut self, expr: Expr, alias: Option<&str>) -> Self {
        self.columns.push(SelectItem::new(expr, alias));
        self
    }

    /// AND a condition into WHERE.
    #[must_use]
    pub fn filter(mut self, cond: Cond) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(cond),
            None => cond,
        });
        self
    }

    /// Add a join.
    #[must_use]
    pub fn join(mut self, kind: JoinKind, table: TableRef, on: Cond) -> Self {
        self.joins.push(Join { kind, table, on });
        self
    }

    /// Append a GROUP BY expression.
    #[must_use]
    pub fn group_by(mut self, expr: Expr) -> Self {
        self.group_by.push(expr);
        self
    }

    /// AND a condition into HAVING.
    #[must_use]
    pub fn having(mut self, cond: Cond) -> Self {
        self.having = Some(match self.having.take() {
            Some(existing) => existing.and(cond),
            None => cond,
        });
        self
    }

    /// Append an ORDER BY term.
    #[must_use]
    pub fn order_by(mut self, expr: Expr, desc: bool) -> Self {
        self.order_by.push(OrderBy { expr, desc });
        self
    }

    /// Remove every ORDER BY term.
    #[must_use]
    pub fn clear_order_by(mut self) -> Self {
        self.order_by.clear();
        self
    }

    /// Set or clear LIMIT.
    #[must_use]
    pub fn limit(mut self, limit: Option<u64>) -> Self {
        self.limit = limit;
        self
    }

    /// Set or clear OFFSET.
    #[must_use]
    pub fn offset(mut self, offset: Option<u64>) -> Self {
        self.offset = offset;
        self
    }

    /// Turn DISTINCT on or off.
    #[must_use]
    pub fn distinct(mut self, distinct: bool) -> Self {
        self.distinct = distinct;
        self
    }

    /// Set or clear the row lock.
    #[must_use]
    pub fn lock(mut self, lock: Option<Lock>) -> Self {
        self.lock = lock;
        self
    }

    /// Parse an ordering term: `"views"` ascending, `"-views"` descending, `"t.c"` qualified.
    #[must_use]
    pub fn parse_order(term: &str) -> OrderBy {
        match term.strip_prefix('-') {
            Some(rest) => OrderBy {
                expr: Expr::col(rest),
                desc: true,
            },
            None => OrderBy {
                expr: Expr::col(term.strip_prefix('+').unwrap_or(term)),
                desc: false,
            },
        }
    }

    /// Whether LIMIT or OFFSET is set (the query is a slice).
    #[must_use]
    pub fn is_sliced(&self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}
