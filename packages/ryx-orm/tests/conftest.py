"""pytest configuration of the ryx ORM tests: backend choice, server probe, report header, fixtures.

    pytest packages/ryx-orm/tests --db sqlite      # default; a fresh temporary file database per test
    pytest packages/ryx-orm/tests --db postgres    # RYX_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test
    pytest packages/ryx-orm/tests --db mysql       # RYX_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/test

An unreachable server skips the database tests with the reason, unless RYX_REQUIRE_DB=1, which fails them.

Fixtures:
* ``backend``: ``"sqlite"``, ``"postgres"`` or ``"mysql"`` (no connection).
* ``db_url``: the URL of the selected database (SQLite: a new file per test unless RYX_TEST_SQLITE_URL is set).
* ``db``: ``await ryx.setup(db_url)`` before the test and ``await ryx.close()`` after it; yields the backend name.
  Tests may call ``ryx.setup()`` again (other aliases, other options); teardown closes every pool.

Helpers for tables (``create_tables``/``drop_tables`` from models, ``unique_name``) are in support.py.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import ryx
import ryx_core

DEFAULT_URLS = {
    "postgres": "postgres://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}
ENV = {"sqlite": "RYX_TEST_SQLITE_URL", "postgres": "RYX_TEST_POSTGRES_URL", "mysql": "RYX_TEST_MYSQL_URL"}
_STATE = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("ryx").addoption(
        "--db",
        choices=("sqlite", "postgres", "mysql"),
        default="sqlite",
        help="database backend the tests run against (default: sqlite)",
    )


def sqlite_file_url(directory: Path, name: str = "ryx.db") -> str:
    """Create an empty SQLite database file and return its URL."""
    path = directory / name
    sqlite3.connect(path).close()
    return f"sqlite://{path}"


def safe_url(url: str) -> str:
    """Return the URL with its password masked."""
    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
    return url


def _probe(url: str) -> tuple[bool, str]:
    """Connect with ryx_core (blocking, before any loop exists): (True, server version) or (False, why not)."""
    try:
        ryx_core.setup_sync({"__probe__": url}, connect_timeout=5, min_connections=1, max_connections=1)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    try:
        return True, ryx_core.server_version("__probe__")
    finally:
        ryx_core.close_sync("__probe__")


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--db")
    url = os.environ.get(ENV[name]) or DEFAULT_URLS.get(name, "")
    if name == "sqlite" and not url:
        tmp = Path(tempfile.mkdtemp(prefix="ryx-orm-probe-"))
        probe_url = sqlite_file_url(tmp)
        reachable, detail = _probe(probe_url)
        Path(tmp, "ryx.db").unlink(missing_ok=True)
        tmp.rmdir()
        detail = f"SQLite {detail} (a fresh temporary file per test)"
    else:
        reachable, detail = _probe(url)
    if not reachable and os.environ.get("RYX_REQUIRE_DB") == "1":
        raise pytest.UsageError(
            f"RYX_REQUIRE_DB=1 but the {name} database is unreachable at {safe_url(url)}: {detail}. "
            f"Start it, or point {ENV[name]} at it."
        )
    config.stash[_STATE] = {"name": name, "url": url, "reachable": "1" if reachable else "", "detail": detail}


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    where = safe_url(state["url"]) or "temporary files"
    status = state["detail"] if state["reachable"] else f"UNREACHABLE ({state['detail']}); database tests are skipped"
    return [
        f"ryx {ryx.__version__} on ryx_core {ryx_core.__version__}",
        f"backend: {state['name']} at {where}: {status}",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    name = config.stash[_STATE]["name"]
    for item in items:
        marker = item.get_closest_marker("backend")
        if marker is None:
            continue
        if not marker.args or "reason" not in marker.kwargs:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.backend(*names, reason=...) needs both")
        if name not in marker.args:
            item.add_marker(pytest.mark.skip(reason=f"{'/'.join(marker.args)} only: {marker.kwargs['reason']}"))


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    """Return the selected backend: ``"sqlite"``, ``"postgres"`` or ``"mysql"``."""
    return pytestconfig.stash[_STATE]["name"]


@pytest.fixture
def db_url(pytestconfig: pytest.Config, tmp_path: Path) -> str:
    """Return the URL of the selected database, skipping the test when it is unreachable."""
    state = pytestconfig.stash[_STATE]
    if not state["reachable"]:
        pytest.skip(
            f"{state['name']} unreachable at {state['url']}: {state['detail']} (RYX_REQUIRE_DB=1 fails instead)"
        )
    return state["url"] or sqlite_file_url(tmp_path)


@pytest.fixture
async def db(db_url: str, backend: str) -> AsyncIterator[str]:
    """Set ryx up on the selected database for this test (alias ``default``); close every pool after it."""
    await ryx.setup(db_url)
    try:
        yield backend
    finally:
        with contextlib.suppress(ryx.PoolNotInitialized):
            await ryx.close()


@pytest.fixture(autouse=True)
def _restore_ryx_globals() -> Iterator[None]:
    """Undo a test's router and query-cache configuration."""
    from ryx import cache, router

    saved_router = router.get_router()
    saved_cache = cache.get_cache()
    yield
    router.set_router(saved_router)
    if cache.get_cache() is not saved_cache:
        cache.configure_cache(saved_cache)
