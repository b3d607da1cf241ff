//! The schema statements: plain data, compiled per dialect by [`compile_ddl`](super::compile_ddl).

use super::types::ColumnType;
use crate::ast::TableRef;
use crate::value::Value;

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The column name.
    pub name: String,
    /// Its generic type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (ignored for primary-key columns, which are never NULL).
    pub nullable: bool,
    /// Whether this column alone is the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (an integer, single-column primary key only).
    pub auto_increment: bool,
    /// Whether values must be unique (a named `{table}_{column}_uniq` constraint).
    pub unique: bool,
    /// The default value, written as an escaped literal.
    pub default: Option<Value>,
    /// A CHECK expression (user-written SQL), as a named `{table}_{column}_check` constraint.
    pub check: Option<String>,
    /// A collation name (quoted as an identifier).
    pub collation: Option<String>,
}

impl ColumnDef {
    /// A nullable column with no constraints.
    #[must_use]
    pub fn new(name: &str, ty: ColumnType) -> Self {
        ColumnDef {
            name: name.to_owned(),
            ty,
            nullable: true,
            primary_key: false,
            auto_increment: false,
            unique: false,
            default: None,
            check: None,
            collation: None,
        }
    }

    /// An auto-increment integer primary key.
    #[must_use]
    pub fn auto_pk(name: &str, ty: ColumnType) -> Self {
        ColumnDef {
            primary_key: true,
            auto_increment: true,
            nullable: false,
            ..ColumnDef::new(name, ty)
        }
    }

    /// Make the column NOT NULL.
    #[must_use]
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// Make the column the primary key.
    #[must_use]
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Make the column unique.
    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Set the default value.
    #[must_use]
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Set a CHECK expression (raw SQL).
    #[must_use]
    pub fn check(mut self, sql: &str) -> Self {
        self.check = Some(sql.to_owned());
        self
    }

    /// Set the collation.
    #[must_use]
    pub fn collation(mut self, name: &str) -> Self {
        self.collation = Some(name.to_owned());
        self
    }
}

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OnDelete {
    /// Delete (or update) the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults (not on MySQL/MariaDB).
    SetDefault,
    /// Refuse at once.
    Restrict,
    /// Refuse at the end of the statement (or at commit, when deferred). The SQL default.
    #[default]
    NoAction,
}

impl OnDelete {
    /// The SQL words: `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`.
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
            OnDelete::SetDefault => "SET DEFAULT",
            OnDelete::Restrict => "RESTRICT",
            OnDelete::NoAction => "NO ACTION",
        }
    }

    /// Parse the SQL words case-insensitively (`"set null"`, `"SET_NULL"`, `"DO_NOTHING"` for no action).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let key = name.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        Some(match key.as_str() {
            "CASCADE" => OnDelete::Cascade,
            "SET NULL" => OnDelete::SetNull,
            "SET DEFAULT" => OnDelete::SetDefault,
            "RESTRICT" | "PROTECT" => OnDelete::Restrict,
            "NO ACTION" | "DO NOTHING" => OnDelete::NoAction,
            _ => return None,
        })
    }
}

/// A foreign key from `columns` to `ref_columns` of `ref_table`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    /// The constraint name; generated (`{table}_{cols}_fk_{ref}_{refcols}`) when absent.
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: TableRef,
    /// The referenced columns (as many as `columns`).
    pub ref_columns: Vec<String>,
    /// What happens when the referenced row is deleted.
    pub on_delete: OnDelete,
    /// What happens when the referenced key is updated.
    pub on_update: OnDelete,
    /// Whether the check waits until commit (`DEFERRABLE INITIALLY DEFERRED`).
    pub deferrable: bool,
}

impl ForeignKey {
    /// A single-column foreign key with `NO ACTION` rules.
    #[must_use]
    pub fn new(column: &str, ref_table: impl Into<TableRef>, ref_column: &str) -> Self {
        ForeignKey {
            name: None,
            columns: vec![column.to_owned()],
            ref_table: ref_table.into(),
            ref_columns: vec![ref_column.to_owned()],
            on_delete: OnDelete::NoAction,
            on_update: OnDelete::NoAction,
            deferrable: false,
        }
    }

    /// Set the ON DELETE rule.
    #[must_use]
    pub fn on_delete(mut self, action: OnDelete) -> Self {
        self.on_delete = action;
        self
    }

    /// Name the constraint.
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }
}

/// `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// The table (with its schema, if any).
    pub table: TableRef,
    /// The columns, in order.
    pub columns: Vec<ColumnDef>,
    /// A composite primary key (leave empty and flag the column when it is a single one).
    pub primary_key: Vec<String>,
    /// UNIQUE constraints over several columns: `(name, columns)`; names are generated when absent.
    pub uniques: Vec<(Option<String>, Vec<String>)>,
    /// Named CHECK constraints: `(name, sql)`; the SQL is user-written.
    pub checks: Vec<(String, String)>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// Emit `CREATE SCHEMA IF NOT EXISTS` for the table's schema first.
    pub create_schema: bool,
}

impl CreateTable {
    /// A table with these columns and nothing else.
    #[must_use]
    pub fn new(table: impl Into<TableRef>, columns: Vec<ColumnDef>) -> Self {
        CreateTable {
            table: table.into(),
            columns,
            primary_key: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            if_not_exists: false,
            create_schema: false,
        }
    }
}

/// One column of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumn {
    /// The column name.
    pub name: String,
    /// Descending order.
    pub desc: bool,
}

impl IndexColumn {
    /// `-name` means descending.
    #[must_use]
    pub fn parse(spec: &str) -> Self {
        match spec.strip_prefix('-') {
            Some(name) => IndexColumn {
                name: name.to_owned(),
                desc: true,
            },
            None => IndexColumn {
                name: spec.to_owned(),
                desc: false,
            },
        }
    }
}

/// `CREATE [UNIQUE] INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIndex {
    /// The index name.
    pub name: String,
    /// The indexed table.
    pub table: TableRef,
    /// The indexed columns.
    pub columns: Vec<IndexColumn>,
    /// A unique index.
    pub unique: bool,
    /// `IF NOT EXISTS`, where the backend has it (left out on MySQL 8, which does not).
    pub if_not_exists: bool,
    /// A partial index: only rows matching this raw SQL condition (PostgreSQL, SQLite).
    pub condition: Option<String>,
}

/// `DROP INDEX` (the table is needed on MySQL, where index names are per table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropIndex {
    /// The index name.
    pub name: String,
    /// The table it belongs to.
    pub table: TableRef,
    /// `IF EXISTS`, where the backend has it (left out on MySQL 8, which does not).
    pub if_exists: bool,
}

/// `DROP TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropTable {
    /// The table.
    pub table: TableRef,
    /// `IF EXISTS`.
    pub if_exists: bool,
    /// `CASCADE`: drop what depends on the table (PostgreSQL only).
    pub cascade: bool,
}

/// `ALTER TABLE … RENAME TO …` (the table stays in its schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameTable {
    /// The table to rename.
    pub table: TableRef,
    /// The new name (without schema).
    pub new_name: String,
}

/// `ALTER TABLE … ADD COLUMN …`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddColumn {
    /// The table.
    pub table: TableRef,
    /// The new column.
    pub column: ColumnDef,
}

/// `ALTER TABLE … DROP COLUMN …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropColumn {
    /// The table.
    pub table: TableRef,
    /// The column to drop.
    pub column: String,
}

/// `ALTER TABLE … RENAME COLUMN … TO …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameColumn {
    /// The table.
    pub table: TableRef,
    /// The current name.
    pub old: String,
    /// The new name.
    pub new: String,
}

/// Change a column from `old` to `column` (same name): type, nullability, default, collation, unique, check.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterColumn {
    /// The table.
    pub table: TableRef,
    /// The column as it is now.
    pub old: ColumnDef,
    /// The column as it should be.
    pub column: ColumnDef,
}

/// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddForeignKey {
    /// The referencing table.
    pub table: TableRef,
    /// The foreign key.
    pub foreign_key: ForeignKey,
}

/// Drop a foreign key by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropForeignKey {
    /// The referencing table.
    pub table: TableRef,
    /// The constraint name.
    pub name: String,
}

/// `ALTER TABLE … ADD CONSTRAINT … CHECK (…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheck {
    /// The table.
    pub table: TableRef,
    /// The constraint name.
    pub name: String,
    /// The condition (user-written SQL).
    pub sql: String,
}

/// `ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddUnique {
    /// The table.
    pub table: TableRef,
    /// The constraint name; generated (`{table}_{cols}_uniq`) when absent.
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}

/// The kind of a named constraint (MySQL drops each kind with its own clause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    /// A CHECK constraint.
    Check,
    /// A UNIQUE constraint.
    Unique,
    /// A FOREIGN KEY constraint.
    ForeignKey,
}

impl ConstraintKind {
    /// Parse `check`, `unique`, `foreign_key` (also `fk`, `foreign key`), case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "check" => Some(ConstraintKind::Check),
            "unique" => Some(ConstraintKind::Unique),
            "foreign_key" | "fk" => Some(ConstraintKind::ForeignKey),
            _ => None,
        }
    }
}

/// Drop a named constraint of a given kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropConstraint {
    /// The table.
    pub table: TableRef,
    /// The constraint name.
    pub name: String,
    /// Its kind.
    pub kind: ConstraintKind,
}

/// Any schema statement.
#[derive(Debug, Clone, PartialEq)]
pub enum DdlStatement {
    /// See [`CreateTable`].
    CreateTable(CreateTable),
    /// See [`CreateIndex`].
    CreateIndex(CreateIndex),
    /// See [`DropIndex`].
    DropIndex(DropIndex),
    /// See [`DropTable`].
    DropTable(DropTable),
    /// See [`RenameTable`].
    RenameTable(RenameTable),
    /// See [`AddColumn`].
    AddColumn(AddColumn),
    /// See [`DropColumn`].
    DropColumn(DropColumn),
    /// See [`RenameColumn`].
    RenameColumn(RenameColumn),
    /// See [`AlterColumn`].
    AlterColumn(AlterColumn),
    /// See [`AddForeignKey`].
    AddForeignKey(AddForeignKey),
    /// See [`DropForeignKey`].
    DropForeignKey(DropForeignKey),
    /// See [`AddCheck`].
    AddCheck(AddCheck),
    /// See [`AddUnique`].
    AddUnique(AddUnique),
    /// See [`DropConstraint`].
    DropConstraint(DropConstraint),
}

macro_rules! statement_from {
    ($($t:ident),* $(,)?) => {
        $(impl From<$t> for DdlStatement {
            fn from(s: $t) -> Self {
                DdlStatement::$t(s)
            }
        })*
    };
}

statement_from!(
    CreateTable,
    CreateIndex,
    DropIndex,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    RenameColumn,
    AlterColumn,
    AddForeignKey,
    DropForeignKey,
    AddCheck,
    AddUnique,
    DropConstraint,
);
