"""Custom lookups: SQL templates registered by name, usable in ``filter(field__name=value)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from ryx._core import core

D = TypeVar("D", bound=str | Callable[..., Any])

_custom: set[str] = set()


def register_lookup(name: str, sql_template: str) -> None:
    """Register a lookup: ``{col}`` stands for the column, each ``?`` for the bound value.

    A bad name or a template without ``{col}`` raises `ryx.exceptions.QueryError` (a ValueError).
    """
    if not isinstance(name, str) or not isinstance(sql_template, str):
        raise TypeError(f"register_lookup() takes two str (name, sql_template), not {name!r}, {sql_template!r}")
    core.register_lookup(name, sql_template)
    _custom.add(name)


class _LookupDecorator:
    """Registers the decorated template string, or the decorated function's docstring."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, obj: D) -> D:
        """Register ``obj`` (a str, or a function's stripped docstring if it has one) and return it."""
        if isinstance(obj, str):
            register_lookup(self.name, obj)
            return obj
        doc = (getattr(obj, "__doc__", None) or "").strip()
        if doc:
            register_lookup(self.name, doc)
        return obj


@overload
def lookup(name: str) -> _LookupDecorator: ...
@overload
def lookup(name: str, template: str) -> str: ...
def lookup(name: str, template: str | None = None) -> _LookupDecorator | str:
    """Register a lookup from a template string, or decorate a string or a function whose docstring is one.

    ``@ryx.lookup("ne")`` on a function registers its stripped docstring (none: nothing is registered) and
    returns the function unchanged; ``ryx.lookup("ne")("{col} <> ?")`` registers and returns the string.
    """
    if template is not None:
        register_lookup(name, template)
        return template
    if not isinstance(name, str):
        raise TypeError(f"lookup() takes the lookup name (a str), not {name!r}")
    return _LookupDecorator(name)


def available_lookups() -> list[str]:
    """Return every registered lookup name, built-in and custom, sorted."""
    return sorted(core.available_lookups())


def list_lookups() -> list[str]:
    """Return the built-in lookups."""
    return list(core.list_lookups())


def available_transforms() -> list[str]:
    """Return the transforms (``year``, ``month``, ``key`` ...)."""
    return list(core.available_transforms())


def list_transforms() -> list[str]:
    """Return the transforms (alias of `available_transforms`)."""
    return list(core.list_transforms())


def custom_lookups() -> frozenset[str]:
    """Return the names registered through `register_lookup` in this process."""
    return frozenset(_custom)


__all__ = [
    "available_lookups",
    "available_transforms",
    "custom_lookups",
    "list_lookups",
    "list_transforms",
    "lookup",
    "register_lookup",
]
