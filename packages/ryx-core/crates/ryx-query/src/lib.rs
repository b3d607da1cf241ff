//! ryx-query: the pure query layer of Ryx (AST, lookups, dialects, SQL writer); no I/O and no Python.
//!
//! Build a [`Query`] (or [`Insert`]), pick a dialect ([`postgres`], [`mysql`], [`mariadb`], [`sqlite`]) and
//! compile it to a [`Compiled`] `{ sql, params }`. Every value is bound; identifiers are quoted.
//! Schema statements live in [`ddl`]: [`compile_ddl`] turns a [`DdlStatement`] into SQL strings.

pub mod ast;
pub mod compiler;
pub mod ddl;
pub mod dialect;
pub mod error;
pub mod lookups;
pub mod path;
pub mod raw;
pub mod value;
pub mod writer;

pub use ast::{
    AggFunc, BinOp, Cond, Expr, Func, Insert, Join, JoinKind, Lock, OnConflict, OrderBy, Query,
    SelectItem, TableRef,
};
pub use compiler::{
    compile_bulk_update, compile_condition, compile_count, compile_delete, compile_exists,
    compile_expr, compile_insert, compile_insert_batches, compile_insert_values, compile_select,
    compile_update,
};
pub use ddl::{
    compile_ddl, AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, ColumnDef, ColumnType,
    ConstraintKind, CreateIndex, CreateTable, DdlStatement, DropColumn, DropConstraint,
    DropForeignKey, DropIndex, DropTable, ForeignKey, IndexColumn, OnDelete, RenameColumn,
    RenameTable,
};
pub use dialect::{dialect_by_name, mariadb, mysql, postgres, sqlite, Backend, Dialect, Features};
pub use error::QueryError;
pub use lookups::{
    available_lookups, available_transforms, builtin_lookups, is_lookup, is_transform,
    register_lookup, unregister_lookup, Transform,
};
pub use path::{parse_path, parse_path_strict};
pub use raw::prepare_raw;
pub use value::Value;
pub use writer::{Compiled, SqlWriter};
