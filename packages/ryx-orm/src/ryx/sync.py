"""The bridge between blocking code and the async API.

`run_sync` runs an awaitable from code that has no running event loop (a script, a thread, a WSGI view).
Called from inside a running loop it raises instead of blocking that loop: ``await`` the call there.
For blocking database calls without any event loop, the engine also has ``_sync`` variants
(`ryx.setup_sync`, `ryx.transaction_sync`, `ryx.executor_helpers.raw_fetch_sync`, ...).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_sensitive_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _in_running_loop() -> bool:
    """Return True when the calling thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _await(awaitable: Awaitable[R]) -> R:
    """Await any awaitable (a coroutine wrapper for `asyncio.Runner`)."""
    return await awaitable


def run_sync(awaitable: Awaitable[R]) -> R:
    """Run a coroutine (or a QuerySet, or any awaitable) to completion from blocking code and return its result.

    Raises RuntimeError when called from a thread whose event loop is running: blocking it would freeze
    every other task, so ``await`` the call there (or run the blocking code with `sync_to_async`).
    """
    if not inspect.isawaitable(awaitable):
        raise TypeError(f"run_sync() needs a coroutine or another awaitable, not {type(awaitable).__name__}")
    if _in_running_loop():
        if inspect.iscoroutine(awaitable):
            awaitable.close()  # never awaited: close it so Python does not warn about it
        raise RuntimeError(
            "run_sync() was called from a running event loop, which it would block; "
            "`await` the call instead (or move the blocking code into a thread with ryx.sync_to_async)"
        )
    coro: Coroutine[Any, Any, R] = awaitable if inspect.iscoroutine(awaitable) else _await(awaitable)
    with asyncio.Runner() as runner:
        return runner.run(coro)


def async_to_sync(fn: Callable[P, Awaitable[R]]) -> Callable[P, R]:
    """Wrap an async function so that calling it from blocking code runs it with `run_sync`."""
    if not callable(fn):
        raise TypeError(f"async_to_sync() needs an async function, not {fn!r}")

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return run_sync(fn(*args, **kwargs))

    return wrapper


def _sensitive() -> ThreadPoolExecutor:
    """Return the single thread that runs thread-sensitive blocking calls, one at a time."""
    global _sensitive_executor
    with _executor_lock:
        if _sensitive_executor is None:
            _sensitive_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ryx-sync")
        return _sensitive_executor


def sync_to_async(fn: Callable[P, R], *, thread_sensitive: bool = True) -> Callable[P, Awaitable[R]]:
    """Wrap a blocking function so that ``await wrapper(...)`` runs it in a worker thread.

    With ``thread_sensitive=True`` every such call runs on one shared thread, one at a time (for code that
    is not thread-safe); with False each runs on the loop's default executor. ContextVars are copied.
    """
    if not callable(fn):
        raise TypeError(f"sync_to_async() needs a callable, not {fn!r}")
    if inspect.iscoroutinefunction(fn):
        raise TypeError(f"sync_to_async() wraps blocking functions; {fn!r} is already async")

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, fn, *args, **kwargs)
        return await loop.run_in_executor(_sensitive() if thread_sensitive else None, call)

    return wrapper


async def run_async(sync_fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking function in the loop's default executor and return its result."""
    return await sync_to_async(sync_fn, thread_sensitive=False)(*args, **kwargs)


__all__ = ["async_to_sync", "run_async", "run_sync", "sync_to_async"]
