"""Helpers of the ryx ORM tests: tables from models (or by hand) on the selected backend.

* ``await create_tables(*models, alias=None, foreign_keys=False)`` builds each model's table from its fields
  (and ``Meta.unique_together``) for the current backend with ``ryx_core.ddl_create_table`` (a small fallback
  generator is used when the installed engine lacks it); any leftover table of the same name is dropped first.
* ``with_links(*models)`` adds the auto-created through tables of their ManyToManyFields (create them last).
* ``await drop_tables(*models)`` drops them (children first: pass them in creation order).
* ``async with tables(*models):`` creates them for the block and drops them after it.
* ``unique_name(prefix)`` gives a table name no concurrent run uses; ``await create_raw_table(name, {col: type})``
  creates a table with an auto-increment ``id`` and generic column types (``INTEGER``, ``TEXT``, ``VARCHAR(n)``...).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ryx_core

_counter = itertools.count(1)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Return an environment in which a child Python imports the same ``ryx`` as this process."""
    import ryx

    src = str(Path(ryx.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def unique_name(prefix: str = "t") -> str:
    """Return a table name unique to this process and call."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


def dialect(alias: str | None = None) -> str:
    """Return the ``ryx_core`` dialect of the alias: ``postgres``, ``mysql``, ``mariadb`` or ``sqlite``."""
    backend = ryx_core.get_backend(alias)
    if backend == "PostgreSQL":
        return "postgres"
    if backend == "SQLite":
        return "sqlite"
    return "mariadb" if "mariadb" in ryx_core.server_version(alias).lower() else "mysql"


def quote(name: str, alias: str | None = None) -> str:
    """Quote an identifier for the alias's backend."""
    if dialect(alias) in ("mysql", "mariadb"):
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def _fields(model: Any) -> list[Any]:
    """Return the model's column-backed fields, pk first."""
    meta = model._meta
    fields = getattr(meta, "concrete_fields", None)
    if fields is None:
        fields = [f for f in meta.fields.values() if getattr(f, "column", None)]
    return sorted(fields, key=lambda f: not getattr(f, "primary_key", False))


def _is_auto(field: Any) -> bool:
    """Return True for an auto-increment primary key."""
    flag = getattr(field, "auto_increment", None)
    if flag is not None:
        return bool(flag)
    return bool(field.primary_key) and "AutoField" in type(field).__name__


def columns_of(model: Any) -> list[dict[str, Any]]:
    """Return the ``ddl_create_table`` column dicts of a model."""
    return [
        {
            "name": f.column,
            "type": f.db_type(),
            "null": bool(getattr(f, "null", False)),
            "primary_key": bool(getattr(f, "primary_key", False)),
            "auto_increment": _is_auto(f),
            "unique": bool(getattr(f, "unique", False)) and not getattr(f, "primary_key", False),
        }
        for f in _fields(model)
    ]


def _schema(model: Any, alias: str | None) -> str | None:
    """Return the model's schema on PostgreSQL, else None."""
    schema = getattr(model._meta, "schema", None) or None
    return schema if schema and dialect(alias) == "postgres" else None


def _qualified(model: Any, alias: str | None) -> str:
    """Return the quoted, schema-qualified table name."""
    table = quote(model._meta.table_name, alias)
    schema = _schema(model, alias)
    return f"{quote(schema, alias)}.{table}" if schema else table


def _statements(ddl: Any) -> list[str]:
    """Return the DDL as a list of statements."""
    return [ddl] if isinstance(ddl, str) else list(ddl)


_FK_ACTIONS = {"CASCADE": "CASCADE", "SET_NULL": "SET NULL", "SET_DEFAULT": "SET DEFAULT", "PROTECT": "RESTRICT",
               "RESTRICT": "RESTRICT", "DO_NOTHING": "NO ACTION"}  # fmt: skip


def foreign_keys_of(model: Any, dia: str = "sqlite") -> list[dict[str, Any]]:
    """Return the ``ddl_create_table`` foreign-key dicts of a model's ForeignKey/OneToOneField columns.

    The ON DELETE action mirrors ``on_delete`` (PROTECT is RESTRICT; SET_DEFAULT is NO ACTION on MySQL, which
    lacks it): the ORM applies ``on_delete`` itself, and the constraint must agree with it.
    """
    out = []
    for f in _fields(model):
        remote = getattr(f, "remote_model", None)
        if remote is None or not getattr(f, "db_constraint", True):
            continue
        action = _FK_ACTIONS.get(str(getattr(f, "on_delete", "CASCADE")).upper(), "NO ACTION")
        if action == "SET DEFAULT" and dia in ("mysql", "mariadb"):
            action = "NO ACTION"
        out.append(
            {
                "columns": [f.column],
                "ref_table": remote._meta.table_name,
                "ref_columns": [f.target_field.column],
                "on_delete": action,
            }
        )
    return out


def with_links(*models: Any) -> tuple[Any, ...]:
    """Return ``models`` plus the auto-created through models of their ManyToManyFields, each after its ends."""
    out = list(models)
    for model in models:
        for m2m in getattr(model._meta, "many_to_many", {}).values():
            through = m2m.through_model
            if through not in out:
                out.append(through)
    return tuple(out)


async def create_tables(*models: Any, alias: str | None = None, foreign_keys: bool = False) -> None:
    """Create the tables of ``models`` on the alias (dropping leftovers of the same name first).

    With ``foreign_keys=True`` the ForeignKey columns get FOREIGN KEY constraints (create parents first).
    """
    await drop_tables(*reversed(models), alias=alias)
    for model in models:
        schema = _schema(model, alias)
        if schema:
            await ryx_core.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema, alias)}", alias=alias)
        cols = columns_of(model)
        builder = getattr(ryx_core, "ddl_create_table", None)
        if builder is not None:
            fks = foreign_keys_of(model, dialect(alias)) if foreign_keys else []
            uniques = [
                (None, [model._meta.get_field(name).column for name in group])
                for group in getattr(model._meta, "unique_together", ())
            ]
            ddl = builder(
                model._meta.table_name,
                cols,
                dialect=dialect(alias),
                schema=schema,
                foreign_keys=fks,
                uniques=uniques,
            )
        else:
            ddl = fallback_create_table(_qualified(model, alias), cols, dialect(alias), alias)
        for sql in _statements(ddl):
            await ryx_core.execute(sql, alias=alias)


async def drop_tables(*models: Any, alias: str | None = None) -> None:
    """Drop the tables of ``models`` if they exist."""
    cascade = " CASCADE" if dialect(alias) == "postgres" else ""
    for model in models:
        await ryx_core.execute(f"DROP TABLE IF EXISTS {_qualified(model, alias)}{cascade}", alias=alias)


@contextlib.asynccontextmanager
async def tables(*models: Any, alias: str | None = None, foreign_keys: bool = False) -> AsyncIterator[None]:
    """Create the tables of ``models`` for the block; drop them after it."""
    await create_tables(*models, alias=alias, foreign_keys=foreign_keys)
    try:
        yield
    finally:
        await drop_tables(*reversed(models), alias=alias)


async def create_raw_table(name: str, columns: Mapping[str, str], *, alias: str | None = None) -> str:
    """Create table ``name`` with an auto-increment ``id`` pk and ``{column: generic type}``; return the name."""
    cols = [{"name": "id", "type": "BIGINT", "null": False, "primary_key": True, "auto_increment": True}]
    cols += [
        {"name": c, "type": t, "null": True, "primary_key": False, "auto_increment": False} for c, t in columns.items()
    ]
    await ryx_core.execute(f"DROP TABLE IF EXISTS {quote(name, alias)}", alias=alias)
    for sql in _statements(fallback_create_table(quote(name, alias), cols, dialect(alias), alias)):
        await ryx_core.execute(sql, alias=alias)
    return name


async def drop_raw_tables(names: Iterable[str], *, alias: str | None = None) -> None:
    """Drop tables by name if they exist."""
    for name in names:
        await ryx_core.execute(f"DROP TABLE IF EXISTS {quote(name, alias)}", alias=alias)


# ------------------------------------------------------------------------------------------------ fallback

_MYSQL = {"BOOLEAN": "TINYINT(1)", "UUID": "CHAR(36)", "JSONB": "JSON", "TIMESTAMP": "DATETIME(6)",
          "TIMESTAMPTZ": "DATETIME(6)", "DATETIME": "DATETIME(6)", "DOUBLE PRECISION": "DOUBLE", "BYTEA": "LONGBLOB",
          "BLOB": "LONGBLOB", "TIME": "TIME(6)", "TEXT": "LONGTEXT", "JSON": "JSON", "DURATION": "BIGINT"}  # fmt: skip
_PG = {"DATETIME": "TIMESTAMPTZ", "TIMESTAMPTZ": "TIMESTAMPTZ", "JSON": "JSONB", "BLOB": "BYTEA",
       "DOUBLE": "DOUBLE PRECISION", "DURATION": "BIGINT", "TINYINT": "SMALLINT"}  # fmt: skip
_SQLITE = {"BOOLEAN": "BOOLEAN", "UUID": "TEXT", "JSONB": "TEXT", "JSON": "TEXT", "TIMESTAMP": "TEXT",
           "TIMESTAMPTZ": "TEXT", "DATETIME": "TEXT", "DOUBLE PRECISION": "REAL", "DOUBLE": "REAL", "BYTEA": "BLOB",
           "BIGINT": "INTEGER", "SMALLINT": "INTEGER", "DURATION": "INTEGER"}  # fmt: skip


def _translate(generic: str, dia: str) -> str:
    """Translate a generic column type to the dialect's."""
    key = generic.strip().upper()
    if key.endswith("[]"):
        return {"postgres": generic}.get(dia, "JSON" if dia in ("mysql", "mariadb") else "TEXT")
    if re.fullmatch(r"VARCHAR\(\d+\)", key) and dia == "sqlite":
        return "TEXT"
    table = {"postgres": _PG, "sqlite": _SQLITE}.get(dia, _MYSQL)
    return table.get(key, generic)


def fallback_create_table(qualified: str, cols: Sequence[Mapping[str, Any]], dia: str, alias: str | None) -> str:
    """Return a CREATE TABLE for the column dicts (used until ``ryx_core.ddl_create_table`` is installed)."""
    parts = []
    for col in cols:
        name = quote(col["name"], alias)
        generic = str(col["type"]).upper()
        if col.get("primary_key") and col.get("auto_increment"):
            if dia == "postgres":
                serial = {"BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}.get(generic, "SERIAL")
                parts.append(f"{name} {serial} PRIMARY KEY")
            elif dia == "sqlite":
                parts.append(f"{name} INTEGER PRIMARY KEY AUTOINCREMENT")
            else:
                parts.append(f"{name} {_translate(col['type'], dia)} AUTO_INCREMENT PRIMARY KEY")
            continue
        sql = f"{name} {_translate(col['type'], dia)}"
        if col.get("primary_key"):
            sql += " PRIMARY KEY"
        elif not col.get("null"):
            sql += " NOT NULL"
        if col.get("unique") and not col.get("primary_key"):
            sql += " UNIQUE"
        parts.append(sql)
    return f"CREATE TABLE {qualified} ({', '.join(parts)})"
