"""Database routing: which alias a model's reads and writes go to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ryx.exceptions import ConfigurationError


class BaseRouter:
    """A router with no opinion; subclass it and override the methods you need (None means no opinion)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        """Return the alias to read ``model`` from, or None."""
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        """Return the alias to write ``model`` to, or None."""
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None) -> bool | None:
        """Return whether the model may be migrated on ``db``, or None."""
        return None


_routers: tuple[Any, ...] = ()
_configured: Any = None


def set_router(router: Any | Sequence[Any] | None) -> None:
    """Install a router (or a list of routers asked in order); None removes it."""
    global _routers, _configured
    if router is None:
        chain: tuple[Any, ...] = ()
    elif isinstance(router, list | tuple):
        chain = tuple(router)
    else:
        chain = (router,)
    for item in chain:
        if isinstance(item, type):
            raise ConfigurationError(
                f"set_router() needs a router instance, not the class {item.__name__}: "
                f"use set_router({item.__name__}())"
            )
        if not any(hasattr(item, m) for m in ("db_for_read", "db_for_write", "allow_migrate")):
            raise ConfigurationError(
                f"{item!r} is not a router: it has none of db_for_read, db_for_write, allow_migrate"
            )
    _routers, _configured = chain, router


def get_router() -> Any:
    """Return the router given to `set_router()`, or None."""
    return _configured


def _ask(method: str, *args: Any, **hints: Any) -> Any:
    """Return the first non-None answer of the routers' ``method``."""
    for router in _routers:
        fn = getattr(router, method, None)
        if fn is None:
            continue
        answer = fn(*args, **hints)
        if answer is not None:
            return answer
    return None


def _checked(answer: Any, method: str) -> str | None:
    """Return the router's alias after checking it is a non-empty string."""
    if answer is None:
        return None
    if not isinstance(answer, str) or not answer:
        raise ConfigurationError(f"router {method}() must return an alias (a non-empty str) or None, not {answer!r}")
    return answer


def _model_database(model: Any) -> str | None:
    """Return ``model._meta.database`` when set."""
    meta = getattr(model, "_meta", None)
    database = getattr(meta, "database", None)
    return database if isinstance(database, str) and database else None


def read_alias(model: Any, using: str | None = None, **hints: Any) -> str | None:
    """Return the alias to read from: ``using`` > router > ``Meta.database`` > None (the default alias)."""
    if using is not None:
        return using
    if _routers:
        routed = _checked(_ask("db_for_read", model, **hints), "db_for_read")
        if routed is not None:
            return routed
    return _model_database(model)


def write_alias(model: Any, using: str | None = None, **hints: Any) -> str | None:
    """Return the alias to write to: ``using`` > router > ``Meta.database`` > None (the default alias)."""
    if using is not None:
        return using
    if _routers:
        routed = _checked(_ask("db_for_write", model, **hints), "db_for_write")
        if routed is not None:
            return routed
    return _model_database(model)


def allow_migrate(db: str, app_label: str, model_name: str | None = None) -> bool:
    """Return whether migrations for the model may run on ``db`` (True when no router decides)."""
    answer = _ask("allow_migrate", db, app_label, model_name)
    return True if answer is None else bool(answer)


db_for_read = read_alias
db_for_write = write_alias

__all__ = [
    "BaseRouter",
    "allow_migrate",
    "db_for_read",
    "db_for_write",
    "get_router",
    "read_alias",
    "set_router",
    "write_alias",
]
