"""Parameterised raw SQL (the original ``pool_ext`` names), transaction-aware like `ryx.executor_helpers`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ryx.executor_helpers import Row, raw_execute, raw_fetch


async def execute_with_params(sql: str, values: Sequence[Any] | None = None, alias: str | None = None) -> int:
    """Run a statement with ``?`` placeholders bound to ``values``; return the rows affected."""
    if isinstance(values, str):
        raise TypeError(f"values must be a list or tuple, not the str {values!r}")
    return await raw_execute(sql, values, alias)


async def fetch_with_params(sql: str, values: Sequence[Any] | None = None, alias: str | None = None) -> list[Row]:
    """Run a query with ``?`` placeholders bound to ``values``; return the rows as dicts."""
    if isinstance(values, str):
        raise TypeError(f"values must be a list or tuple, not the str {values!r}")
    return await raw_fetch(sql, values, alias)


__all__ = ["execute_with_params", "fetch_with_params"]
