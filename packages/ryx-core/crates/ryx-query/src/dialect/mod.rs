//! SQL dialects: one `Dialect` trait whose default methods hold the common SQL, and per-backend overrides.
//!
//! The compiler never asks "which database is this?"; it calls a hook or reads a [`Features`] flag.

mod common;
mod json_path;
mod mysql;
mod postgres;
mod sqlite;
mod sqlite_json;

use crate::ast::{Func, Lock, OnConflict, TableRef};
use crate::ddl::{AutoIncrement, ColumnDef, ColumnType, ConstraintKind, TypeNames};
use crate::error::{QueryError, Result};
use crate::lookups::Transform;
use crate::value::Value;
use crate::writer::SqlWriter;

pub use common::{escape_like, write_identifier_common, LIKE_ESCAPE};
pub(crate) use common::{write_call, write_infix};

/// The database family a dialect talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// The lower-case name used in messages and URLs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a backend can do. Each flag asks one question; the compiler and test skips read these,
/// never the backend name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // a flat list of yes/no questions is the point of this struct
pub struct Features {
    /// Can INSERT return columns of the new rows with `RETURNING`? (No on MySQL 8: use the last insert id.)
    pub supports_returning: bool,
    /// Is there `SELECT … FOR UPDATE`? (When not, a requested lock is left out, as Django does on SQLite.)
    pub supports_select_for_update: bool,
    /// Can `FOR UPDATE OF t` restrict the lock to some tables?
    pub supports_select_for_update_of: bool,
    /// Is there a shared row lock (`FOR SHARE` / `LOCK IN SHARE MODE`)?
    pub supports_select_for_share: bool,
    /// Can a row lock skip rows locked by others (`SKIP LOCKED`)?
    pub supports_skip_locked: bool,
    /// Can a row lock fail at once instead of waiting (`NOWAIT`)?
    pub supports_nowait: bool,
    /// Can a JSON column be tested for being contained by a value (`contained_by`)?
    pub supports_json_contained_by: bool,
    /// Do `regex`/`iregex` work? (SQLite: only because the engine registers a `regexp` function.)
    pub supports_regex: bool,
    /// The most bound parameters one statement may carry.
    pub max_params: usize,
    /// Does UPDATE/DELETE accept `ORDER BY … LIMIT n` directly?
    pub supports_update_with_limit: bool,
    /// Can UPDATE/DELETE filter on `IN (SELECT … LIMIT n)` over its own table without a derived table?
    pub supports_limit_in_self_subquery: bool,
    /// Can `OFFSET` be written without `LIMIT`? (If not, a "no limit" LIMIT is written first.)
    pub supports_offset_without_limit: bool,
    /// Can an upsert name the conflicting columns (`ON CONFLICT (a, b)`)?
    pub supports_conflict_target: bool,
    /// Does DDL run inside a transaction (and roll back with it)?
    pub supports_transactional_ddl: bool,
    /// Is there a native JSON type with its own comparison rules (rather than JSON stored as text)?
    pub has_native_json: bool,
    /// Can ALTER TABLE change a column's type, nullability or default in place? (If not, the table is rebuilt.)
    pub supports_alter_column: bool,
    /// Can ALTER TABLE add or drop constraints (foreign keys, checks, uniques) of an existing table?
    pub supports_alter_constraints: bool,
    /// Do `CREATE INDEX IF NOT EXISTS` and `DROP INDEX IF EXISTS` exist? (Not on MySQL 8; MariaDB has them.)
    pub supports_index_if_exists: bool,
    /// Does DROP INDEX name the table (`DROP INDEX i ON t`), because index names are per table?
    pub drop_index_names_table: bool,
    /// Is an index in another schema named `CREATE INDEX s.i ON t` (rather than `CREATE INDEX i ON s.t`)?
    pub index_schema_on_name: bool,
    /// Can an index cover only the rows matching a condition (`CREATE INDEX … WHERE …`)?
    pub supports_partial_indexes: bool,
    /// Is `x IN (a, b, …)` of same-typed keys written `x = ANY(?)` with one array parameter? (One
    /// prepared statement whatever the number of keys, and one parameter instead of hundreds.)
    pub in_list_as_array: bool,
    /// Does `DROP TABLE … CASCADE` drop what depends on the table (foreign keys, views)?
    pub supports_drop_table_cascade: bool,
    /// Can a foreign key be checked at commit (`DEFERRABLE INITIALLY DEFERRED`)?
    pub supports_deferrable_constraints: bool,
    /// Can a foreign key action be `SET DEFAULT`? (InnoDB parses it, then rejects the table.)
    pub supports_fk_set_default: bool,
    /// Can `CREATE SCHEMA` make a namespace for tables? (SQLite attaches database files instead.)
    pub supports_create_schema: bool,
    /// Can a foreign key reference a table in another schema?
    pub supports_cross_schema_foreign_keys: bool,
    /// Does `ALTER TABLE s.a RENAME TO b` move the table out of `s`, so the new name must be qualified?
    pub rename_table_needs_schema: bool,
    /// The longest identifier, in bytes; longer generated constraint names are shortened with a hash.
    pub max_identifier_length: usize,
}

/// How bound parameters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceholderStyle {
    /// `?` for every parameter (MySQL, SQLite).
    Question,
    /// `$1`, `$2`, … (PostgreSQL).
    Dollar,
}

/// How a scalar function is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncSyntax {
    /// `NAME(a, b, …)`.
    Call(&'static str),
    /// `(a OP b OP …)`.
    Infix(&'static str),
    /// Fixed SQL with no arguments.
    Fixed(&'static str),
}

/// Which text test a pattern lookup performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// Anywhere in the text.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// Something a hook writes into the SQL at a given spot (a compiled sub-expression).
pub type Emit<'a> = &'a dyn Fn(&mut SqlWriter<'_>) -> Result<()>;

/// The right-hand side of a text lookup.
pub enum TextRhs<'a> {
    /// A value known at compile time: LIKE patterns are built from it in Rust, then bound.
    Literal(String),
    /// An expression (a column, …): patterns are built in SQL with `REPLACE` and concatenation.
    Expr(Emit<'a>),
}

/// What a JSON lookup applies to: a document and a key path inside it (empty = the document itself).
pub struct JsonTarget<'a> {
    /// The JSON document (usually a column).
    pub doc: Emit<'a>,
    /// Keys into the document; every key is bound, never written into the SQL.
    pub keys: &'a [String],
}

/// A SQL dialect. Default methods write the common SQL; each backend overrides only what differs.
pub trait Dialect: Send + Sync {
    /// The database family.
    fn backend(&self) -> Backend;

    /// The dialect name: `postgres`, `mysql`, `mariadb` or `sqlite`.
    fn name(&self) -> &'static str;

    /// The capability flags.
    fn features(&self) -> &Features;

    /// How parameters are written (`?` unless overridden).
    fn placeholder_style(&self) -> PlaceholderStyle {
        PlaceholderStyle::Question
    }

    /// The identifier quote character (`"` unless overridden).
    fn quote_char(&self) -> char {
        '"'
    }

    /// Whether a backslash escapes the next character inside `'…'` strings (MySQL's default mode).
    fn string_backslash_escapes(&self) -> bool {
        false
    }

    /// Whether `$tag$ … $tag$` strings exist (PostgreSQL), so raw-SQL scanning must skip them.
    fn dollar_quoting(&self) -> bool {
        false
    }

    /// Whether `#` starts a comment running to the end of the line (MySQL).
    fn hash_comments(&self) -> bool {
        false
    }

    /// Write a validated, quoted identifier (embedded quote characters are doubled).
    ///
    /// # Errors
    /// [`QueryError::InvalidIdentifier`] for an empty name or one containing NUL.
    fn write_identifier(&self, out: &mut String, name: &str) -> Result<()> {
        write_identifier_common(out, name, self.quote_char())
    }

    /// Whether text lookups cast their left side to text first (PostgreSQL has no implicit cast from,
    /// say, integer to text for `LIKE`).
    fn cast_text_lookups(&self) -> bool {
        false
    }

    /// The case-sensitive LIKE operator (`LIKE` unless overridden).
    fn like_operator(&self) -> &'static str {
        "LIKE"
    }

    /// Write `contains` / `startswith` / `endswith` (case-sensitive or not).
    ///
    /// # Errors
    /// Whatever writing the operands returns.
    fn write_text_match(
        &self,
        w: &mut SqlWriter<'_>,
        kind: MatchKind,
        case_insensitive: bool,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
    ) -> Result<()> {
        common::write_like_match(w, kind, case_insensitive, lhs, rhs)
    }

    /// Write the concatenation of `parts` (`a || b` unless overridden).
    ///
    /// # Errors
    /// Whatever writing the parts returns.
    fn write_concat(&self, w: &mut SqlWriter<'_>, parts: &[Emit<'_>]) -> Result<()> {
        common::write_infix(w, " || ", parts)
    }

    /// Write a regular-expression match; `rhs` writes the (already prefixed, where needed) pattern.
    ///
    /// # Errors
    /// [`QueryError::NotSupported`] where regexes do not exist; otherwise what the operands return.
    fn write_regex(
        &self,
        w: &mut SqlWriter<'_>,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
        case_insensitive: bool,
    ) -> Result<()>;

    /// The SQL of a date/time transform; `{}` is where the argument goes (exactly once).
    fn transform_template(&self, transform: Transform) -> &'static str;

    /// How a scalar function is spelled (ANSI / PostgreSQL names unless overridden).
    fn func_syntax(&self, func: Func) -> FuncSyntax {
        common::func_syntax_common(func)
    }

    /// Write one key of a bound JSON path string (`$."a"."b"`): `."key"`, or `[n]` for an array index.
    fn write_json_path_key(&self, out: &mut String, key: &str) {
        json_path::write_key_common(out, key);
    }

    /// Write the value at `target.keys` (non-empty) inside the document; `as_text` gives unquoted text.
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_extract(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        as_text: bool,
    ) -> Result<()>;

    /// Write a bound JSON value (valid JSON text) for comparing with an extracted key (`JSON_EXTRACT(?, '$')`,
    /// `$1::jsonb`, …).
    ///
    /// # Errors
    /// Never by default; overrides may reject values.
    fn write_json_value(&self, w: &mut SqlWriter<'_>, json: &str) -> Result<()>;

    /// Write "the value at `target` equals `json`" with JSON semantics (types matter: `5` is not `"5"`).
    /// `json` is valid JSON text other than `null` (see [`Dialect::write_json_is_null`]).
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_equals(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        self.write_json_extract(w, target, false)?;
        w.push(" = ");
        self.write_json_value(w, json)
    }

    /// Write "the value at `target` equals one of `values`" (valid JSON texts, none `null`, at least one).
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_in(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        values: &[String],
    ) -> Result<()> {
        common::write_json_in_common(w, target, values)
    }

    /// Write "the key exists and holds JSON null" (`data__k=None` in Django's semantics).
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_is_null(&self, w: &mut SqlWriter<'_>, target: &JsonTarget<'_>) -> Result<()> {
        self.write_json_extract(w, target, false)?;
        w.push(" = ");
        self.write_json_value(w, "null")
    }

    /// Write the right-hand side of an ordering comparison (`gt`, `range`, …) against a JSON key.
    ///
    /// # Errors
    /// Never by default; overrides may reject values.
    fn write_json_compare_rhs(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        w.param(value.clone());
        Ok(())
    }

    /// Write an expression that is SQL NULL exactly when the key path `target.keys` (non-empty) is missing;
    /// `isnull` on a key tests it with `IS [NOT] NULL`. Defaults to the extracted value, which keeps JSON
    /// null distinct from SQL NULL on PostgreSQL and MySQL.
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_probe(&self, w: &mut SqlWriter<'_>, target: &JsonTarget<'_>) -> Result<()> {
        self.write_json_extract(w, target, false)
    }

    /// Write `has_key` (one key), `has_keys` (`all`) or `has_any_keys` (`!all`) over `keys`.
    ///
    /// # Errors
    /// Whatever writing the document returns.
    fn write_json_has_keys(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        keys: &[String],
        all: bool,
    ) -> Result<()>;

    /// Write "the document (at `target.keys`) contains `json`" (PostgreSQL `@>` semantics).
    ///
    /// # Errors
    /// [`QueryError::InvalidValue`] for malformed JSON where it has to be parsed.
    fn write_json_contains(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()>;

    /// Write "the document (at `target.keys`) is contained by `json`" (PostgreSQL `<@` semantics).
    ///
    /// # Errors
    /// [`QueryError::NotSupported`] where this cannot be expressed exactly.
    fn write_json_contained_by(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()>;

    /// The LIMIT written before an OFFSET when there is no limit, if the backend needs one.
    fn unlimited_limit(&self) -> Option<&'static str> {
        None
    }

    /// Write `INSERT INTO "t"` (or `INSERT IGNORE INTO` when `ignore` and the backend spells it there).
    ///
    /// # Errors
    /// [`QueryError::InvalidIdentifier`] for a bad table name.
    fn write_insert_head(
        &self,
        w: &mut SqlWriter<'_>,
        table: &TableRef,
        _ignore: bool,
    ) -> Result<()> {
        w.push("INSERT INTO ");
        w.table(table, false)
    }

    /// Write what follows the table when there are no columns (`DEFAULT VALUES` unless overridden).
    fn write_default_values(&self, w: &mut SqlWriter<'_>) {
        w.push(" DEFAULT VALUES");
    }

    /// Write the conflict clause after VALUES (`ON CONFLICT …` unless overridden).
    ///
    /// # Errors
    /// [`QueryError::Invalid`] for an upsert without target or update columns.
    fn write_on_conflict(&self, w: &mut SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
        common::write_on_conflict_common(w, on_conflict)
    }

    /// Write the row-lock clause (`FOR UPDATE …`), honouring the feature flags.
    ///
    /// # Errors
    /// [`QueryError::NotSupported`] for an option the backend lacks.
    fn write_lock(&self, w: &mut SqlWriter<'_>, lock: &Lock) -> Result<()> {
        common::write_lock_common(w, lock)
    }

    // ------------------------------------------------------------------------------------------- DDL

    /// The SQL names of the generic column types.
    fn ddl_type_names(&self) -> &TypeNames;

    /// How an auto-increment integer primary key is declared (`GENERATED BY DEFAULT AS IDENTITY` unless
    /// overridden).
    fn ddl_auto_increment(&self) -> AutoIncrement {
        AutoIncrement::Identity
    }

    /// Table options written after `CREATE TABLE t (…)` (none unless overridden).
    fn ddl_table_options(&self) -> &'static str {
        ""
    }

    /// Whether a column default of this type must be an expression in parentheses (`DEFAULT ('x')`).
    fn ddl_default_in_parens(&self, _ty: &ColumnType) -> bool {
        false
    }

    /// Whether an aware datetime literal carries its `+00:00` offset (MySQL takes the UTC wall time).
    fn ddl_utc_offset_in_literals(&self) -> bool {
        true
    }

    /// The ALTER TABLE clause that drops a named constraint of a kind (`DROP CONSTRAINT` unless overridden).
    fn ddl_drop_constraint_clause(&self, _kind: ConstraintKind) -> &'static str {
        "DROP CONSTRAINT"
    }

    /// The statements that change a column's type, nullability, default, collation and identity from
    /// `old` to `new` (constraints are handled by the caller). Standard SQL (`ALTER COLUMN …`) unless
    /// overridden.
    ///
    /// # Errors
    /// What writing the type or the default returns.
    fn ddl_alter_column(
        &self,
        table: &TableRef,
        old: &ColumnDef,
        new: &ColumnDef,
    ) -> Result<Vec<String>> {
        crate::ddl::alter_column_common(self, table, old, new)
    }
}

impl std::fmt::Debug for dyn Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dialect({})", self.name())
    }
}

/// The PostgreSQL dialect.
#[must_use]
pub fn postgres() -> &'static dyn Dialect {
    &postgres::POSTGRES
}

/// The MySQL 8 dialect (no RETURNING: the engine reads the last insert id).
#[must_use]
pub fn mysql() -> &'static dyn Dialect {
    &mysql::MYSQL
}

/// The MariaDB dialect: MySQL's SQL, plus `INSERT … RETURNING` (MariaDB ≥ 10.5) and MariaDB's regex syntax.
#[must_use]
pub fn mariadb() -> &'static dyn Dialect {
    &mysql::MARIADB
}

/// The SQLite dialect (SQLite ≥ 3.35 for RETURNING).
#[must_use]
pub fn sqlite() -> &'static dyn Dialect {
    &sqlite::SQLITE
}

/// A dialect by name: `postgres`/`postgresql`, `mysql`, `mariadb`, `sqlite` (case-insensitive).
#[must_use]
pub fn dialect_by_name(name: &str) -> Option<&'static dyn Dialect> {
    match name.trim().to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Some(postgres()),
        "mysql" => Some(mysql()),
        "mariadb" => Some(mariadb()),
        "sqlite" => Some(sqlite()),
        _ => None,
    }
}

/// The error for a feature this dialect lacks.
pub(crate) fn unsupported(d: &dyn Dialect, feature: &str) -> QueryError {
    QueryError::unsupported(feature, d.name())
}
