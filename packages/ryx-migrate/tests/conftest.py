"""pytest configuration of the ryx-migrate tests: ``--db sqlite|postgres|mysql`` and fixtures.

* ``db``: ``ryx.setup(url)`` for the test (alias ``default``) and ``ryx.close()`` after; yields the backend.
* ``db_url``: the database URL (SQLite: a fresh file per test).
* ``prefix``: a table-name prefix unique to the test, with every table starting with it dropped afterwards.
* ``migdir``: an empty migrations directory.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import ryx
import ryx_core

DEFAULT_URLS = {"postgres": "postgres://postgres@127.0.0.1:5432/test", "mysql": "mysql://root@127.0.0.1:3306/test"}
ENV = {"postgres": "RYX_TEST_POSTGRES_URL", "mysql": "RYX_TEST_MYSQL_URL"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("ryx").addoption("--db", choices=("sqlite", "postgres", "mysql"), default="sqlite")


def _server_url(name: str) -> str:
    return os.environ.get(ENV[name]) or DEFAULT_URLS[name]


def _reachable(url: str) -> str | None:
    try:
        ryx_core.setup_sync({"__probe__": url}, connect_timeout=5, min_connections=1, max_connections=1)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    ryx_core.close_sync("__probe__")
    return None


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--db"))


@pytest.fixture(scope="session")
def server_url(backend: str) -> str | None:
    if backend == "sqlite":
        return None
    url = _server_url(backend)
    problem = _reachable(url)
    if problem:
        if os.environ.get("RYX_REQUIRE_DB") == "1":
            pytest.fail(f"RYX_REQUIRE_DB=1 but {backend} is unreachable at {url}: {problem}")
        pytest.skip(f"{backend} unreachable at {url}: {problem}")
    return url


@pytest.fixture
def db_url(backend: str, server_url: str | None, tmp_path: Path) -> str:
    if server_url is not None:
        return server_url
    path = tmp_path / "ryx.db"
    sqlite3.connect(path).close()
    return f"sqlite://{path}"


@pytest.fixture
def prefix() -> str:
    return f"mg{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def db(db_url: str, backend: str, prefix: str) -> AsyncIterator[str]:
    await ryx.setup(db_url)
    try:
        yield backend
    finally:
        with contextlib.suppress(Exception):
            await drop_prefixed(prefix)
        with contextlib.suppress(ryx.PoolNotInitialized):
            await ryx.close()


async def drop_prefixed(prefix: str, alias: str | None = None) -> None:
    """Drop every table whose name starts with ``prefix`` (children first, retried until none is left)."""
    from ryx_migrate.dialects import dialect_of, quote
    from ryx_migrate.introspect import table_names

    dialect = dialect_of(alias)
    for _ in range(5):
        names = [t for t in await table_names(alias) if t.startswith(prefix)]
        if not names:
            return
        for name in names:
            cascade = " CASCADE" if dialect == "postgres" else ""
            with contextlib.suppress(Exception):
                await ryx_core.execute(f"DROP TABLE IF EXISTS {quote(name, dialect)}{cascade}", alias=alias)


@pytest.fixture
def migdir(tmp_path: Path) -> Path:
    path = tmp_path / "migrations"
    path.mkdir()
    return path
