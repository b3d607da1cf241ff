"""Raw SQL with bound parameters, run on the caller's open transaction when there is one.

Placeholders are ``?`` on every backend (``$1`` also works on PostgreSQL). Values are always bound, never
formatted into the SQL. For compatibility with the original signature ``raw_fetch(sql, alias)``, a str given
in the ``params`` position is taken as the alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

from ryx import execution
from ryx.transaction import current_tx

Row = dict[str, Any]


def _split(params: Sequence[Any] | str | None, alias: str | None) -> tuple[list[Any], str | None]:
    """Return the parameter list and alias, checking their types."""
    if isinstance(params, str):
        if alias is not None:
            raise TypeError(f"params must be a list or tuple of values, not the str {params!r}")
        return [], params  # raw_fetch(sql, "alias"): the original signature
    if params is None:
        values: list[Any] = []
    elif isinstance(params, Mapping):
        raise TypeError("named parameters are not supported: use ? placeholders and a list of values")
    elif isinstance(params, bytes | bytearray) or not isinstance(params, Sequence):
        raise TypeError(f"params must be a list or tuple of values, not {type(params).__name__}")
    else:
        values = list(params)
    if alias is not None and (not isinstance(alias, str) or not alias):
        raise TypeError(f"alias must be a non-empty str or None, not {alias!r}")
    return values, alias


def _check_sql(sql: Any) -> str:
    """Return ``sql`` after checking it is a non-empty str."""
    if not isinstance(sql, str) or not sql.strip():
        raise TypeError(f"sql must be a non-empty str, not {sql!r}")
    return sql


@overload
async def raw_fetch(
    sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None, *, as_tuples: Literal[False] = False
) -> list[Row]: ...
@overload
async def raw_fetch(
    sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None, *, as_tuples: Literal[True]
) -> list[tuple[Any, ...]]: ...
async def raw_fetch(
    sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None, *, as_tuples: bool = False
) -> list[Row] | list[tuple[Any, ...]]:
    """Run a query with bound ``?`` parameters and return its rows as dicts (or tuples)."""
    values, name = _split(params, alias)
    rows = await execution.raw_fetch_all(_check_sql(sql), values, alias=name, tx=current_tx(name), as_tuples=as_tuples)
    return rows


async def raw_fetch_one(sql: str, params: Sequence[Any] | None = None, alias: str | None = None) -> Row | None:
    """Run a query with bound parameters and return its first row as a dict, or None."""
    values, name = _split(params, alias)
    row: Row | None = await execution.raw_fetch_one(_check_sql(sql), values, alias=name, tx=current_tx(name))
    return row


async def raw_fetch_scalar(sql: str, params: Sequence[Any] | None = None, alias: str | None = None) -> Any:
    """Run a query with bound parameters and return the first column of its first row (None if no row)."""
    values, name = _split(params, alias)
    return await execution.raw_fetch_scalar(_check_sql(sql), values, alias=name, tx=current_tx(name))


async def raw_execute(sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None) -> int:
    """Run a statement with bound ``?`` parameters and return the number of rows affected.

    The query cache is cleared, since the statement may have written any table.
    """
    values, name = _split(params, alias)
    count = await execution.raw_execute(_check_sql(sql), values, alias=name, tx=current_tx(name))
    from ryx import cache

    await cache.invalidate_all()
    return count


def raw_fetch_sync(sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None) -> list[Row]:
    """Blocking `raw_fetch` (no event loop needed)."""
    values, name = _split(params, alias)
    rows = execution.raw_fetch_all_sync(_check_sql(sql), values, alias=name, tx=current_tx(name))
    return rows


def raw_execute_sync(sql: str, params: Sequence[Any] | str | None = None, alias: str | None = None) -> int:
    """Blocking `raw_execute` (no event loop needed)."""
    values, name = _split(params, alias)
    count = execution.raw_execute_sync(_check_sql(sql), values, alias=name, tx=current_tx(name))
    from ryx import cache

    cache.clear_now()
    return count


__all__ = [
    "raw_execute",
    "raw_execute_sync",
    "raw_fetch",
    "raw_fetch_one",
    "raw_fetch_scalar",
    "raw_fetch_sync",
]
