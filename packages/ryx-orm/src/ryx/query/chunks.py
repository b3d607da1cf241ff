"""Splitting key lists under each backend's limit of bound parameters per statement."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from ryx._core import core

_T = TypeVar("_T")

#: Parameters left free for the rest of a statement when a key list is chunked.
_MARGIN = 100
_limits: dict[tuple[str | None, str], int] = {}


def param_limit(alias: str | None) -> int:
    """Return how many bound parameters one statement may carry on the alias's backend.

    PostgreSQL and MySQL/MariaDB take 65535; SQLite takes 32766 since 3.32 and 999 before it.
    """
    try:
        backend = core.get_backend(alias)
    except core.RyxError:
        return 999
    key = (alias, backend)
    limit = _limits.get(key)
    if limit is None:
        if backend == "SQLite":
            limit = 999
            try:
                parts = tuple(int(p) for p in core.server_version(alias).split(".")[:2])
                if parts >= (3, 32):
                    limit = 32766
            except (core.RyxError, ValueError):
                pass
        else:
            limit = 65535
        _limits[key] = limit
    return limit


#: Overrides the chunk size (tests set it low to check that chunking happens); None uses `param_limit`.
chunk_size_override: int | None = None


def chunk_size(alias: str | None) -> int:
    """Return how many keys one ``IN (...)`` list may hold on the alias."""
    if chunk_size_override is not None:
        return chunk_size_override
    return max(param_limit(alias) - _MARGIN, 1)


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(values: Any) -> list[Any]:
    """Return the values without duplicates and without None, in first-seen order."""
    return [v for v in dict.fromkeys(values) if v is not None]


__all__ = ["chunk_size", "chunk_size_override", "chunks", "param_limit", "unique"]
