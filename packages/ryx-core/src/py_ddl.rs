//! DDL from Python: pure functions that compile schema statements (no database) and return the SQL strings.

use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use ryx_query::ast::TableRef;
use ryx_query::ddl::names;
use ryx_query::dialect::Dialect;
use ryx_query::{
    compile_ddl, AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, ColumnDef, ColumnType,
    ConstraintKind, CreateIndex, CreateTable, DdlStatement, DropColumn, DropConstraint, DropIndex,
    DropTable, ForeignKey, IndexColumn, OnDelete, RenameColumn, RenameTable,
};

use crate::convert::to_value::to_value;
use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};

const COLUMN_KEYS: &[&str] = &[
    "name",
    "type",
    "raw_type",
    "null",
    "primary_key",
    "auto_increment",
    "unique",
    "default",
    "check",
    "collation",
];
const FK_KEYS: &[&str] = &[
    "columns",
    "ref_table",
    "ref_columns",
    "on_delete",
    "on_update",
    "name",
    "ref_schema",
    "deferrable",
];

fn bad(message: impl Into<String>) -> PyErr {
    new_err(Kind::QueryError, message.into())
}

fn dialect(name: &str) -> PyResult<&'static dyn Dialect> {
    ryx_query::dialect_by_name(name).ok_or_else(|| {
        bad(format!(
            "unknown dialect '{name}'; use postgres, mysql, mariadb or sqlite"
        ))
    })
}

fn table_ref(table: &str, schema: Option<&str>) -> TableRef {
    let t = TableRef::new(table);
    match schema {
        Some(s) => t.schema(s),
        None => t,
    }
}

fn compile(stmt: impl Into<DdlStatement>, dialect_name: &str) -> PyResult<Vec<String>> {
    Ok(compile_ddl(&stmt.into(), dialect(dialect_name)?).map_err(RyxErr::from)?)
}

/// A list of names; one string stands for a list of one.
fn names_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![s.to_str()?.to_owned()]);
    }
    obj.extract::<Vec<String>>()
        .map_err(|_| bad(format!("{what} must be a list of column names")))
}

/// A dict argument, with its keys checked against the accepted ones.
fn spec<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    keys: &[&str],
) -> PyResult<Bound<'py, PyMapping>> {
    let map = obj
        .cast::<PyMapping>()
        .map_err(|_| {
            bad(format!(
                "{what} must be a dict with the keys {}",
                keys.join(", ")
            ))
        })?
        .clone();
    for key in map.keys()?.iter() {
        let key: String = key
            .extract()
            .map_err(|_| bad(format!("{what} keys must be strings")))?;
        if !keys.contains(&key.as_str()) {
            return Err(bad(format!(
                "{what} has an unknown key '{key}'; the keys are {}",
                keys.join(", ")
            )));
        }
    }
    Ok(map)
}

fn get<'py>(map: &Bound<'py, PyMapping>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    if map.contains(key)? {
        Ok(Some(map.get_item(key)?))
    } else {
        Ok(None)
    }
}

fn get_as<'py, T: FromPyObjectOwned<'py>>(
    map: &Bound<'py, PyMapping>,
    key: &str,
    what: &str,
    expected: &str,
) -> PyResult<Option<T>> {
    match get(map, key)? {
        None => Ok(None),
        Some(v) => v
            .extract::<T>()
            .map(Some)
            .map_err(|_| bad(format!("{what}: '{key}' must be {expected}"))),
    }
}

fn column(obj: &Bound<'_, PyAny>) -> PyResult<ColumnDef> {
    let map = spec(obj, "a column", COLUMN_KEYS)?;
    let name: String = get_as(&map, "name", "a column", "a string")?
        .ok_or_else(|| bad("a column needs a 'name'"))?;
    let what = format!("column '{name}'");
    let ty = match (
        get_as::<String>(
            &map,
            "type",
            &what,
            "a generic type name such as \"BIGINT\"",
        )?,
        get_as::<String>(&map, "raw_type", &what, "an SQL type")?,
    ) {
        (Some(generic), None) => generic
            .parse::<ColumnType>()
            .map_err(|e| bad(format!("{what}: {e}")))?,
        (None, Some(raw)) => ColumnType::Raw(raw),
        (Some(_), Some(_)) => {
            return Err(bad(format!("{what}: give 'type' or 'raw_type', not both")))
        }
        (None, None) => {
            return Err(bad(format!(
                "{what} needs a 'type' (a generic name such as \"BIGINT\" or \"VARCHAR(200)\")"
            )))
        }
    };
    let flag = |key: &str, default: bool| -> PyResult<bool> {
        Ok(get_as(&map, key, &what, "True or False")?.unwrap_or(default))
    };
    Ok(ColumnDef {
        nullable: flag("null", true)?,
        primary_key: flag("primary_key", false)?,
        auto_increment: flag("auto_increment", false)?,
        unique: flag("unique", false)?,
        default: get(&map, "default")?.map(|v| to_value(&v)).transpose()?,
        check: get_as::<Option<String>>(&map, "check", &what, "an SQL expression or None")?
            .flatten(),
        collation: get_as::<Option<String>>(&map, "collation", &what, "a collation name or None")?
            .flatten(),
        ..ColumnDef::new(&name, ty)
    })
}

fn action(name: &str) -> PyResult<OnDelete> {
    OnDelete::from_name(name).ok_or_else(|| {
        bad(format!(
            "unknown foreign key action '{name}'; use CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION"
        ))
    })
}

fn foreign_key(obj: &Bound<'_, PyAny>) -> PyResult<ForeignKey> {
    let map = spec(obj, "a foreign key", FK_KEYS)?;
    let what = "a foreign key";
    let required = |key: &str| -> PyResult<Bound<'_, PyAny>> {
        get(&map, key)?.ok_or_else(|| bad(format!("{what} needs '{key}'")))
    };
    let ref_table: String = required("ref_table")?
        .extract()
        .map_err(|_| bad(format!("{what}: 'ref_table' must be a table name")))?;
    let ref_schema =
        get_as::<Option<String>>(&map, "ref_schema", what, "a schema name or None")?.flatten();
    let ref_table = table_ref(&ref_table, ref_schema.as_deref());
    Ok(ForeignKey {
        name: get_as::<Option<String>>(&map, "name", what, "a constraint name or None")?.flatten(),
        columns: names_of(&required("columns")?, "'columns' of a foreign key")?,
        ref_table,
        ref_columns: names_of(&required("ref_columns")?, "'ref_columns' of a foreign key")?,
        on_delete: action(
            &get_as::<String>(&map, "on_delete", what, "an action name")?
                .unwrap_or_else(|| "CASCADE".into()),
        )?,
        on_update: action(
            &get_as::<String>(&map, "on_update", what, "an action name")?
                .unwrap_or_else(|| "NO ACTION".into()),
        )?,
        deferrable: get_as(&map, "deferrable", what, "True or False")?.unwrap_or(false),
    })
}

/// `CREATE TABLE` (after `CREATE SCHEMA IF NOT EXISTS` when `create_schema` and a schema are given).
#[pyfunction]
#[pyo3(signature = (table, columns, *, dialect="sqlite", schema=None, if_not_exists=false, primary_key=Vec::new(),
    uniques=Vec::new(), checks=Vec::new(), foreign_keys=Vec::new(), create_schema=false),
    text_signature = "(table, columns, *, dialect='sqlite', schema=None, if_not_exists=False, primary_key=(), \
    uniques=(), checks=(), foreign_keys=(), create_schema=False)")]
#[allow(clippy::too_many_arguments)]
pub fn ddl_create_table(
    table: &str,
    columns: Vec<Bound<'_, PyAny>>,
    dialect: &str,
    schema: Option<&str>,
    if_not_exists: bool,
    primary_key: Vec<String>,
    uniques: Vec<(Option<String>, Bound<'_, PyAny>)>,
    checks: Vec<(String, String)>,
    foreign_keys: Vec<Bound<'_, PyAny>>,
    create_schema: bool,
) -> PyResult<Vec<String>> {
    let stmt = CreateTable {
        columns: columns.iter().map(column).collect::<PyResult<_>>()?,
        primary_key,
        uniques: uniques
            .iter()
            .map(|(name, cols)| Ok((name.clone(), names_of(cols, "the columns of a unique")?)))
            .collect::<PyResult<_>>()?,
        checks,
        foreign_keys: foreign_keys
            .iter()
            .map(foreign_key)
            .collect::<PyResult<_>>()?,
        if_not_exists,
        create_schema,
        ..CreateTable::new(table_ref(table, schema), Vec::new())
    };
    compile(stmt, dialect)
}

/// `CREATE [UNIQUE] INDEX`; a column written `"-name"` is descending.
#[pyfunction]
#[pyo3(signature = (table, name, columns, *, unique=false, dialect="sqlite", schema=None, if_not_exists=true,
    condition=None))]
#[allow(clippy::too_many_arguments)]
pub fn ddl_create_index(
    table: &str,
    name: &str,
    columns: Bound<'_, PyAny>,
    unique: bool,
    dialect: &str,
    schema: Option<&str>,
    if_not_exists: bool,
    condition: Option<String>,
) -> PyResult<Vec<String>> {
    let stmt = CreateIndex {
        name: name.to_owned(),
        table: table_ref(table, schema),
        columns: names_of(&columns, "the columns of an index")?
            .iter()
            .map(|c| IndexColumn::parse(c))
            .collect(),
        unique,
        if_not_exists,
        condition,
    };
    compile(stmt, dialect)
}

/// `DROP INDEX` (`… ON table` on MySQL).
#[pyfunction]
#[pyo3(signature = (table, name, *, dialect="sqlite", schema=None, if_exists=true))]
pub fn ddl_drop_index(
    table: &str,
    name: &str,
    dialect: &str,
    schema: Option<&str>,
    if_exists: bool,
) -> PyResult<Vec<String>> {
    let stmt = DropIndex {
        name: name.to_owned(),
        table: table_ref(table, schema),
        if_exists,
    };
    compile(stmt, dialect)
}

/// `DROP TABLE`.
#[pyfunction]
#[pyo3(signature = (table, *, dialect="sqlite", schema=None, if_exists=true, cascade=false))]
pub fn ddl_drop_table(
    table: &str,
    dialect: &str,
    schema: Option<&str>,
    if_exists: bool,
    cascade: bool,
) -> PyResult<Vec<String>> {
    let stmt = DropTable {
        table: table_ref(table, schema),
        if_exists,
        cascade,
    };
    compile(stmt, dialect)
}

/// Rename a table (it stays in its schema).
#[pyfunction]
#[pyo3(signature = (old, new, *, dialect="sqlite", schema=None))]
pub fn ddl_rename_table(
    old: &str,
    new: &str,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = RenameTable {
        table: table_ref(old, schema),
        new_name: new.to_owned(),
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … ADD COLUMN` (plus its UNIQUE / CHECK constraints).
#[pyfunction]
#[pyo3(signature = (table, column, *, dialect="sqlite", schema=None))]
pub fn ddl_add_column(
    table: &str,
    column: &Bound<'_, PyAny>,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = AddColumn {
        table: table_ref(table, schema),
        column: self::column(column)?,
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … DROP COLUMN`.
#[pyfunction]
#[pyo3(signature = (table, name, *, dialect="sqlite", schema=None))]
pub fn ddl_drop_column(
    table: &str,
    name: &str,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = DropColumn {
        table: table_ref(table, schema),
        column: name.to_owned(),
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … RENAME COLUMN … TO …`.
#[pyfunction]
#[pyo3(signature = (table, old, new, *, dialect="sqlite", schema=None))]
pub fn ddl_rename_column(
    table: &str,
    old: &str,
    new: &str,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = RenameColumn {
        table: table_ref(table, schema),
        old: old.to_owned(),
        new: new.to_owned(),
    };
    compile(stmt, dialect)
}

/// Change a column from `old` to `new` (same name).
#[pyfunction]
#[pyo3(signature = (table, old, new, *, dialect="sqlite", schema=None))]
pub fn ddl_alter_column(
    table: &str,
    old: &Bound<'_, PyAny>,
    new: &Bound<'_, PyAny>,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = AlterColumn {
        table: table_ref(table, schema),
        old: column(old)?,
        column: column(new)?,
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`.
#[pyfunction]
#[pyo3(signature = (table, fk, *, dialect="sqlite", schema=None))]
pub fn ddl_add_foreign_key(
    table: &str,
    fk: &Bound<'_, PyAny>,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = AddForeignKey {
        table: table_ref(table, schema),
        foreign_key: foreign_key(fk)?,
    };
    compile(stmt, dialect)
}

fn kind(name: &str) -> PyResult<ConstraintKind> {
    ConstraintKind::from_name(name).ok_or_else(|| {
        bad(format!(
            "unknown constraint kind '{name}'; use check, unique or foreign_key"
        ))
    })
}

/// Drop a named constraint of a kind (`check`, `unique`, `foreign_key`).
#[pyfunction]
#[pyo3(signature = (table, name, *, kind, dialect="sqlite", schema=None))]
pub fn ddl_drop_constraint(
    table: &str,
    name: &str,
    kind: &str,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = DropConstraint {
        table: table_ref(table, schema),
        name: name.to_owned(),
        kind: self::kind(kind)?,
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … ADD CONSTRAINT … CHECK (sql)`.
#[pyfunction]
#[pyo3(signature = (table, name, sql, *, dialect="sqlite", schema=None))]
pub fn ddl_add_check(
    table: &str,
    name: &str,
    sql: &str,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = AddCheck {
        table: table_ref(table, schema),
        name: name.to_owned(),
        sql: sql.to_owned(),
    };
    compile(stmt, dialect)
}

/// `ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)`; the name is generated when None.
#[pyfunction]
#[pyo3(signature = (table, name, columns, *, dialect="sqlite", schema=None))]
pub fn ddl_add_unique(
    table: &str,
    name: Option<String>,
    columns: &Bound<'_, PyAny>,
    dialect: &str,
    schema: Option<&str>,
) -> PyResult<Vec<String>> {
    let stmt = AddUnique {
        table: table_ref(table, schema),
        name,
        columns: names_of(columns, "the columns of a unique")?,
    };
    compile(stmt, dialect)
}

/// The SQL type of a generic type name on a dialect.
#[pyfunction]
#[pyo3(signature = (generic, *, dialect="sqlite"))]
pub fn ddl_column_type(generic: &str, dialect: &str) -> PyResult<String> {
    let d = self::dialect(dialect)?;
    let ty = generic.parse::<ColumnType>().map_err(RyxErr::from)?;
    Ok(ty.to_sql(d).map_err(RyxErr::from)?)
}

/// The name generated for an unnamed constraint: `unique` over `columns`, the `check` of `columns[0]`,
/// or a `foreign_key` from `columns` to `ref_table` (`ref_columns`).
#[pyfunction]
#[pyo3(signature = (table, columns, *, kind, ref_table=None, ref_columns=Vec::new(), dialect="sqlite"),
    text_signature = "(table, columns, *, kind, ref_table=None, ref_columns=(), dialect='sqlite')")]
pub fn ddl_constraint_name(
    table: &str,
    columns: &Bound<'_, PyAny>,
    kind: &str,
    ref_table: Option<&str>,
    ref_columns: Vec<String>,
    dialect: &str,
) -> PyResult<String> {
    let d = self::dialect(dialect)?;
    let columns = names_of(columns, "columns")?;
    let first = columns
        .first()
        .ok_or_else(|| bad("a constraint name needs at least one column"))?;
    Ok(match self::kind(kind)? {
        ConstraintKind::Unique => names::unique_name(d, table, &columns),
        ConstraintKind::Check => names::check_name(d, table, first),
        ConstraintKind::ForeignKey => {
            let ref_table =
                ref_table.ok_or_else(|| bad("a foreign key name needs the ref_table"))?;
            names::foreign_key_name(d, table, &columns, ref_table, &ref_columns)
        }
    })
}

/// Add the `ddl_*` functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ddl_create_table, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_create_index, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_drop_index, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_drop_table, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_rename_table, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_add_column, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_drop_column, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_rename_column, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_alter_column, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_add_foreign_key, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_drop_constraint, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_add_check, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_add_unique, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_column_type, m)?)?;
    m.add_function(wrap_pyfunction!(ddl_constraint_name, m)?)?;
    Ok(())
}
