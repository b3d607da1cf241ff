"""Fixtures of the ryx_core tests (loaded as a plugin by conftest.py).

* ``backend``: which database ``--db`` selected (name, URL, quoting); no connection.
* ``oracle``: a raw-driver connection (see oracle.py) to seed data and to check what really happened.
* ``tables``: creates uniquely named tables with per-backend DDL and drops them after the test.
* ``db``: ``ryx_core.setup(url)`` before the test and ``ryx_core.close()`` after it, so every test starts
  from a fresh pool (tests may call ``setup()`` again with other options; teardown closes whatever is
  open). Setup per test costs one connection (a few ms) and keeps tests that close or exhaust pools
  from leaking into the next one.

Teardown order: ``db`` closes the pools first, then ``tables`` drops the tables (a leaked transaction
would otherwise hold MariaDB's metadata lock), then the oracle disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

from _support import ddl
from _support.oracle import Oracle

T = TypeVar("T")

RYX_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL"}


@dataclass(frozen=True)
class Backend:
    name: str  # "sqlite" | "postgres" | "mysql" (also the dialect name for Query.sql())
    url: str
    reachable: bool = True
    detail: str = ""

    @property
    def ryx_name(self) -> str:
        """What ``ryx_core.get_backend()`` answers."""
        return RYX_NAMES[self.name]

    @property
    def dialect(self) -> str:
        return self.name

    @property
    def safe_url(self) -> str:
        parts = urlsplit(self.url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
        return self.url

    def q(self, ident: str) -> str:
        return ddl.quote(self.name, ident)


BACKEND_KEY = pytest.StashKey[Backend]()
ENGINE_KEY = pytest.StashKey[str]()


async def probe_server(name: str, url: str) -> tuple[bool, str]:
    """Connect with the raw driver: (True, server version) or (False, why not)."""
    oracle = Oracle(name, url)
    try:
        version = await asyncio.wait_for(oracle.server_version(), timeout=10)
    except ImportError as exc:
        raise pytest.UsageError(
            f"the test oracle needs the raw driver: {exc}; pip install -r bench/requirements.txt"
        ) from exc
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        with contextlib.suppress(Exception):
            await oracle.close()
    return True, version


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Backend:
    """The selected backend, without connecting (compile-only tests use it too)."""
    return request.config.stash[BACKEND_KEY]


@pytest.fixture
def live_backend(backend: Backend) -> Backend:
    if not backend.reachable:
        pytest.skip(
            f"{backend.name} server unreachable at {backend.safe_url}: {backend.detail} "
            "(RYX_REQUIRE_DB=1 turns this into an error)"
        )
    return backend


@pytest.fixture
async def oracle(live_backend: Backend) -> AsyncIterator[Oracle]:
    o = Oracle(live_backend.name, live_backend.url)
    yield o
    await o.close()


class Tables:
    """Create tables for one test; ``{t}`` in constraint names is replaced by the table name."""

    def __init__(self, oracle: Oracle) -> None:
        self.oracle = oracle
        self.backend = oracle.backend
        self.created: list[str] = []

    async def create(
        self,
        cols: Sequence[ddl.Col],
        *,
        pk: str | None = "id",
        uniques: Mapping[str, Sequence[str]] | None = None,
        checks: Mapping[str, str] | None = None,
        fks: Mapping[str, ddl.ForeignKey] | None = None,
        prefix: str = "rxt",
    ) -> str:
        name = ddl.unique_name(prefix)
        fill = lambda m: {k.format(t=name): v for k, v in (m or {}).items()}  # noqa: E731
        sql = ddl.create_table(
            self.backend, name, cols, pk=pk, uniques=fill(uniques), checks=fill(checks), fks=fill(fks)
        )
        await self.oracle.execute(sql)
        self.created.append(name)
        return name

    async def drop_all(self) -> None:
        for name in reversed(self.created):  # children (FK) were created after their parents
            await self.oracle.execute(ddl.drop_table(self.backend, name))
        self.created.clear()


@pytest.fixture
async def tables(oracle: Oracle) -> AsyncIterator[Tables]:
    t = Tables(oracle)
    yield t
    await t.drop_all()


@pytest.fixture
async def db(live_backend: Backend, tables: Tables) -> AsyncIterator[Backend]:
    """ryx_core set up on the selected backend for this test (alias ``default``)."""
    import ryx_core

    await ryx_core.setup(live_backend.url)
    yield live_backend
    # Bounded: a transaction leaked by a failed test (kept alive by its traceback) must not hang the run.
    with contextlib.suppress(ryx_core.PoolNotInitialized):
        await asyncio.wait_for(ryx_core.close(), timeout=30)


# ------------------------------------------------------------------------------------------ helpers


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    within: float = 5.0,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until ``accept`` holds (for effects the engine completes in the background,
    such as a dropped transaction's rollback); fail with the last value seen after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within}s; last value: {value!r}")
        await asyncio.sleep(0.05)


async def assert_settled(oracle: Oracle, *, alias: str | None = None, within: float = 5.0) -> None:
    """After a test's disturbances: no transaction left open on the server (or, on SQLite, no write lock
    held), no connection checked out of the pool, and the pool still answers correctly."""
    import ryx_core

    await eventually(oracle.open_transactions, lambda rows: rows == [], within=within, what="no open transaction")
    if oracle.backend == "sqlite":
        await eventually(oracle.sqlite_write_lock_free, bool, within=within, what="SQLite write lock released")

    async def in_use() -> int:
        return int(ryx_core.pool_stats(alias)["in_use"])

    await eventually(in_use, lambda n: n == 0, within=within, what="pool_stats()['in_use'] == 0")
    assert await ryx_core.fetch_scalar("SELECT 42", alias=alias) == 42


def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a fresh plain thread (no event loop there) and return its result or raise its error."""
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="ryx-plain-thread")
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), f"{fn!r} still running after 60 s in a plain thread"
    if "error" in box:
        raise box["error"]
    return box["value"]
