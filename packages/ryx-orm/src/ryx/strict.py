"""Strict relations: an opt-in mode in which reading a relation that would need a query raises instead.

``with ryx.strict_relations():`` (or ``async with``) applies to the current task; ``set_strict_relations(True)``
changes the default for the whole process (tests, development). Forward relations never query on their own,
in any mode; in strict mode the reverse and many-to-many managers must be served by ``prefetch_related``
(or the code must ask explicitly: ``await obj.fetch_related(...)``, ``Model.objects...``).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from ryx.fields.related import RelatedObjectNotLoaded


class StrictRelationError(RelatedObjectNotLoaded):
    """A relation was read in strict mode and it was not loaded by the query (it would have run a query)."""


_default = False
_mode: ContextVar[bool | None] = ContextVar("ryx_strict_relations", default=None)


def set_strict_relations(enabled: bool) -> None:
    """Turn strict relations on or off by default (a `strict_relations` block still decides inside it)."""
    global _default
    if not isinstance(enabled, bool):
        raise TypeError(f"set_strict_relations() takes True or False, not {enabled!r}")
    _default = enabled


def is_strict() -> bool:
    """Return True when relation reads that need a query must raise."""
    mode = _mode.get()
    return _default if mode is None else mode


def check(owner: Any, name: str, hint: str) -> None:
    """Raise `StrictRelationError` in strict mode: ``owner.name`` would run a query the code did not ask for."""
    if is_strict():
        raise StrictRelationError(
            f"strict relations: reading {type(owner).__name__}.{name} would run a query that was not asked for. {hint}"
        )


class strict_relations:
    """Context manager (``with`` and ``async with``) turning strict relations on (or off with ``False``)."""

    def __init__(self, enabled: bool = True) -> None:
        """Choose the mode inside the block."""
        if not isinstance(enabled, bool):
            raise TypeError(f"strict_relations() takes True or False, not {enabled!r}")
        self.enabled = enabled
        self._token: Any = None

    def __enter__(self) -> strict_relations:
        """Enter strict mode."""
        self._token = _mode.set(self.enabled)
        return self

    def __exit__(self, *exc: object) -> None:
        """Restore the previous mode."""
        _mode.reset(self._token)

    async def __aenter__(self) -> strict_relations:
        """Enter strict mode."""
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        """Restore the previous mode."""
        self.__exit__(*exc)


__all__ = ["StrictRelationError", "check", "is_strict", "set_strict_relations", "strict_relations"]
