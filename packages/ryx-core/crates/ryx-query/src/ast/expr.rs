//! Value expressions: columns, bound values, raw SQL, aggregates, arithmetic, transforms, JSON keys, functions,
//! subqueries.

use crate::ast::Query;
use crate::value::Value;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFunc {
    /// `COUNT`.
    Count,
    /// `SUM`.
    Sum,
    /// `AVG`.
    Avg,
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
}

impl AggFunc {
    /// The SQL name, identical on every backend.
    #[must_use]
    pub fn sql_name(self) -> &'static str {
        match self {
            AggFunc::Count => "COUNT",
            AggFunc::Sum => "SUM",
            AggFunc::Avg => "AVG",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
        }
    }

    /// Parse `Count`/`count`/`COUNT` and the other names; `None` when unknown.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            _ => return None,
        })
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/` (integer division for integers on PostgreSQL and SQLite, as in SQL).
    Div,
    /// `%`.
    Mod,
}

impl BinOp {
    /// The SQL operator text.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
        }
    }

    /// Binding strength: multiplicative operators bind tighter than additive ones.
    #[must_use]
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 2,
        }
    }
}

/// A scalar SQL function from a small closed set, rendered per dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    /// `LOWER(x)`.
    Lower,
    /// `UPPER(x)`.
    Upper,
    /// Length in characters (MySQL `CHAR_LENGTH`, since its `LENGTH` counts bytes).
    Length,
    /// `TRIM(x)`.
    Trim,
    /// `ABS(x)`.
    Abs,
    /// `ROUND(x)` or `ROUND(x, digits)`.
    Round,
    /// The first non-NULL argument; at least two arguments.
    Coalesce,
    /// `NULLIF(a, b)`.
    NullIf,
    /// String concatenation of the arguments (NULL if any is NULL, on every backend).
    Concat,
    /// The largest argument (SQLite scalar `MAX`). PostgreSQL skips NULL arguments; MySQL and SQLite
    /// return NULL if any argument is NULL.
    Greatest,
    /// The smallest argument (SQLite scalar `MIN`); NULL handling as for [`Func::Greatest`].
    Least,
    /// The current timestamp.
    Now,
}

impl Func {
    /// Parse a function name case-insensitively; `None` when unknown.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "lower" => Func::Lower,
            "upper" => Func::Upper,
            "length" => Func::Length,
            "trim" => Func::Trim,
            "abs" => Func::Abs,
            "round" => Func::Round,
            "coalesce" => Func::Coalesce,
            "nullif" => Func::NullIf,
            "concat" => Func::Concat,
            "greatest" => Func::Greatest,
            "least" => Func::Least,
            "now" => Func::Now,
            _ => return None,
        })
    }

    /// The accepted argument counts as `(min, max)`; `max == None` means unbounded.
    #[must_use]
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Now => (0, Some(0)),
            Func::Lower | Func::Upper | Func::Length | Func::Trim | Func::Abs => (1, Some(1)),
            Func::Round => (1, Some(2)),
            Func::NullIf => (2, Some(2)),
            // SQLite's coalesce() rejects a single argument, so require two everywhere.
            Func::Coalesce => (2, None),
            Func::Concat | Func::Greatest | Func::Least => (1, None),
        }
    }
}

/// A value expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column, optionally qualified by a table name or alias. `name == "*"` renders a bare star.
    Column {
        /// The table name or alias qualifying the column (dotted for a schema: `s.t`).
        table: Option<String>,
        /// The column name, or `*`.
        name: String,
    },
    /// A bound parameter.
    Value(Value),
    /// User SQL; each `?` outside quotes and comments is one bound parameter, rewritten per dialect
    /// (`??` is a literal `?`).
    Raw {
        /// The SQL text, with `?` placeholders.
        sql: String,
        /// One value per `?`.
        params: Vec<Value>,
    },
    /// An aggregate. `arg: None` is `COUNT(*)`.
    Agg {
        /// The aggregate function.
        func: AggFunc,
        /// What is aggregated; `None` only for `COUNT(*)`.
        arg: Option<Box<Expr>>,
        /// `DISTINCT` inside the call.
        distinct: bool,
    },
    /// Arithmetic.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// Unary minus.
    Neg(Box<Expr>),
    /// A named transform (`year`, `date`, …) applied to an expression; see `available_transforms()`.
    Transform {
        /// The transform name or alias.
        name: String,
        /// The transformed expression.
        arg: Box<Expr>,
    },
    /// A key path into a JSON document; keys are always bound, never written into the SQL.
    JsonKey {
        /// The JSON document.
        arg: Box<Expr>,
        /// Keys from the outside in; an all-digit key is an array index on MySQL and SQLite.
        path: Vec<String>,
    },
    /// A scalar function call.
    Func {
        /// The function.
        func: Func,
        /// Its arguments (see [`Func::arity`]).
        args: Vec<Expr>,
    },
    /// A subquery, `(SELECT …)`: a scalar value, or the right side of `IN`. It may refer to the outer
    /// query's columns by qualifying them with the outer table name or alias (a correlated subquery).
    Subquery(Box<Query>),
}

impl Expr {
    /// A column from a Django-style name: `"c"`, or `"t.c"` for column `c` of table (or alias) `t`.
    #[must_use]
    pub fn col(path: &str) -> Self {
        match path.rsplit_once('.') {
            Some((table, name)) => Expr::Column {
                table: Some(table.to_owned()),
                name: name.to_owned(),
            },
            None => Expr::Column {
                table: None,
                name: path.to_owned(),
            },
        }
    }

    /// A column of an explicit table or alias.
    #[must_use]
    pub fn qualified(table: &str, name: &str) -> Self {
        Expr::Column {
            table: Some(table.to_owned()),
            name: name.to_owned(),
        }
    }

    /// A bound value.
    #[must_use]
    pub fn value(v: impl Into<Value>) -> Self {
        Expr::Value(v.into())
    }

    /// Raw SQL with `?` placeholders and their values.
    #[must_use]
    pub fn raw(sql: &str, params: Vec<Value>) -> Self {
        Expr::Raw {
            sql: sql.to_owned(),
            params,
        }
    }

    /// `COUNT(*)`.
    #[must_use]
    pub fn count_star() -> Self {
        Expr::Agg {
            func: AggFunc::Count,
            arg: None,
            distinct: false,
        }
    }

    /// An aggregate over an expression, e.g. `Expr::agg(AggFunc::Sum, Expr::col("views"), false)`.
    #[must_use]
    pub fn agg(func: AggFunc, arg: Expr, distinct: bool) -> Self {
        Expr::Agg {
            func,
            arg: Some(Box::new(arg)),
            distinct,
        }
    }

    /// A transform such as `year` applied to `arg`.
    #[must_use]
    pub fn transform(name: &str, arg: Expr) -> Self {
        Expr::Transform {
            name: name.to_owned(),
            arg: Box::new(arg),
        }
    }

    /// The value at `path` inside the JSON document `arg`.
    #[must_use]
    pub fn json_key(arg: Expr, path: Vec<String>) -> Self {
        Expr::JsonKey {
            arg: Box::new(arg),
            path,
        }
    }

    /// A function call.
    #[must_use]
    pub fn func(func: Func, args: Vec<Expr>) -> Self {
        Expr::Func { func, args }
    }

    /// A subquery `(SELECT …)`; its parameters are numbered within the enclosing statement.
    #[must_use]
    pub fn subquery(query: Query) -> Self {
        Expr::Subquery(Box::new(query))
    }

    /// `left <op> right`.
    #[must_use]
    pub fn binary(op: BinOp, left: Expr, right: Expr) -> Self {
        Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        }
    }
}

macro_rules! arith_ops {
    ($($trait:ident $method:ident $op:ident),*) => {
        $(impl std::ops::$trait for Expr {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                Expr::binary(BinOp::$op, self, rhs)
            }
        })*
    };
}

arith_ops!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div, Rem rem Mod);

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Neg(Box::new(self))
    }
}

impl From<Value> for Expr {
    fn from(v: Value) -> Self {
        Expr::Value(v)
    }
}
