"""The one place where the ORM hands statements to `ryx_core`, so that `ryx.count_queries` sees every one.

Callers resolve the alias and the task's transaction themselves (`ryx.transaction.current_tx`); these
functions only run the statement and, while a recorder is open, record its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ryx import querycount
from ryx._core import core
from ryx.querycount import Kind, Statement

_DIALECTS = {"PostgreSQL": "postgres", "MySQL": "mysql", "SQLite": "sqlite"}
_Hints = Any


def dialect_for(alias: str | None, tx: core.Transaction | None) -> str:
    """Return the dialect name of the transaction's backend, else of the alias (``sqlite`` when unknown)."""
    try:
        backend = tx.backend if tx is not None else core.get_backend(alias)
    except core.RyxError:
        return "sqlite"
    return _DIALECTS.get(backend, "sqlite")


_Describe = Callable[[Any], tuple[str, list[Any]]]


def _note(kind: Kind, alias: str | None, tx: core.Transaction | None, sql: _Describe) -> None:
    """Record a statement when a recorder is open (its SQL is only built then)."""
    if not querycount.recording():
        return
    name = tx.alias if tx is not None else alias
    try:
        text, params = sql(dialect_for(alias, tx))
    except core.RyxError as exc:  # the statement itself will raise the same error
        text, params = f"<cannot compile: {exc}>", []
    querycount.record(Statement(text, tuple(params), name, kind))


def note_transaction(sql: str, alias: str | None) -> None:
    """Record a transaction control statement (BEGIN, COMMIT, SAVEPOINT ...)."""
    if querycount.recording():
        querycount.record(Statement(sql, (), alias, "transaction"))


# ------------------------------------------------------------------------------------------------ queries


async def fetch_all(
    query: core.Query, *, alias: str | None, tx: core.Transaction | None, hints: _Hints = None
) -> list[tuple[Any, ...]]:
    """Run a SELECT and return its rows as tuples."""
    _note("select", alias, tx, query.sql)
    rows = await query.fetch_all(alias=alias, tx=tx, as_tuples=True, hints=hints)
    return rows


async def fetch_instances(
    query: core.Query,
    *,
    alias: str | None,
    tx: core.Transaction | None,
    hints: _Hints,
    into: core.Into,
) -> list[Any]:
    """Run a SELECT of a model's columns and return instances built by the engine (``into=``)."""
    if querycount.recording():
        _note("select", alias, tx, query.sql)
    return await query.fetch_all(alias=alias, tx=tx, hints=hints, into=into)


async def fetch_raw_instances(
    sql: str,
    params: list[Any],
    *,
    alias: str | None,
    tx: core.Transaction | None,
    hints: _Hints,
    into: core.Into,
) -> list[Any]:
    """Run the text of a SELECT the ORM compiled earlier with new parameters; instances built by the engine."""
    if querycount.recording():
        _note("select", alias, tx, lambda _dialect: (sql, params))
    return await core.fetch_all(sql, params, alias=alias, tx=tx, hints=hints, into=into)


async def fetch_one(
    query: core.Query, *, alias: str | None, tx: core.Transaction | None, hints: _Hints = None
) -> tuple[Any, ...] | None:
    """Run a SELECT and return its first row (as a tuple), or None."""
    _note("select", alias, tx, lambda d: query.limit(1).sql(d))
    row = await query.fetch_one(alias=alias, tx=tx, as_tuples=True, hints=hints)
    return row  # type: ignore[return-value]


async def fetch_get(
    query: core.Query, *, alias: str | None, tx: core.Transaction | None, hints: _Hints = None
) -> tuple[Any, ...]:
    """Run a SELECT that must give exactly one row (DoesNotExist / MultipleObjectsReturned otherwise)."""
    _note("select", alias, tx, lambda d: query.limit(2).sql(d))
    row = await query.fetch_get(alias=alias, tx=tx, as_tuples=True, hints=hints)
    return row  # type: ignore[return-value]


async def count(query: core.Query, *, alias: str | None, tx: core.Transaction | None) -> int:
    """Run ``SELECT COUNT(*)`` over the query."""
    _note("select", alias, tx, query.count_sql)
    return await query.count(alias=alias, tx=tx)


async def exists(query: core.Query, *, alias: str | None, tx: core.Transaction | None) -> bool:
    """Run ``SELECT EXISTS`` over the query."""
    _note("select", alias, tx, query.exists_sql)
    return await query.exists(alias=alias, tx=tx)


async def update(
    query: core.Query,
    values: Mapping[str, Any],
    *,
    alias: str | None,
    tx: core.Transaction | None,
    pk: str | None = None,
) -> int:
    """Run an UPDATE of the query's rows and return the number of rows changed."""
    _note("update", alias, tx, lambda d: query.update_sql(values, d, pk=pk))
    return await query.update(values, alias=alias, tx=tx, pk=pk)


async def delete(query: core.Query, *, alias: str | None, tx: core.Transaction | None, pk: str | None = None) -> int:
    """Run a DELETE of the query's rows and return the number of rows deleted."""
    _note("delete", alias, tx, lambda d: query.delete_sql(d, pk=pk))
    return await query.delete(alias=alias, tx=tx, pk=pk)


def stream(
    query: core.Query, *, chunk_size: int, alias: str | None, tx: core.Transaction | None, hints: _Hints = None
) -> core.RowStream:
    """Open a server-side cursor over a SELECT (one statement, however many chunks it yields)."""
    _note("select", alias, tx, query.sql)
    return query.stream(chunk_size=chunk_size, alias=alias, tx=tx, as_tuples=True, hints=hints)


# ------------------------------------------------------------------------------------------------ inserts


def _insert_text(table: str, columns: Sequence[str], rows: int) -> _Describe:
    """Return a describer of an INSERT (the engine builds the real statement; the log shows its shape)."""
    placeholders = "(" + ", ".join("?" for _ in columns) + ")"
    text = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}" + (f" x {rows} rows" if rows > 1 else "")
    return lambda _dialect: (text, [])


async def insert(
    table: str,
    values: Mapping[str, Any],
    *,
    returning: Sequence[str] = (),
    schema: str | None = None,
    alias: str | None,
    tx: core.Transaction | None,
) -> dict[str, Any] | None:
    """INSERT one row; return the ``returning`` columns."""
    text = _insert_text(table, list(values), 1)
    _note("insert", alias, tx, lambda d: (text(d)[0], list(values.values())))
    return await core.insert(table, values, returning=returning, schema=schema, alias=alias, tx=tx)


async def bulk_insert(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, alias: str | None, tx: Any, **options: Any
) -> list[Any] | int:
    """INSERT many rows (recorded as one statement; the engine may split it under the parameter limit)."""
    _note("insert", alias, tx, _insert_text(table, columns, len(rows)))
    return await core.bulk_insert(table, columns, rows, alias=alias, tx=tx, **options)


async def bulk_update(
    table: str,
    pk: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, Sequence[Any]]],
    *,
    alias: str | None,
    tx: Any,
    **options: Any,
) -> int:
    """UPDATE many rows by key (recorded as one statement)."""
    text = f"UPDATE {table} SET {', '.join(f'{c} = CASE ...' for c in columns)} WHERE {pk} IN (... {len(rows)} keys)"
    _note("update", alias, tx, lambda _d: (text, []))
    return await core.bulk_update(table, pk, columns, rows, alias=alias, tx=tx, **options)


# ------------------------------------------------------------------------------------------------ raw SQL


def _raw(sql: str, params: Sequence[Any]) -> _Describe:
    """Return a describer of a raw statement."""
    return lambda _dialect: (sql, list(params))


async def raw_fetch_all(
    sql: str, params: Sequence[Any], *, alias: str | None, tx: Any, as_tuples: bool = False
) -> list[Any]:
    """Run raw SQL and return its rows."""
    _note("raw", alias, tx, _raw(sql, params))
    return await core.fetch_all(sql, params, alias=alias, tx=tx, as_tuples=as_tuples)


async def raw_fetch_one(sql: str, params: Sequence[Any], *, alias: str | None, tx: Any) -> Any:
    """Run raw SQL and return its first row as a dict, or None."""
    _note("raw", alias, tx, _raw(sql, params))
    return await core.fetch_one(sql, params, alias=alias, tx=tx)


async def raw_fetch_scalar(sql: str, params: Sequence[Any], *, alias: str | None, tx: Any) -> Any:
    """Run raw SQL and return the first column of its first row."""
    _note("raw", alias, tx, _raw(sql, params))
    return await core.fetch_scalar(sql, params, alias=alias, tx=tx)


async def raw_execute(sql: str, params: Sequence[Any], *, alias: str | None, tx: Any) -> int:
    """Run a raw statement and return the number of rows affected."""
    _note("raw", alias, tx, _raw(sql, params))
    return await core.execute(sql, params, alias=alias, tx=tx)


def raw_fetch_all_sync(sql: str, params: Sequence[Any], *, alias: str | None, tx: Any) -> list[Any]:
    """Blocking `raw_fetch_all`."""
    _note("raw", alias, tx, _raw(sql, params))
    return core.fetch_all_sync(sql, params, alias=alias, tx=tx)


def raw_execute_sync(sql: str, params: Sequence[Any], *, alias: str | None, tx: Any) -> int:
    """Blocking `raw_execute`."""
    _note("raw", alias, tx, _raw(sql, params))
    return core.execute_sync(sql, params, alias=alias, tx=tx)


__all__ = [
    "bulk_insert",
    "bulk_update",
    "count",
    "delete",
    "exists",
    "fetch_all",
    "fetch_get",
    "fetch_one",
    "insert",
    "note_transaction",
    "raw_execute",
    "raw_execute_sync",
    "raw_fetch_all",
    "raw_fetch_all_sync",
    "raw_fetch_one",
    "raw_fetch_scalar",
    "stream",
    "update",
]
