//! The immutable query AST: expressions, conditions, SELECT queries and INSERT statements.

mod cond;
mod expr;
mod query;
mod write;

pub use cond::Cond;
pub use expr::{AggFunc, BinOp, Expr, Func};
pub use query::{Join, JoinKind, Lock, OrderBy, Query, SelectItem, TableRef};
pub use write::{Insert, OnConflict};
