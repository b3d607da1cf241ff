"""Introspection of a live database: tables, columns, types, keys, indexes and foreign keys, per backend.

Every query binds its table and schema names (no name is formatted into SQL). `compare_schema` checks a
database against a project state (what ``migrate --check``-style tools report).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ryx_core
from ryx.transaction import current_tx

from ryx_migrate.dialects import Dialect, dialect_of, is_mysql

if TYPE_CHECKING:
    from ryx_migrate.context import MigrationContext
    from ryx_migrate.state import ProjectState


@dataclass(frozen=True)
class ColumnInfo:
    """A live column: its SQL type as the database reports it, nullability, default text and keys."""

    name: str
    type: str
    null: bool
    default: str | None = None
    primary_key: bool = False
    auto_increment: bool = False


@dataclass(frozen=True)
class IndexInfo:
    """An index (or a UNIQUE/PRIMARY KEY constraint's index) over columns."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    primary: bool = False


@dataclass(frozen=True)
class ForeignKeyInfo:
    """A FOREIGN KEY: columns, referenced table and columns, ON DELETE action (name None on SQLite)."""

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"


@dataclass
class TableInfo:
    """A live table."""

    name: str
    columns: list[ColumnInfo] = field(default_factory=list)
    indexes: list[IndexInfo] = field(default_factory=list)
    foreign_keys: list[ForeignKeyInfo] = field(default_factory=list)
    schema: str = ""

    def column(self, name: str) -> ColumnInfo | None:
        """Return the column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        """Return the primary-key columns."""
        return tuple(c.name for c in self.columns if c.primary_key)


@dataclass
class DatabaseSchema:
    """The tables of one alias (in one schema on PostgreSQL)."""

    dialect: Dialect
    tables: dict[str, TableInfo] = field(default_factory=dict)
    schema: str = ""


# ------------------------------------------------------------------------------------------------ queries


async def _rows(
    sql: str, params: Sequence[Any], alias: str | None, tx: ryx_core.Transaction | None
) -> list[dict[str, Any]]:
    """Run a query and return dict rows (bytes decoded as UTF-8: MySQL reports some catalog text as binary)."""
    # Inside the caller's ryx.transaction (a SQLite migration session holds the write lock), use it.
    rows = await ryx_core.fetch_all(sql, list(params), alias=alias, tx=tx or current_tx(alias))
    out = []
    for row in rows:
        if isinstance(row, dict):
            out.append({k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in row.items()})
    return out


async def table_names(
    alias: str | None = None, *, schema: str | None = None, tx: ryx_core.Transaction | None = None
) -> list[str]:
    """Return the base tables of the alias, sorted."""
    dialect = dialect_of(alias)
    if dialect == "postgres":
        rows = await _rows(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = COALESCE(?, current_schema()) AND table_type = 'BASE TABLE'",
            [schema],
            alias,
            tx,
        )
    elif is_mysql(dialect):
        rows = await _rows(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
            [],
            alias,
            tx,
        )
    else:
        rows = await _rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [],
            alias,
            tx,
        )
    return sorted(str(r["name"]) for r in rows)


_PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


async def _pg_table(name: str, schema: str | None, alias: str | None, tx: Any) -> TableInfo:
    """Introspect one PostgreSQL table."""
    where = "n.nspname = COALESCE(?, current_schema()) AND c.relname = ?"
    cols = await _rows(
        "SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, "
        "pg_get_expr(d.adbin, d.adrelid) AS dflt, (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) "
        "LIKE 'nextval(%', false)) AS auto "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        f"WHERE {where} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [schema, name],
        alias,
        tx,
    )
    indexes = await _rows(
        "SELECT ic.relname AS name, ix.indisunique AS uniq, ix.indisprimary AS prim, "
        "string_agg(a.attname, ',' ORDER BY k.ord) AS cols "
        "FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        f"WHERE {where} GROUP BY ic.relname, ix.indisunique, ix.indisprimary ORDER BY ic.relname",
        [schema, name],
        alias,
        tx,
    )
    fks = await _rows(
        "SELECT con.conname AS name, rc.relname AS ref_table, con.confdeltype AS action, "
        "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols, "
        "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord) "
        " JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_cols "
        "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"JOIN pg_class rc ON rc.oid = con.confrelid WHERE {where} AND con.contype = 'f' ORDER BY con.conname",
        [schema, name],
        alias,
        tx,
    )
    pk_cols = {c for i in indexes if i["prim"] for c in str(i["cols"]).split(",")}
    return TableInfo(
        name=name,
        schema=schema or "",
        columns=[
            ColumnInfo(
                str(c["name"]), str(c["type"]), bool(c["nullable"]), c["dflt"], c["name"] in pk_cols, bool(c["auto"])
            )
            for c in cols
        ],
        indexes=[
            IndexInfo(str(i["name"]), tuple(str(i["cols"]).split(",")), bool(i["uniq"]), bool(i["prim"]))
            for i in indexes
        ],
        foreign_keys=[
            ForeignKeyInfo(
                str(f["name"]),
                tuple(str(f["cols"]).split(",")),
                str(f["ref_table"]),
                tuple(str(f["ref_cols"]).split(",")),
                _PG_ACTIONS.get(str(f["action"]), "NO ACTION"),
            )
            for f in fks
        ],
    )


async def _mysql_table(name: str, alias: str | None, tx: Any) -> TableInfo:
    """Introspect one MySQL/MariaDB table."""
    cols = await _rows(
        "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, "
        "EXTRA AS extra, COLUMN_KEY AS ckey FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        [name],
        alias,
        tx,
    )
    stats = await _rows(
        "SELECT INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        [name],
        alias,
        tx,
    )
    fks = await _rows(
        "SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref_table, "
        "k.REFERENCED_COLUMN_NAME AS ref_col, r.DELETE_RULE AS action FROM information_schema.KEY_COLUMN_USAGE k "
        "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
        "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
        "WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        [name],
        alias,
        tx,
    )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for s in stats:
        grouped.setdefault(str(s["name"]), []).append(s)
    fk_grouped: dict[str, list[dict[str, Any]]] = {}
    for f in fks:
        fk_grouped.setdefault(str(f["name"]), []).append(f)
    dflt = [None if c["dflt"] in (None, "NULL") else str(c["dflt"]) for c in cols]
    return TableInfo(
        name=name,
        columns=[
            ColumnInfo(
                str(c["name"]),
                str(c["type"]),
                c["nullable"] == "YES",
                d,
                c["ckey"] == "PRI",
                "auto_increment" in str(c["extra"]).lower(),
            )
            for c, d in zip(cols, dflt, strict=True)
        ],
        indexes=[
            IndexInfo(n, tuple(str(r["col"]) for r in rows), not int(rows[0]["non_unique"]), n == "PRIMARY")
            for n, rows in sorted(grouped.items())
        ],
        foreign_keys=[
            ForeignKeyInfo(
                n,
                tuple(str(r["col"]) for r in rows),
                str(rows[0]["ref_table"]),
                tuple(str(r["ref_col"]) for r in rows),
                str(rows[0]["action"]),
            )
            for n, rows in sorted(fk_grouped.items())
        ],
    )


async def _sqlite_table(name: str, alias: str | None, tx: Any) -> TableInfo:
    """Introspect one SQLite table."""
    cols = await _rows(
        'SELECT name, type, "notnull" AS not_null, dflt_value AS dflt, pk FROM pragma_table_info(?) ORDER BY cid',
        [name],
        alias,
        tx,
    )
    pk = [c for c in cols if int(c["pk"])]
    rowid = len(pk) == 1 and str(pk[0]["type"]).upper() == "INTEGER"
    index_rows = await _rows('SELECT name, "unique" AS uniq, origin FROM pragma_index_list(?)', [name], alias, tx)
    indexes = []
    for row in sorted(index_rows, key=lambda r: str(r["name"])):
        members = await _rows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [row["name"]], alias, tx)
        indexes.append(
            IndexInfo(
                str(row["name"]), tuple(str(m["name"]) for m in members), bool(int(row["uniq"])), row["origin"] == "pk"
            )
        )
    fk_rows = await _rows(
        'SELECT id, "table" AS ref_table, "from" AS col, "to" AS ref_col, on_delete FROM pragma_foreign_key_list(?) '
        "ORDER BY id, seq",
        [name],
        alias,
        tx,
    )
    fk_grouped: dict[int, list[dict[str, Any]]] = {}
    for f in fk_rows:
        fk_grouped.setdefault(int(f["id"]), []).append(f)
    return TableInfo(
        name=name,
        columns=[
            ColumnInfo(
                str(c["name"]),
                str(c["type"]),
                not int(c["not_null"]) and not int(c["pk"]),
                c["dflt"],
                bool(int(c["pk"])),
                rowid and bool(int(c["pk"])),
            )
            for c in cols
        ],
        indexes=indexes,
        foreign_keys=[
            ForeignKeyInfo(
                None,
                tuple(str(r["col"]) for r in rows),
                str(rows[0]["ref_table"]),
                tuple(str(r["ref_col"]) for r in rows),
                str(rows[0]["on_delete"]).upper(),
            )
            for _, rows in sorted(fk_grouped.items())
        ],
    )


async def introspect_table(
    name: str, alias: str | None = None, *, schema: str | None = None, tx: ryx_core.Transaction | None = None
) -> TableInfo:
    """Return the description of one table."""
    dialect = dialect_of(alias)
    if dialect == "postgres":
        return await _pg_table(name, schema, alias, tx)
    if is_mysql(dialect):
        return await _mysql_table(name, alias, tx)
    return await _sqlite_table(name, alias, tx)


async def introspect(
    alias: str | None = None,
    *,
    tables: Iterable[str] | None = None,
    schema: str | None = None,
    tx: ryx_core.Transaction | None = None,
) -> DatabaseSchema:
    """Describe the tables of a database alias (all of them, or ``tables``)."""
    dialect = dialect_of(alias)
    existing = await table_names(alias, schema=schema, tx=tx)
    wanted = existing if tables is None else [t for t in tables if t in existing]
    out = DatabaseSchema(dialect, schema=schema or "")
    for name in wanted:
        out.tables[name] = await introspect_table(name, alias, schema=schema, tx=tx)
    return out


async def foreign_key_names(ctx: MigrationContext, table: str, column: str, *, schema: str | None = None) -> list[str]:
    """Return the names of the foreign keys on ``table.column`` (used to drop them by their real name)."""
    info = await introspect_table(table, ctx.alias, schema=schema, tx=ctx.tx)
    return [fk.name for fk in info.foreign_keys if fk.name and column in fk.columns]


# ------------------------------------------------------------------------------------------------ types

_SYNONYMS = {
    "character varying": "varchar",
    "character": "char",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "numeric": "decimal",
    "double": "double precision",
    "float8": "double precision",
    "bool": "boolean",
    "time": "time without time zone",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
}


def canonical_type(sql_type: str, dialect: str) -> str:
    """Return a comparable spelling of a SQL type (synonyms, display widths and spacing removed)."""
    text = re.sub(r"\s+", " ", sql_type.strip().lower())
    text = re.sub(r"\s*\(\s*", "(", text)
    text = re.sub(r"\s*,\s*", ",", text).replace(" )", ")")
    base, paren, rest = text.partition("(")
    base = _SYNONYMS.get(base, base)
    text = base + paren + rest
    if is_mysql(dialect):
        if text in ("boolean", "bool", "tinyint(1)"):
            return "tinyint(1)"
        text = re.sub(r"^(tinyint|smallint|mediumint|integer|bigint)\(\d+\)", r"\1", text)
        text = text.replace(" unsigned", "")
        if dialect == "mariadb" and text == "json":
            return "longtext"
    return text


def expected_type(generic: str, dialect: str) -> str:
    """Return the canonical SQL type a generic ryx type becomes on the dialect."""
    return canonical_type(ryx_core.ddl_column_type(generic, dialect=dialect), dialect)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ comparison


def compare_schema(db: DatabaseSchema, state: ProjectState, *, models: Iterable[str] | None = None) -> list[str]:
    """Return how the database differs from the state (empty when it matches), one sentence per difference."""
    dialect = db.dialect
    wanted = set(models) if models is not None else None
    problems: list[str] = []
    for model in state:
        if wanted is not None and model.label not in wanted:
            continue
        table = db.tables.get(model.table)
        if table is None:
            problems.append(f"table {model.table} ({model.label}) is missing")
            continue
        live = {c.name: c for c in table.columns}
        for name, f in model.fields.items():
            col = live.get(f.column)
            where = f"{model.table}.{f.column}"
            if col is None:
                problems.append(f"column {where} ({model.label}.{name}) is missing")
                continue
            if canonical_type(col.type, dialect) != expected_type(f.db_type, dialect):
                problems.append(f"column {where} is {col.type}, the migrations say {f.db_type}")
            if col.null != f.null and not f.primary_key:
                problems.append(f"column {where} is {'NULL' if col.null else 'NOT NULL'}, the migrations say otherwise")
            if col.primary_key != f.primary_key:
                problems.append(f"column {where} primary key: database {col.primary_key}, migrations {f.primary_key}")
            if f.unique and not any(i.unique and i.columns == (f.column,) for i in table.indexes):
                problems.append(f"column {where} is not UNIQUE in the database")
            if f.has_fk_constraint and not any(
                fk.columns == (f.column,) and fk.ref_table == f.to_table for fk in table.foreign_keys
            ):
                problems.append(f"column {where} has no FOREIGN KEY to {f.to_table}")
            if f.db_index and not any(i.columns[:1] == (f.column,) for i in table.indexes):
                problems.append(f"column {where} has no index")
        expected_columns = {f.column for f in model.fields.values()}
        for extra in sorted(set(live) - expected_columns):
            problems.append(f"column {model.table}.{extra} is not in the migrations")
        for index in model.indexes:
            if not any(i.name == index.name for i in table.indexes):
                problems.append(f"index {index.name} on {model.table} is missing")
        for group in model.unique_together:
            columns = tuple(model.columns_of(group))
            if not any(i.unique and i.columns == columns for i in table.indexes):
                problems.append(f"UNIQUE ({', '.join(columns)}) on {model.table} is missing")
    return problems


__all__ = [
    "ColumnInfo",
    "DatabaseSchema",
    "ForeignKeyInfo",
    "IndexInfo",
    "TableInfo",
    "canonical_type",
    "compare_schema",
    "expected_type",
    "foreign_key_names",
    "introspect",
    "introspect_table",
    "table_names",
]
