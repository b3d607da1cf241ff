"""Connection pools: `setup()`, `close()` and introspection, over the engine's alias registry."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ryx._core import core
from ryx.exceptions import ConfigurationError

URL_ENV = "RYX_DATABASE_URL"
_ALIAS_ENV = re.compile(r"^RYX_DB_(?P<alias>[A-Za-z0-9_]+)_URL$")

UrlSpec = str | Mapping[str, str | Mapping[str, Any]]


def urls_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ``{alias: url}`` from ``RYX_DB_<ALIAS>_URL`` and ``RYX_DATABASE_URL`` (the ``default`` alias)."""
    env = os.environ if environ is None else environ
    urls: dict[str, str] = {}
    for key, value in env.items():
        match = _ALIAS_ENV.match(key)
        if match and value.strip():
            urls[match["alias"].lower()] = value.strip()
    default = env.get(URL_ENV, "").strip()
    if default and "default" not in urls:
        urls["default"] = default
    return urls


def _resolve(urls: UrlSpec | None) -> UrlSpec:
    """Return the URLs to use, reading the environment when ``urls`` is None."""
    if urls is None:
        found = urls_from_env()
        if not found:
            raise ConfigurationError(
                f"ryx.setup() got no URL and none is configured: pass one (ryx.setup('sqlite://app.db')), "
                f"or set {URL_ENV} (the default alias), or RYX_DB_<ALIAS>_URL for named aliases"
            )
        return found
    if isinstance(urls, str):
        if not urls.strip():
            raise ConfigurationError("ryx.setup() got an empty URL")
        return urls
    if isinstance(urls, Mapping):
        if not urls:
            raise ConfigurationError("ryx.setup() got an empty mapping of aliases; give at least one {alias: url}")
        return urls
    raise ConfigurationError(f"ryx.setup() takes a URL string or a mapping {{alias: url}}, not {type(urls).__name__}")


async def setup(
    urls: UrlSpec | None = None,
    *,
    max_connections: int = 10,
    min_connections: int = 1,
    connect_timeout: float = 30.0,
    idle_timeout: float | None = 600.0,
    max_lifetime: float | None = 1800.0,
    statement_cache_size: int = 100,
    sqlite_journal_mode: str | None = None,
    sqlite_busy_timeout: float = 5.0,
) -> None:
    """Create one pool per alias, replacing any earlier setup (a failed setup changes nothing).

    ``urls`` is one URL (alias ``"default"``), a mapping ``{alias: url}`` (a value may be a mapping with a
    ``"url"`` key and per-alias pool options), or None to read ``RYX_DATABASE_URL`` / ``RYX_DB_<ALIAS>_URL``.
    """
    await core.setup(
        _resolve(urls),
        max_connections=max_connections,
        min_connections=min_connections,
        connect_timeout=connect_timeout,
        idle_timeout=idle_timeout,
        max_lifetime=max_lifetime,
        statement_cache_size=statement_cache_size,
        sqlite_journal_mode=sqlite_journal_mode,
        sqlite_busy_timeout=sqlite_busy_timeout,
    )
    await _forget_cached_queries_async()


def setup_sync(
    urls: UrlSpec | None = None,
    *,
    max_connections: int = 10,
    min_connections: int = 1,
    connect_timeout: float = 30.0,
    idle_timeout: float | None = 600.0,
    max_lifetime: float | None = 1800.0,
    statement_cache_size: int = 100,
    sqlite_journal_mode: str | None = None,
    sqlite_busy_timeout: float = 5.0,
) -> None:
    """Blocking `setup()`, safe in a thread with no event loop."""
    core.setup_sync(
        _resolve(urls),
        max_connections=max_connections,
        min_connections=min_connections,
        connect_timeout=connect_timeout,
        idle_timeout=idle_timeout,
        max_lifetime=max_lifetime,
        statement_cache_size=statement_cache_size,
        sqlite_journal_mode=sqlite_journal_mode,
        sqlite_busy_timeout=sqlite_busy_timeout,
    )
    _forget_cached_queries()


async def close(alias: str | None = None) -> None:
    """Close one alias's pool, or every pool when ``alias`` is None."""
    await core.close(alias)
    await _forget_cached_queries_async()


def close_sync(alias: str | None = None) -> None:
    """Blocking `close()`."""
    core.close_sync(alias)
    _forget_cached_queries()


def is_connected(db_alias: str | None = "default") -> bool:
    """Return True if a pool exists for the alias (None: any pool); the server is not pinged."""
    return core.is_connected(db_alias)


def pool_stats(alias: str | None = None) -> dict[str, Any]:
    """Return ``{"alias", "backend", "size", "idle", "in_use", "max_connections", "min_connections"}``."""
    return core.pool_stats(alias)


def list_aliases() -> list[str]:
    """Return the configured aliases, sorted."""
    return sorted(core.list_aliases())


def default_alias() -> str | None:
    """Return the alias used when none is given (None before `setup()`)."""
    return core.default_alias()


def get_backend(alias: str | None = None) -> str:
    """Return ``"PostgreSQL"``, ``"MySQL"`` or ``"SQLite"`` for the alias."""
    return core.get_backend(alias)


def server_version(alias: str | None = None) -> str:
    """Return the server's version string for the alias."""
    return core.server_version(alias)


def _forget_cached_queries() -> None:
    """Drop the query cache's entries: the pools they were read from are gone."""
    from ryx import cache

    cache.clear_now()


async def _forget_cached_queries_async() -> None:
    """Drop the query cache's entries (async code)."""
    from ryx import cache

    await cache.invalidate_all()


__all__ = [
    "URL_ENV",
    "close",
    "close_sync",
    "default_alias",
    "get_backend",
    "is_connected",
    "list_aliases",
    "pool_stats",
    "server_version",
    "setup",
    "setup_sync",
    "urls_from_env",
]
