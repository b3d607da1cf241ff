"""The query cache: cached rows of ``await qs.cache()``, invalidated when the model is written.

Contract with the QuerySet (which mixes in `CachedQueryMixin`):

* ``qs.cache(ttl=None, key=None)`` returns a clone whose ``_cache_options`` is set (the host class's
  ``_clone()`` must copy that attribute; without ``_clone`` a shallow copy is made).
* When it evaluates (``await qs`` / iteration), the QuerySet compiles its SELECT for the resolved alias and
  calls ``await self._cached_rows(model_name, sql, params, alias, fetch)`` where ``fetch()`` runs the query
  and returns the rows as the engine decoded them (tuples in ``concrete_fields`` order). It then builds
  instances from those rows exactly as on a miss, so a hit returns model instances too.
* The key is `make_cache_key(model_name, sql, params, alias)`: the bound parameters and the alias are part of
  it. An explicit ``key`` is namespaced as ``ryx:<Model>:k:<key>`` so model invalidation reaches it.
* No cache is read or written inside a transaction (its rows may never be committed).
* Writes invalidate: receivers on ``post_save``, ``post_delete``, ``post_update``, ``post_bulk_delete`` and
  ``post_bulk_create`` call `invalidate_model(sender)` (once more after the enclosing transaction commits).
  Writers that send no signal call ``await ryx.cache.invalidate_model(model)`` themselves; raw writes
  (``raw_execute``) clear the whole cache.
"""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import hashlib
import json
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

from ryx import signals
from ryx._core import core

PREFIX = "ryx"


class AbstractCache(ABC):
    """A cache backend; every method is async."""

    @abstractmethod
    async def get(self, key: str) -> Any:
        """Return the value stored under ``key``, or None when missing or expired."""

    @abstractmethod
    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (None: the backend's default; 0: forever)."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key``."""

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Remove every key of ``keys``."""
        for key in keys:
            await self.delete(key)

    @abstractmethod
    async def clear(self) -> None:
        """Remove every entry."""

    @abstractmethod
    async def keys(self, pattern: str = "*") -> list[str]:
        """Return the live keys matching the fnmatch ``pattern``."""


class MemoryCache(AbstractCache):
    """An in-process LRU cache with a default time to live (``ttl`` None or 0: no expiry)."""

    def __init__(self, max_size: int = 1000, ttl: float | None = 300) -> None:
        """Create an empty cache holding at most ``max_size`` entries."""
        if not isinstance(max_size, int) or max_size < 1:
            raise ValueError(f"MemoryCache max_size must be a positive int, not {max_size!r}")
        if ttl is not None and ttl < 0:
            raise ValueError(f"MemoryCache ttl must be >= 0 or None, not {ttl!r}")
        self.max_size = max_size
        self.ttl = ttl
        self._data: OrderedDict[str, tuple[float | None, Any]] = OrderedDict()
        self._lock = threading.Lock()  # no await happens while it is held, so it is safe in any loop

    def _expiry(self, ttl: float | None) -> float | None:
        """Return the deadline of an entry stored now."""
        seconds = self.ttl if ttl is None else ttl
        return time.monotonic() + seconds if seconds else None

    async def get(self, key: str) -> Any:
        """Return the value stored under ``key``, or None when missing or expired."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            deadline, value = entry
            if deadline is not None and deadline <= time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = (self._expiry(ttl), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_size:
                self._data.popitem(last=False)

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        with self._lock:
            self._data.pop(key, None)

    async def clear(self) -> None:
        """Remove every entry."""
        self.clear_now()

    def clear_now(self) -> None:
        """Remove every entry (blocking call)."""
        with self._lock:
            self._data.clear()

    async def keys(self, pattern: str = "*") -> list[str]:
        """Return the live keys matching the fnmatch ``pattern``."""
        now = time.monotonic()
        with self._lock:
            return [
                k
                for k, (deadline, _) in self._data.items()
                if (deadline is None or deadline > now) and fnmatch.fnmatchcase(k, pattern)
            ]

    def size(self) -> int:
        """Return the number of entries, expired ones included."""
        return len(self._data)


_backend: AbstractCache | None = None
_generation = 0
_RECEIVER_UID = "ryx.cache.invalidate_on_write"
_WRITE_SIGNALS = (
    signals.post_save,
    signals.post_delete,
    signals.post_update,
    signals.post_bulk_delete,
    signals.post_bulk_create,
)


def configure_cache(backend: AbstractCache | None, auto_invalidate: bool = True) -> None:
    """Install the cache backend (None disables caching); with ``auto_invalidate`` writes invalidate it."""
    global _backend
    if backend is not None and not isinstance(backend, AbstractCache):
        raise TypeError(f"configure_cache() needs an AbstractCache (such as MemoryCache()), not {backend!r}")
    _backend = backend
    _bump()
    for signal in _WRITE_SIGNALS:
        if backend is not None and auto_invalidate:
            signal.connect(_invalidate_on_write, weak=False, dispatch_uid=_RECEIVER_UID)  # once, however often called
        else:
            signal.disconnect(dispatch_uid=_RECEIVER_UID)


def get_cache() -> AbstractCache | None:
    """Return the configured backend, or None."""
    return _backend


def _bump() -> None:
    """Invalidate results being fetched right now (they must not be stored)."""
    global _generation
    _generation += 1


def _encode(value: Any) -> Any:
    """Encode a bound parameter that JSON cannot hold, keeping its type in the key."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, core.Json):
        return {"Json": value.value}
    return {type(value).__name__: repr(value)}


def make_cache_key(model_name: str, sql: str, params: Sequence[Any] | None = (), alias: str | None = None) -> str:
    """Return ``"ryx:<Model>:<hash>"`` of the SQL, its bound parameters and the alias."""
    payload = json.dumps(
        {"sql": sql, "params": list(params or ()), "alias": alias}, default=_encode, sort_keys=True, allow_nan=True
    )
    return f"{PREFIX}:{model_name}:{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


def explicit_key(model_name: str, key: str) -> str:
    """Return the stored form of a user-given key (namespaced so model invalidation reaches it)."""
    return f"{PREFIX}:{model_name}:k:{key}"


def _model_name(model: Any) -> str:
    """Return the cache name of a model class, instance or name."""
    if isinstance(model, str):
        return model
    cls = model if isinstance(model, type) else type(model)
    return cls.__name__


def _glob_escape(text: str) -> str:
    """Escape fnmatch's special characters."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


async def invalidate(key: str) -> None:
    """Remove one entry: a full key, or a key given to ``qs.cache(key=...)``."""
    if _backend is None:
        return
    await _backend.delete(key)
    await _backend.delete_many(await _backend.keys(f"{PREFIX}:*:k:{_glob_escape(key)}"))


async def invalidate_model(model: Any) -> None:
    """Remove every entry of a model (class, instance or name)."""
    if _backend is None:
        return
    _bump()
    await _backend.delete_many(await _backend.keys(f"{PREFIX}:{_glob_escape(_model_name(model))}:*"))


async def invalidate_all() -> None:
    """Remove every entry."""
    _bump()
    if _backend is not None:
        await _backend.clear()


def clear_now() -> None:
    """Remove every entry from blocking code (a custom backend is cleared on a private loop if none runs)."""
    _bump()
    if _backend is None:
        return
    if isinstance(_backend, MemoryCache):
        _backend.clear_now()
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        from ryx.sync import run_sync

        run_sync(_backend.clear())
    else:
        from ryx.transaction import _spawn

        _spawn(_backend.clear())


async def _invalidate_on_write(sender: Any, **kwargs: Any) -> None:
    """Invalidate the written model now, and again when the writer's transactions commit."""
    await invalidate_model(sender)
    from ryx.transaction import on_commit, owned_aliases

    for alias in owned_aliases():
        on_commit(lambda: invalidate_model(sender), alias)


@dataclass(frozen=True)
class CacheOptions:
    """What ``qs.cache(ttl, key)`` asked for."""

    ttl: float | None = None
    key: str | None = None


Rows = list[Any]


async def fetch_cached(
    options: CacheOptions | None,
    model_name: str,
    sql: str,
    params: Sequence[Any],
    alias: str | None,
    fetch: Callable[[], Awaitable[Rows]],
) -> Rows:
    """Return the rows of a query from the cache, or run ``fetch()`` and store them."""
    from ryx.transaction import current_tx

    backend = _backend
    if options is None or backend is None or current_tx(alias) is not None:
        return await fetch()
    if options.key is not None:
        key = explicit_key(model_name, options.key)
    else:
        key = make_cache_key(model_name, sql, params, alias)
    hit = await backend.get(key)
    if hit is not None:
        return copy.deepcopy(list(hit))
    generation = _generation
    rows = list(await fetch())
    if generation == _generation:  # no write invalidated the model while we were reading
        await backend.set(key, copy.deepcopy(rows), ttl=options.ttl)
    return rows


class CachedQueryMixin:
    """QuerySet side of the cache: `cache()` and `_cached_rows()` (see the module docstring)."""

    _cache_options: CacheOptions | None = None

    def cache(self, ttl: float | None = None, key: str | None = None) -> Self:
        """Return a copy of this query whose results are cached for ``ttl`` seconds (None: the default)."""
        if ttl is not None and (not isinstance(ttl, int | float) or isinstance(ttl, bool) or ttl < 0):
            raise ValueError(f"cache() ttl must be a number of seconds >= 0 or None, not {ttl!r}")
        if key is not None and (not isinstance(key, str) or not key):
            raise ValueError(f"cache() key must be a non-empty str or None, not {key!r}")
        clone_fn = getattr(self, "_clone", None)
        clone: Self = clone_fn() if callable(clone_fn) else copy.copy(self)
        clone._cache_options = CacheOptions(ttl, key)
        return clone

    async def _cached_rows(
        self,
        model_name: str,
        sql: str,
        params: Sequence[Any],
        alias: str | None,
        fetch: Callable[[], Awaitable[Rows]],
    ) -> Rows:
        """Return the query's rows through the cache when ``cache()`` was called, else ``await fetch()``."""
        return await fetch_cached(self._cache_options, model_name, sql, params, alias, fetch)


__all__ = [
    "AbstractCache",
    "CacheOptions",
    "CachedQueryMixin",
    "MemoryCache",
    "clear_now",
    "configure_cache",
    "explicit_key",
    "fetch_cached",
    "get_cache",
    "invalidate",
    "invalidate_all",
    "invalidate_model",
    "make_cache_key",
]
