//! DDL compilation: each statement becomes one or more SQL strings for a dialect.
//!
//! Nothing here asks which database it writes for: per-dialect SQL comes from the `ddl_*` hooks of
//! [`Dialect`] and capability questions from its [`Features`](crate::Features).

use std::collections::HashSet;

use super::ast::{
    AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, ColumnDef, ConstraintKind,
    CreateIndex, CreateTable, DdlStatement, DropColumn, DropConstraint, DropIndex, DropTable,
    ForeignKey, OnDelete, RenameColumn, RenameTable,
};
use super::literal::write_literal;
use super::names;
use super::types::AutoIncrement;
use crate::ast::TableRef;
use crate::dialect::Dialect;
use crate::error::{QueryError, Result};
use crate::raw::{scan, Lexical, Piece};

/// Compile one schema statement to the SQL statements that perform it, in order.
///
/// DDL cannot bind parameters, so default values are written as escaped literals; identifiers are
/// quoted; CHECK expressions, index conditions and raw types are user-written SQL and copied as is
/// (after checking that their quotes and comments are closed and that they have no `?` placeholder).
///
/// # Errors
/// [`QueryError::Invalid`] for a malformed statement (with what to change), [`QueryError::InvalidIdentifier`]
/// for a name that cannot be quoted, and [`QueryError::NotSupported`] for what the dialect cannot do
/// (on SQLite, changing columns or constraints of an existing table needs a table rebuild).
pub fn compile_ddl(stmt: &DdlStatement, d: &dyn Dialect) -> Result<Vec<String>> {
    match stmt {
        DdlStatement::CreateTable(s) => create_table(d, s),
        DdlStatement::CreateIndex(s) => create_index(d, s).map(|sql| vec![sql]),
        DdlStatement::DropIndex(s) => drop_index(d, s).map(|sql| vec![sql]),
        DdlStatement::DropTable(s) => drop_table(d, s).map(|sql| vec![sql]),
        DdlStatement::RenameTable(s) => rename_table(d, s).map(|sql| vec![sql]),
        DdlStatement::AddColumn(s) => add_column(d, s),
        DdlStatement::DropColumn(s) => drop_column(d, s).map(|sql| vec![sql]),
        DdlStatement::RenameColumn(s) => rename_column(d, s).map(|sql| vec![sql]),
        DdlStatement::AlterColumn(s) => alter_column(d, s),
        DdlStatement::AddForeignKey(s) => add_foreign_key(d, s).map(|sql| vec![sql]),
        DdlStatement::DropForeignKey(s) => drop_constraint(
            d,
            &DropConstraint {
                table: s.table.clone(),
                name: s.name.clone(),
                kind: ConstraintKind::ForeignKey,
            },
        )
        .map(|sql| vec![sql]),
        DdlStatement::AddCheck(s) => add_check(d, s).map(|sql| vec![sql]),
        DdlStatement::AddUnique(s) => add_unique(d, s).map(|sql| vec![sql]),
        DdlStatement::DropConstraint(s) => drop_constraint(d, s).map(|sql| vec![sql]),
    }
}

// ---------------------------------------------------------------------------------------- helpers

fn invalid(message: impl Into<String>) -> QueryError {
    QueryError::Invalid(message.into())
}

/// The error for a change SQLite can only make by rebuilding the table.
fn rebuild_needed<D: Dialect + ?Sized>(d: &D, what: &str) -> QueryError {
    QueryError::unsupported(
        format!(
            "{what} on an existing table (this needs a table rebuild: create the new table, copy the rows, \
             drop the old table and rename the new one)"
        ),
        d.name(),
    )
}

fn ident<D: Dialect + ?Sized>(d: &D, out: &mut String, name: &str) -> Result<()> {
    d.write_identifier(out, name)
}

/// `"schema"."table"` (the alias of a `TableRef` means nothing in DDL and is ignored).
fn table_name<D: Dialect + ?Sized>(d: &D, out: &mut String, table: &TableRef) -> Result<()> {
    if let Some(schema) = &table.schema {
        ident(d, out, schema)?;
        out.push('.');
    }
    ident(d, out, &table.name)
}

/// `"a", "b"`.
fn ident_list<D: Dialect + ?Sized>(d: &D, out: &mut String, names: &[String]) -> Result<()> {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        ident(d, out, name)?;
    }
    Ok(())
}

/// `ALTER TABLE "t" ` (with the trailing space).
fn alter_table<D: Dialect + ?Sized>(d: &D, table: &TableRef) -> Result<String> {
    let mut out = String::from("ALTER TABLE ");
    table_name(d, &mut out, table)?;
    out.push(' ');
    Ok(out)
}

/// Check user-written SQL (a CHECK, an index condition): non-empty, quotes and comments closed, no
/// placeholders (DDL binds nothing).
fn raw_fragment<'a, D: Dialect + ?Sized>(d: &D, sql: &'a str, what: &str) -> Result<&'a str> {
    let sql = sql.trim();
    if sql.is_empty() || sql.contains('\0') {
        return Err(invalid(format!(
            "the {what} must be a non-empty SQL expression without NUL characters"
        )));
    }
    let lex = Lexical {
        backslash_escapes: d.string_backslash_escapes(),
        postgres: d.dollar_quoting(),
        hash_comments: d.hash_comments(),
    };
    if scan(sql, lex)?.iter().any(|p| !matches!(p, Piece::Text(_))) {
        return Err(invalid(format!(
            "the {what} {sql:?} has a placeholder (`?` or `$n`), but DDL cannot bind parameters; write the \
             value into the SQL (quoted if it is a string)"
        )));
    }
    Ok(sql)
}

fn not_empty(items: &[String], what: &str) -> Result<()> {
    if items.is_empty() {
        return Err(invalid(format!("{what} needs at least one column")));
    }
    Ok(())
}

/// Whether the column is declared NOT NULL (primary-key columns always are).
fn is_not_null(col: &ColumnDef, pk: bool) -> bool {
    !col.nullable || pk || col.primary_key
}

/// Whether the column gets its own UNIQUE constraint (a primary key is unique already).
fn wants_unique(col: &ColumnDef) -> bool {
    col.unique && !col.primary_key
}

fn validate_column(col: &ColumnDef) -> Result<()> {
    if col.auto_increment {
        if !col.ty.is_integer() || !col.primary_key {
            return Err(invalid(format!(
                "column {:?}: auto_increment needs a SMALLINT, INTEGER or BIGINT primary key column (it is {}{})",
                col.name,
                col.ty,
                if col.primary_key { "" } else { ", not a primary key" }
            )));
        }
        if col.default.is_some() {
            return Err(invalid(format!(
                "column {:?}: an auto-increment column gets its values from the database; remove its default",
                col.name
            )));
        }
    }
    Ok(())
}

/// The SQL type of a column (`INTEGER` for a SQLite rowid alias).
pub(crate) fn column_type_sql<D: Dialect + ?Sized>(d: &D, col: &ColumnDef) -> Result<String> {
    if col.auto_increment && d.ddl_auto_increment() == AutoIncrement::RowidAlias {
        return Ok("INTEGER".to_owned());
    }
    col.ty.to_sql(d)
}

/// ` DEFAULT <literal>`, parenthesised where the dialect needs an expression default for the type.
pub(crate) fn write_default<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    col: &ColumnDef,
) -> Result<()> {
    if let Some(value) = &col.default {
        out.push_str(" DEFAULT ");
        let parens = d.ddl_default_in_parens(&col.ty);
        if parens {
            out.push('(');
        }
        write_literal(d, out, value)?;
        if parens {
            out.push(')');
        }
    }
    Ok(())
}

/// Options of one column definition.
#[derive(Clone, Copy)]
pub(crate) struct ColumnSpec<'a> {
    /// The table name (for generated constraint names).
    pub table: &'a str,
    /// Part of a composite primary key (so NOT NULL).
    pub in_pk: bool,
    /// Write `PRIMARY KEY` after a primary-key column.
    pub inline_pk: bool,
    /// Write the column's CHECK inline as a named column constraint.
    pub inline_check: bool,
}

/// `"name" TYPE [identity] [COLLATE c] [DEFAULT x] [NOT NULL] [AUTO_INCREMENT] [PRIMARY KEY] [CHECK]`.
pub(crate) fn write_column<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    col: &ColumnDef,
    spec: ColumnSpec<'_>,
) -> Result<()> {
    validate_column(col)?;
    let auto = if col.auto_increment {
        Some(d.ddl_auto_increment())
    } else {
        None
    };
    ident(d, out, &col.name)?;
    out.push(' ');
    out.push_str(&column_type_sql(d, col)?);
    if auto == Some(AutoIncrement::Identity) {
        out.push_str(" GENERATED BY DEFAULT AS IDENTITY");
    }
    if let Some(collation) = &col.collation {
        out.push_str(" COLLATE ");
        ident(d, out, collation)?;
    }
    write_default(d, out, col)?;
    // Identity and rowid columns are NOT NULL by construction; MySQL's AUTO_INCREMENT wants it spelled.
    if is_not_null(col, spec.in_pk) && matches!(auto, None | Some(AutoIncrement::Keyword(_))) {
        out.push_str(" NOT NULL");
    }
    if let Some(AutoIncrement::Keyword(keyword)) = auto {
        out.push(' ');
        out.push_str(keyword);
    }
    if spec.inline_pk && col.primary_key {
        out.push_str(" PRIMARY KEY");
    }
    if spec.inline_check {
        if let Some(check) = &col.check {
            out.push_str(" CONSTRAINT ");
            ident(d, out, &names::check_name(d, spec.table, &col.name))?;
            out.push_str(" CHECK (");
            out.push_str(raw_fragment(d, check, "CHECK expression")?);
            out.push(')');
        }
    }
    Ok(())
}

/// `CONSTRAINT "n" UNIQUE ("a", "b")`.
fn write_unique<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    table: &str,
    name: Option<&str>,
    columns: &[String],
) -> Result<()> {
    not_empty(columns, "a UNIQUE constraint")?;
    let name = name.map_or_else(|| names::unique_name(d, table, columns), str::to_owned);
    out.push_str("CONSTRAINT ");
    ident(d, out, &name)?;
    out.push_str(" UNIQUE (");
    ident_list(d, out, columns)?;
    out.push(')');
    Ok(())
}

/// `CONSTRAINT "n" CHECK (sql)`.
fn write_check<D: Dialect + ?Sized>(d: &D, out: &mut String, name: &str, sql: &str) -> Result<()> {
    out.push_str("CONSTRAINT ");
    ident(d, out, name)?;
    out.push_str(" CHECK (");
    out.push_str(raw_fragment(d, sql, "CHECK expression")?);
    out.push(')');
    Ok(())
}

fn fk_action<D: Dialect + ?Sized>(d: &D, action: OnDelete) -> Result<&'static str> {
    if action == OnDelete::SetDefault && !d.features().supports_fk_set_default {
        return Err(QueryError::unsupported(
            "a foreign key action of SET DEFAULT (use SET NULL, or set the value in the application)",
            d.name(),
        ));
    }
    Ok(action.sql())
}

/// `CONSTRAINT "n" FOREIGN KEY ("c") REFERENCES "t" ("id") ON DELETE … [ON UPDATE …] [DEFERRABLE …]`.
fn write_foreign_key<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    table: &TableRef,
    fk: &ForeignKey,
) -> Result<()> {
    not_empty(&fk.columns, "a foreign key")?;
    if fk.columns.len() != fk.ref_columns.len() {
        return Err(invalid(format!(
            "a foreign key needs as many referenced columns as columns: {:?} references {:?}",
            fk.columns, fk.ref_columns
        )));
    }
    let features = d.features();
    // An unqualified referenced table lives in the referencing table's schema.
    let ref_schema = fk.ref_table.schema.as_ref().or(table.schema.as_ref());
    let ref_table = if features.supports_cross_schema_foreign_keys {
        TableRef {
            name: fk.ref_table.name.clone(),
            schema: ref_schema.cloned(),
            alias: None,
        }
    } else {
        if ref_schema != table.schema.as_ref() {
            return Err(QueryError::unsupported(
                "a foreign key to a table in another schema",
                d.name(),
            ));
        }
        TableRef::new(&fk.ref_table.name)
    };
    if fk.deferrable && !features.supports_deferrable_constraints {
        return Err(QueryError::unsupported(
            "a deferrable foreign key (checked at commit)",
            d.name(),
        ));
    }
    let name = fk.name.clone().unwrap_or_else(|| {
        names::foreign_key_name(
            d,
            &table.name,
            &fk.columns,
            &fk.ref_table.name,
            &fk.ref_columns,
        )
    });
    out.push_str("CONSTRAINT ");
    ident(d, out, &name)?;
    out.push_str(" FOREIGN KEY (");
    ident_list(d, out, &fk.columns)?;
    out.push_str(") REFERENCES ");
    table_name(d, out, &ref_table)?;
    out.push_str(" (");
    ident_list(d, out, &fk.ref_columns)?;
    out.push_str(") ON DELETE ");
    out.push_str(fk_action(d, fk.on_delete)?);
    if fk.on_update != OnDelete::NoAction {
        out.push_str(" ON UPDATE ");
        out.push_str(fk_action(d, fk.on_update)?);
    }
    if fk.deferrable {
        out.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    Ok(())
}

fn check_columns_exist(known: &HashSet<&str>, columns: &[String], what: &str) -> Result<()> {
    if let Some(missing) = columns.iter().find(|c| !known.contains(c.as_str())) {
        return Err(invalid(format!(
            "{what} names column {missing:?}, which is not a column of the table"
        )));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------- statements

fn create_table(d: &dyn Dialect, s: &CreateTable) -> Result<Vec<String>> {
    if s.columns.is_empty() {
        return Err(invalid("CREATE TABLE needs at least one column"));
    }
    let mut known = HashSet::new();
    for col in &s.columns {
        if !known.insert(col.name.as_str()) {
            return Err(invalid(format!(
                "column {:?} is declared twice; column names must be unique",
                col.name
            )));
        }
    }
    let flagged: Vec<String> = s
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    let pk = if s.primary_key.is_empty() {
        flagged
    } else if flagged.is_empty() {
        check_columns_exist(&known, &s.primary_key, "the primary key")?;
        s.primary_key.clone()
    } else {
        return Err(invalid(
            "give the primary key either as primary_key flags on columns or as the table's composite \
             primary_key, not both",
        ));
    };
    if pk.len() > 1 {
        if let Some(col) = s.columns.iter().find(|c| c.auto_increment) {
            return Err(invalid(format!(
                "column {:?}: auto_increment needs a single-column primary key, but the primary key is {pk:?}",
                col.name
            )));
        }
    }

    let mut statements = Vec::with_capacity(2);
    if s.create_schema {
        if let Some(schema) = &s.table.schema {
            if !d.features().supports_create_schema {
                return Err(QueryError::unsupported(
                    "CREATE SCHEMA (attach a database file under that name instead)",
                    d.name(),
                ));
            }
            let mut sql = String::from("CREATE SCHEMA IF NOT EXISTS ");
            ident(d, &mut sql, schema)?;
            statements.push(sql);
        }
    }

    let table = s.table.name.as_str();
    let mut items = Vec::new();
    for col in &s.columns {
        let mut item = String::new();
        let spec = ColumnSpec {
            table,
            in_pk: pk.contains(&col.name),
            inline_pk: pk.len() == 1,
            inline_check: false,
        };
        write_column(d, &mut item, col, spec)?;
        items.push(item);
    }
    if pk.len() > 1 {
        let mut item = String::from("PRIMARY KEY (");
        ident_list(d, &mut item, &pk)?;
        item.push(')');
        items.push(item);
    }
    for col in s.columns.iter().filter(|c| wants_unique(c)) {
        let mut item = String::new();
        write_unique(d, &mut item, table, None, std::slice::from_ref(&col.name))?;
        items.push(item);
    }
    for (name, columns) in &s.uniques {
        check_columns_exist(&known, columns, "a UNIQUE constraint")?;
        let mut item = String::new();
        write_unique(d, &mut item, table, name.as_deref(), columns)?;
        items.push(item);
    }
    for col in &s.columns {
        if let Some(check) = &col.check {
            let mut item = String::new();
            write_check(d, &mut item, &names::check_name(d, table, &col.name), check)?;
            items.push(item);
        }
    }
    for (name, check) in &s.checks {
        let mut item = String::new();
        write_check(d, &mut item, name, check)?;
        items.push(item);
    }
    for fk in &s.foreign_keys {
        check_columns_exist(&known, &fk.columns, "a foreign key")?;
        let mut item = String::new();
        write_foreign_key(d, &mut item, &s.table, fk)?;
        items.push(item);
    }

    let mut sql = String::from("CREATE TABLE ");
    if s.if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    table_name(d, &mut sql, &s.table)?;
    sql.push_str(" (\n    ");
    sql.push_str(&items.join(",\n    "));
    sql.push_str("\n)");
    sql.push_str(d.ddl_table_options());
    statements.push(sql);
    Ok(statements)
}

fn create_index(d: &dyn Dialect, s: &CreateIndex) -> Result<String> {
    if s.columns.is_empty() {
        return Err(invalid(format!(
            "index {:?} needs at least one column",
            s.name
        )));
    }
    let features = d.features();
    let mut sql = String::from(if s.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if s.if_not_exists && features.supports_index_if_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    if features.index_schema_on_name {
        table_name(d, &mut sql, &in_schema_of(&s.name, &s.table))?;
        sql.push_str(" ON ");
        ident(d, &mut sql, &s.table.name)?;
    } else {
        ident(d, &mut sql, &s.name)?;
        sql.push_str(" ON ");
        table_name(d, &mut sql, &s.table)?;
    }
    sql.push_str(" (");
    for (i, col) in s.columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        ident(d, &mut sql, &col.name)?;
        if col.desc {
            sql.push_str(" DESC");
        }
    }
    sql.push(')');
    if let Some(condition) = &s.condition {
        if !features.supports_partial_indexes {
            return Err(QueryError::unsupported(
                "a partial index (CREATE INDEX … WHERE)",
                d.name(),
            ));
        }
        sql.push_str(" WHERE ");
        sql.push_str(raw_fragment(d, condition, "index condition")?);
    }
    Ok(sql)
}

/// `name` in the schema of `of`.
fn in_schema_of(name: &str, of: &TableRef) -> TableRef {
    TableRef {
        name: name.to_owned(),
        schema: of.schema.clone(),
        alias: None,
    }
}

fn drop_index(d: &dyn Dialect, s: &DropIndex) -> Result<String> {
    let features = d.features();
    let mut sql = String::from("DROP INDEX ");
    if s.if_exists && features.supports_index_if_exists {
        sql.push_str("IF EXISTS ");
    }
    if features.drop_index_names_table {
        ident(d, &mut sql, &s.name)?;
        sql.push_str(" ON ");
        table_name(d, &mut sql, &s.table)?;
    } else {
        table_name(d, &mut sql, &in_schema_of(&s.name, &s.table))?;
    }
    Ok(sql)
}

fn drop_table(d: &dyn Dialect, s: &DropTable) -> Result<String> {
    let mut sql = String::from("DROP TABLE ");
    if s.if_exists {
        sql.push_str("IF EXISTS ");
    }
    table_name(d, &mut sql, &s.table)?;
    if s.cascade {
        if !d.features().supports_drop_table_cascade {
            return Err(QueryError::unsupported(
                "DROP TABLE … CASCADE (drop the foreign keys that reference the table first)",
                d.name(),
            ));
        }
        sql.push_str(" CASCADE");
    }
    Ok(sql)
}

fn rename_table(d: &dyn Dialect, s: &RenameTable) -> Result<String> {
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("RENAME TO ");
    if d.features().rename_table_needs_schema {
        table_name(d, &mut sql, &in_schema_of(&s.new_name, &s.table))?;
    } else {
        ident(d, &mut sql, &s.new_name)?;
    }
    Ok(sql)
}

fn add_column(d: &dyn Dialect, s: &AddColumn) -> Result<Vec<String>> {
    let col = &s.column;
    let alter_constraints = d.features().supports_alter_constraints;
    if !alter_constraints && (col.primary_key || col.unique) {
        return Err(rebuild_needed(d, "adding a PRIMARY KEY or UNIQUE column"));
    }
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("ADD COLUMN ");
    let spec = ColumnSpec {
        table: &s.table.name,
        in_pk: false,
        inline_pk: true,
        inline_check: !alter_constraints,
    };
    write_column(d, &mut sql, col, spec)?;
    let mut statements = vec![sql];
    if wants_unique(col) {
        statements.push(add_unique(
            d,
            &AddUnique {
                table: s.table.clone(),
                name: None,
                columns: vec![col.name.clone()],
            },
        )?);
    }
    if let (Some(check), true) = (&col.check, alter_constraints) {
        statements.push(add_check(
            d,
            &AddCheck {
                table: s.table.clone(),
                name: names::check_name(d, &s.table.name, &col.name),
                sql: check.clone(),
            },
        )?);
    }
    Ok(statements)
}

fn drop_column(d: &dyn Dialect, s: &DropColumn) -> Result<String> {
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("DROP COLUMN ");
    ident(d, &mut sql, &s.column)?;
    Ok(sql)
}

fn rename_column(d: &dyn Dialect, s: &RenameColumn) -> Result<String> {
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("RENAME COLUMN ");
    ident(d, &mut sql, &s.old)?;
    sql.push_str(" TO ");
    ident(d, &mut sql, &s.new)?;
    Ok(sql)
}

fn alter_column(d: &dyn Dialect, s: &AlterColumn) -> Result<Vec<String>> {
    let (old, new) = (&s.old, &s.column);
    if old.name != new.name {
        return Err(invalid(format!(
            "AlterColumn changes {:?} into {:?}: rename the column with RenameColumn first, then alter it",
            old.name, new.name
        )));
    }
    if old.primary_key != new.primary_key {
        return Err(invalid(format!(
            "AlterColumn cannot make column {:?} become or stop being the primary key; create the new table \
             and copy the rows instead",
            new.name
        )));
    }
    if !d.features().supports_alter_column {
        return Err(rebuild_needed(d, "changing a column (ALTER COLUMN)"));
    }
    validate_column(new)?;
    let table = &s.table;
    let check_name = || names::check_name(d, &table.name, &new.name);
    let check_changed = old.check != new.check;
    let mut statements = Vec::new();
    if check_changed && old.check.is_some() {
        statements.push(drop_constraint(
            d,
            &DropConstraint {
                table: table.clone(),
                name: check_name(),
                kind: ConstraintKind::Check,
            },
        )?);
    }
    if wants_unique(old) && !wants_unique(new) {
        statements.push(drop_constraint(
            d,
            &DropConstraint {
                table: table.clone(),
                name: names::unique_name(d, &table.name, std::slice::from_ref(&new.name)),
                kind: ConstraintKind::Unique,
            },
        )?);
    }
    statements.extend(d.ddl_alter_column(table, old, new)?);
    if wants_unique(new) && !wants_unique(old) {
        statements.push(add_unique(
            d,
            &AddUnique {
                table: table.clone(),
                name: None,
                columns: vec![new.name.clone()],
            },
        )?);
    }
    if let (Some(check), true) = (&new.check, check_changed) {
        statements.push(add_check(
            d,
            &AddCheck {
                table: table.clone(),
                name: check_name(),
                sql: check.clone(),
            },
        )?);
    }
    Ok(statements)
}

/// The column changes of [`AlterColumn`] in standard SQL (PostgreSQL): one `ALTER TABLE … ALTER COLUMN`
/// per change of identity, type (with `USING CAST`), nullability and default. Constraints are handled
/// by the caller.
///
/// # Errors
/// What writing the type or the default returns.
pub fn alter_column_common<D: Dialect + ?Sized>(
    d: &D,
    table: &TableRef,
    old: &ColumnDef,
    new: &ColumnDef,
) -> Result<Vec<String>> {
    let head = {
        let mut head = alter_table(d, table)?;
        head.push_str("ALTER COLUMN ");
        ident(d, &mut head, &new.name)?;
        head.push(' ');
        head
    };
    let mut actions: Vec<String> = Vec::new();
    if old.auto_increment && !new.auto_increment {
        actions.push("DROP IDENTITY IF EXISTS".into());
    }
    let new_type = column_type_sql(d, new)?;
    let type_changed = column_type_sql(d, old)? != new_type || old.collation != new.collation;
    if type_changed {
        if old.default.is_some() {
            // The old default may not convert to the new type.
            actions.push("DROP DEFAULT".into());
        }
        let mut action = format!("TYPE {new_type}");
        if let Some(collation) = &new.collation {
            action.push_str(" COLLATE ");
            ident(d, &mut action, collation)?;
        }
        action.push_str(" USING CAST(");
        ident(d, &mut action, &new.name)?;
        action.push_str(&format!(" AS {new_type})"));
        actions.push(action);
    }
    match (is_not_null(old, false), is_not_null(new, false)) {
        (false, true) => actions.push("SET NOT NULL".into()),
        (true, false) => actions.push("DROP NOT NULL".into()),
        _ => {}
    }
    let default_dropped = type_changed && old.default.is_some();
    if old.default != new.default || default_dropped {
        match &new.default {
            Some(_) => {
                let mut action = String::from("SET");
                write_default(d, &mut action, new)?;
                actions.push(action);
            }
            None if !default_dropped => actions.push("DROP DEFAULT".into()),
            None => {}
        }
    }
    if new.auto_increment && !old.auto_increment {
        actions.push("ADD GENERATED BY DEFAULT AS IDENTITY".into());
    }
    Ok(actions.into_iter().map(|a| format!("{head}{a}")).collect())
}

/// The column changes of [`AlterColumn`] as one `ALTER TABLE … MODIFY COLUMN <full definition>` (MySQL),
/// when anything but the constraints changed.
///
/// # Errors
/// What writing the column definition returns.
pub fn alter_column_modify<D: Dialect + ?Sized>(
    d: &D,
    table: &TableRef,
    old: &ColumnDef,
    new: &ColumnDef,
) -> Result<Vec<String>> {
    let body_changed = old.ty != new.ty
        || old.collation != new.collation
        || old.default != new.default
        || old.auto_increment != new.auto_increment
        || is_not_null(old, false) != is_not_null(new, false);
    if !body_changed {
        return Ok(Vec::new());
    }
    let mut sql = alter_table(d, table)?;
    sql.push_str("MODIFY COLUMN ");
    let spec = ColumnSpec {
        table: &table.name,
        in_pk: false,
        // MODIFY keeps the existing primary key; repeating it would declare a second one.
        inline_pk: false,
        inline_check: false,
    };
    write_column(d, &mut sql, new, spec)?;
    Ok(vec![sql])
}

fn require_alter_constraints(d: &dyn Dialect, what: &str) -> Result<()> {
    if d.features().supports_alter_constraints {
        Ok(())
    } else {
        Err(rebuild_needed(d, what))
    }
}

fn add_foreign_key(d: &dyn Dialect, s: &AddForeignKey) -> Result<String> {
    require_alter_constraints(d, "adding a FOREIGN KEY")?;
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("ADD ");
    write_foreign_key(d, &mut sql, &s.table, &s.foreign_key)?;
    Ok(sql)
}

fn add_check(d: &dyn Dialect, s: &AddCheck) -> Result<String> {
    require_alter_constraints(d, "adding a CHECK constraint")?;
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("ADD ");
    write_check(d, &mut sql, &s.name, &s.sql)?;
    Ok(sql)
}

fn add_unique(d: &dyn Dialect, s: &AddUnique) -> Result<String> {
    require_alter_constraints(d, "adding a UNIQUE constraint")?;
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str("ADD ");
    write_unique(d, &mut sql, &s.table.name, s.name.as_deref(), &s.columns)?;
    Ok(sql)
}

fn drop_constraint(d: &dyn Dialect, s: &DropConstraint) -> Result<String> {
    require_alter_constraints(d, "dropping a constraint")?;
    let mut sql = alter_table(d, &s.table)?;
    sql.push_str(d.ddl_drop_constraint_clause(s.kind));
    sql.push(' ');
    ident(d, &mut sql, &s.name)?;
    Ok(sql)
}
