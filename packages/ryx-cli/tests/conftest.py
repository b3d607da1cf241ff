"""pytest configuration of the `ryx` command's tests: backend choice, server probe, and a project per test.

    pytest packages/ryx-cli/tests --db sqlite      # default; a fresh temporary file database per test
    pytest packages/ryx-cli/tests --db postgres    # RYX_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test
    pytest packages/ryx-cli/tests --db mysql       # RYX_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/test

An unreachable server skips the database tests with the reason, unless RYX_REQUIRE_DB=1, which fails them.

Fixtures:
* ``backend``: ``"sqlite"``, ``"postgres"`` or ``"mysql"``.
* ``db_url``: the URL of the selected database (SQLite: a new file per test).
* ``project``: a `support.Project` in a temporary directory: a package with a unique name for the models,
  a unique table prefix, a ryx.toml pointing at ``db_url``, and helpers that run `ryx` in-process (Typer's
  CliRunner) or as a real subprocess. Its tables are dropped after the test.
* ``offline_project``: the same without a database (commands that never connect).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import ryx
import ryx_core
from support import Project

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
        tmp = Path(tempfile.mkdtemp(prefix="ryx-cli-probe-"))
        reachable, detail = _probe(sqlite_file_url(tmp))
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
def project(tmp_path: Path, db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """A project directory on the selected database; its tables are dropped afterwards."""
    for key in [k for k in os.environ if k == "RYX_DATABASE_URL" or (k.startswith("RYX_DB_") and k.endswith("_URL"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NO_COLOR", "1")
    proj = Project.create(tmp_path / "proj", db_url, backend)
    monkeypatch.chdir(proj.root)
    try:
        yield proj
    finally:
        proj.drop_tables()


@pytest.fixture
def offline_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project directory whose database is a SQLite file (for commands that need no server)."""
    for key in [k for k in os.environ if k == "RYX_DATABASE_URL" or (k.startswith("RYX_DB_") and k.endswith("_URL"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NO_COLOR", "1")
    proj = Project.create(tmp_path / "proj", sqlite_file_url(tmp_path), "sqlite")
    monkeypatch.chdir(proj.root)
    return proj
