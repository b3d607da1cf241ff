//! Boolean conditions (WHERE / HAVING / JOIN … ON): lookups, AND/OR/NOT trees, raw SQL and constants.

use crate::ast::{Expr, Query};
use crate::error::Result;
use crate::value::Value;

/// A boolean condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `lhs <lookup> rhs`, e.g. `views__gte=10` is `Lookup { lhs: col(views), lookup: "gte", rhs: 10 }`.
    Lookup {
        /// The left-hand side (a column, transform, JSON key, …).
        lhs: Expr,
        /// The lookup name (`exact`, `icontains`, a custom name, …).
        lookup: String,
        /// The right-hand side: usually a bound value, or an expression such as another column.
        rhs: Expr,
    },
    /// All children hold; an empty list is true.
    And(Vec<Cond>),
    /// At least one child holds; an empty list is false.
    Or(Vec<Cond>),
    /// The child does not hold.
    Not(Box<Cond>),
    /// User SQL; each `?` outside quotes and comments is one bound parameter.
    Raw {
        /// The SQL text, with `?` placeholders.
        sql: String,
        /// One value per `?`.
        params: Vec<Value>,
    },
    /// A constant (`1 = 1` / `1 = 0`).
    Const(bool),
    /// `EXISTS (SELECT …)`, usually correlated with the outer query; `NOT` gives `NOT EXISTS`.
    Exists(Box<Query>),
}

impl Cond {
    /// A lookup condition.
    #[must_use]
    pub fn lookup(lhs: Expr, lookup: &str, rhs: Expr) -> Self {
        Cond::Lookup {
            lhs,
            lookup: lookup.to_owned(),
            rhs,
        }
    }

    /// Raw SQL with `?` placeholders and their values.
    #[must_use]
    pub fn raw(sql: &str, params: Vec<Value>) -> Self {
        Cond::Raw {
            sql: sql.to_owned(),
            params,
        }
    }

    /// `EXISTS (query)`.
    #[must_use]
    pub fn exists(query: Query) -> Self {
        Cond::Exists(Box::new(query))
    }

    /// Parse a Django-style filter (`"created__year__gte"`, `"t.c__in"`) and attach a bound value.
    ///
    /// # Errors
    /// An empty path or field name, or an unknown final lookup after a transform.
    pub fn parse(path: &str, value: Value) -> Result<Self> {
        let (lhs, lookup) = crate::path::parse_path(path)?;
        Ok(Cond::Lookup {
            lhs,
            lookup,
            rhs: Expr::Value(value),
        })
    }

    /// `self AND other`, flattening nested ANDs so the SQL stays flat.
    #[must_use]
    pub fn and(self, other: Cond) -> Self {
        let mut items = match self {
            Cond::And(items) => items,
            c => vec![c],
        };
        match other {
            Cond::And(more) => items.extend(more),
            c => items.push(c),
        }
        Cond::And(items)
    }

    /// `self OR other`, flattening nested ORs.
    #[must_use]
    pub fn or(self, other: Cond) -> Self {
        let mut items = match self {
            Cond::Or(items) => items,
            c => vec![c],
        };
        match other {
            Cond::Or(more) => items.extend(more),
            c => items.push(c),
        }
        Cond::Or(items)
    }

    /// `NOT self`; a double negation cancels out.
    // Named like the brief's builder API; `std::ops::Not` is implemented too.
    #[allow(clippy::should_implement_trait)]
    #[must_use]
    pub fn not(self) -> Self {
        match self {
            Cond::Not(inner) => *inner,
            Cond::Const(b) => Cond::Const(!b),
            c => Cond::Not(Box::new(c)),
        }
    }

    /// AND of every condition (true when empty).
    #[must_use]
    pub fn all(conds: impl IntoIterator<Item = Cond>) -> Self {
        conds.into_iter().fold(Cond::And(Vec::new()), Cond::and)
    }

    /// OR of every condition (false when empty).
    #[must_use]
    pub fn any(conds: impl IntoIterator<Item = Cond>) -> Self {
        conds.into_iter().fold(Cond::Or(Vec::new()), Cond::or)
    }

    /// Whether this condition is trivially true (so a WHERE clause can be left out).
    #[must_use]
    pub(crate) fn is_true(&self) -> bool {
        match self {
            Cond::Const(b) => *b,
            Cond::And(items) => items.iter().all(Cond::is_true),
            _ => false,
        }
    }
}

impl std::ops::BitAnd for Cond {
    type Output = Cond;
    fn bitand(self, rhs: Cond) -> Cond {
        self.and(rhs)
    }
}

impl std::ops::BitOr for Cond {
    type Output = Cond;
    fn bitor(self, rhs: Cond) -> Cond {
        self.or(rhs)
    }
}

impl std::ops::Not for Cond {
    type Output = Cond;
    fn not(self) -> Cond {
        Cond::not(self)
    }
}
