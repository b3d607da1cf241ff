"""Results reach the event loop that awaits them: many at once, from loops in several threads, one loop after
another, on loops that cannot watch a socket, and not at all for futures cancelled meanwhile."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ryx_core
from _support.fixtures import Backend, run_blocking


class NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors (as Windows' proactor loop): results come another way."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError


class SlotsLoop(asyncio.SelectorEventLoop):
    """A loop that takes no new attributes (as uvloop's): its inbox is found by weak reference instead."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_ryx"):
            raise AttributeError(name)
        super().__setattr__(name, value)


async def marked() -> Any:
    await ryx_core.execute("SELECT 1")  # a statement that is never answered on the calling thread
    return getattr(asyncio.get_running_loop(), "_ryx_inbox", None)


def run_on(loop_factory: Callable[[], asyncio.AbstractEventLoop], work: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(work)


async def many_queries(n: int) -> list[Any]:
    return list(await asyncio.gather(*(ryx_core.fetch_scalar("SELECT ?", [i]) for i in range(n))))


async def test_many_results_at_once_each_reach_their_awaiter(db: Backend) -> None:
    assert await many_queries(300) == list(range(300))
    # the loop got its inbox (a socket it watches) on first use
    assert type(getattr(asyncio.get_running_loop(), "_ryx_inbox", None)).__name__ == "Inbox"
    rows = await asyncio.gather(*(ryx_core.fetch_all("SELECT ? AS v", [i], as_tuples=True) for i in range(50)))
    assert rows == [[(i,)] for i in range(50)]


async def test_errors_arrive_as_exceptions_of_their_own_query(db: Backend) -> None:
    results = await asyncio.gather(
        ryx_core.fetch_scalar("SELECT ?", [1]),
        ryx_core.fetch_all("SELECT * FROM no_such_table_anywhere"),
        ryx_core.fetch_scalar("SELECT ?", [3]),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 3
    assert isinstance(results[1], ryx_core.ProgrammingError)


async def test_a_cancelled_await_leaves_the_loop_and_the_pool_working(db: Backend) -> None:
    slow = {
        "postgres": "SELECT 1 FROM pg_sleep(0.05)",
        "mysql": "SELECT SLEEP(0.05)",
        "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT COUNT(*) "
        "FROM c",
    }[db.name]
    tasks = [asyncio.ensure_future(ryx_core.fetch_all(slow)) for _ in range(5)]
    await asyncio.sleep(0.005)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.1)  # the cancelled operations finish on their own; their results go nowhere
    assert await many_queries(20) == list(range(20))


def test_loops_in_several_threads_and_one_after_another(live_backend: Backend) -> None:
    def scenario() -> None:
        ryx_core.setup_sync(live_backend.url, max_connections=4)
        try:
            for _ in range(3):  # a new loop each time: each gets its own inbox
                assert asyncio.run(many_queries(30)) == list(range(30))
            with ThreadPoolExecutor(max_workers=3) as pool:
                results = list(pool.map(lambda _: asyncio.run(many_queries(40)), range(6)))
            assert results == [list(range(40))] * 6
        finally:
            ryx_core.close_sync()

    run_blocking(scenario)


def test_loops_that_cannot_watch_sockets_or_take_attributes(live_backend: Backend) -> None:
    def scenario() -> None:
        ryx_core.setup_sync(live_backend.url, max_connections=4)
        try:
            for factory in (NoReaderLoop, SlotsLoop, NoReaderLoop, SlotsLoop):
                assert run_on(factory, many_queries(25)) == list(range(25))
            # the loop that cannot watch a socket is marked as such, the one without attributes has no mark
            assert run_on(NoReaderLoop, marked()) is False
            assert run_on(SlotsLoop, marked()) is None
        finally:
            ryx_core.close_sync()

    run_blocking(scenario)


def test_results_reach_a_loop_busy_in_another_thread(live_backend: Backend) -> None:
    # The loop thread is the only one touching Python objects of the results: a second thread keeps the
    # interpreter busy meanwhile, and every result still arrives intact.
    stop = threading.Event()

    def spin() -> None:
        total = 0
        while not stop.is_set():
            total += sum(range(1000))

    def scenario() -> None:
        ryx_core.setup_sync(live_backend.url, max_connections=4)
        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            assert asyncio.run(many_queries(200)) == list(range(200))
        finally:
            stop.set()
            spinner.join()
            ryx_core.close_sync()

    run_blocking(scenario)
