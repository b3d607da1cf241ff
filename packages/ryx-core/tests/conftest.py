"""pytest configuration of the ryx_core tests: backend choice, server probe, report header, markers.

    pytest packages/ryx-core/tests --db sqlite      # default; a temporary file database
    pytest packages/ryx-core/tests --db postgres    # RYX_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test
    pytest packages/ryx-core/tests --db mysql       # RYX_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/test

An unreachable server skips the database tests with the reason, unless RYX_REQUIRE_DB=1 (CI), which makes
it a usage error. The fixtures live in _support/fixtures.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

pytest.register_assert_rewrite("_support")  # before the import below, so the helpers' asserts are rewritten

from _support.fixtures import BACKEND_KEY, ENGINE_KEY, Backend, probe_server  # noqa: E402

pytest_plugins = ["_support.fixtures"]

DEFAULT_URLS = {
    "postgres": "postgres://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ryx_core")
    group.addoption(
        "--db",
        choices=("sqlite", "postgres", "mysql"),
        default="sqlite",
        help="database backend the tests run against (default: sqlite)",
    )


def _resolve_url(config: pytest.Config, name: str) -> str:
    env = {"sqlite": "RYX_TEST_SQLITE_URL", "postgres": "RYX_TEST_POSTGRES_URL", "mysql": "RYX_TEST_MYSQL_URL"}[name]
    if name == "postgres":
        url = os.environ.get(env) or DEFAULT_URLS[name]
        if "application_name=" in url:
            return url
        # Tag our sessions, so the "no transaction left open" checks ignore other clients of the database.
        return f"{url}{'&' if '?' in url else '?'}application_name=ryx_core_tests_{os.getpid()}"
    if os.environ.get(env):
        return os.environ[env]
    if name != "sqlite":
        return DEFAULT_URLS[name]
    tmp = Path(tempfile.mkdtemp(prefix="ryx-core-tests-"))
    config.add_cleanup(lambda: shutil.rmtree(tmp, ignore_errors=True))
    path = tmp / "core.db"
    sqlite3.connect(path).close()  # the file exists, so no URL option is needed to create it
    return f"sqlite://{path}"


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--db")
    url = _resolve_url(config, name)
    reachable, detail = asyncio.run(probe_server(name, url))
    backend = Backend(name=name, url=url, reachable=reachable, detail=detail)
    config.stash[BACKEND_KEY] = backend
    if not reachable and os.environ.get("RYX_REQUIRE_DB") == "1":
        raise pytest.UsageError(
            f"RYX_REQUIRE_DB=1 but the {name} server is unreachable at {backend.safe_url}: {detail}. "
            f"Start it, or point RYX_TEST_{name.upper()}_URL at it."
        )
    try:
        import ryx_core

        config.stash[ENGINE_KEY] = f"ryx_core {ryx_core.__version__} ({Path(ryx_core.__file__).parent})"
    except Exception as exc:
        config.stash[ENGINE_KEY] = (
            f"ryx_core NOT IMPORTABLE: {exc} (build it: maturin develop -m packages/ryx-core/pyproject.toml)"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    backend = config.stash[BACKEND_KEY]
    state = backend.detail if backend.reachable else f"UNREACHABLE ({backend.detail}); database tests will be skipped"
    return [f"engine: {config.stash[ENGINE_KEY]}", f"backend: {backend.name} at {backend.safe_url}: {state}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backend = config.stash[BACKEND_KEY]
    timeout_plugin = config.pluginmanager.hasplugin("timeout")
    for item in items:
        marker = item.get_closest_marker("backend")
        if marker is not None:
            if not marker.args or "reason" not in marker.kwargs:
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.backend(*names, reason=...) needs both")
            if backend.name not in marker.args:
                item.add_marker(pytest.mark.skip(reason=f"{'/'.join(marker.args)} only: {marker.kwargs['reason']}"))
        if timeout_plugin:
            item.add_marker(pytest.mark.timeout(300 if item.get_closest_marker("long") else 120))
