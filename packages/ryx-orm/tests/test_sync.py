"""The sync bridge: run_sync never blocks a running loop; blocking calls work from threads with no loop."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Generator
from typing import Any

import pytest
import ryx
from ryx.executor_helpers import raw_fetch_sync

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def add(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


def in_thread(fn: Any) -> Any:
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(fn())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def test_run_sync_without_a_loop() -> None:
    assert ryx.run_sync(add(1, 2)) == 3
    assert in_thread(lambda: ryx.run_sync(add(2, 3))) == 5
    assert ryx.run_sync(add(4, 4)) == 8  # again: each call gets a fresh private loop


def test_run_sync_accepts_any_awaitable() -> None:
    class Deferred:
        def __await__(self) -> Generator[Any, None, str]:
            yield from asyncio.sleep(0).__await__()
            return "done"

    assert ryx.run_sync(Deferred()) == "done"
    with pytest.raises(TypeError, match="awaitable"):
        ryx.run_sync(42)  # type: ignore[arg-type]


async def test_run_sync_inside_a_running_loop_raises_instead_of_blocking() -> None:
    """Defect 32: no hidden worker thread blocking the loop; the coroutine is closed, not leaked."""
    with pytest.raises(RuntimeError, match="await"):
        ryx.run_sync(add(1, 1))
    with pytest.raises(RuntimeError, match="await"):
        ryx.async_to_sync(add)(1, 1)


def test_run_sync_propagates_errors() -> None:
    async def fail() -> None:
        raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        ryx.run_sync(fail())


def test_async_to_sync_keeps_the_name() -> None:
    wrapped = ryx.async_to_sync(add)
    assert wrapped(5, 6) == 11
    assert wrapped.__name__ == "add"


async def test_sync_to_async_runs_in_a_thread_with_the_context() -> None:
    VAR.set("from the task")

    def blocking(x: int) -> tuple[int, str, bool]:
        return x * 2, VAR.get(), threading.current_thread() is threading.main_thread()

    assert await ryx.sync_to_async(blocking)(21) == (42, "from the task", False)
    assert await ryx.sync_to_async(blocking, thread_sensitive=False)(1) == (2, "from the task", False)
    assert await ryx.run_async(blocking, 3) == (6, "from the task", False)


async def test_thread_sensitive_calls_share_one_thread() -> None:
    idents = await asyncio.gather(*(ryx.sync_to_async(threading.get_ident)() for _ in range(5)))
    assert len(set(idents)) == 1


async def test_sync_to_async_errors() -> None:
    def boom() -> None:
        raise ValueError("blocking failed")

    with pytest.raises(ValueError, match="blocking failed"):
        await ryx.sync_to_async(boom)()
    with pytest.raises(TypeError, match="already async"):
        ryx.sync_to_async(add)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        ryx.sync_to_async(3)  # type: ignore[arg-type]


def test_database_calls_from_threads_without_a_loop(db: str) -> None:
    """The pool set up by the async fixture serves blocking calls and run_sync from plain threads."""
    assert in_thread(lambda: raw_fetch_sync("SELECT 7 AS n")) == [{"n": 7}]
    assert in_thread(lambda: ryx.run_sync(ryx.raw_fetch("SELECT 8 AS n"))) == [{"n": 8}]
    assert ryx.run_sync(ryx.raw_fetch("SELECT ? AS n", [9])) == [{"n": 9}]
