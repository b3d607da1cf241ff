"""setup(), close(), introspection and the environment: re-setup works, bad input changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import ryx
from ryx.connections import urls_from_env
from support import subprocess_env


async def test_setup_then_introspection(db_url: str, backend: str) -> None:
    await ryx.setup(db_url, max_connections=3)
    try:
        assert ryx.is_connected()
        assert ryx.list_aliases() == ["default"]
        stats = ryx.pool_stats()  # defect 15: no TypeError
        assert stats["alias"] == "default"
        assert stats["max_connections"] == 3
        assert {"size", "idle", "in_use", "backend", "min_connections"} <= set(stats)
        assert (
            ryx.connections.get_backend() == {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL"}[backend]
        )
        assert await ryx.raw_fetch("SELECT 1 AS one") == [{"one": 1}]
    finally:
        await ryx.close()
    assert not ryx.is_connected()
    with pytest.raises(ryx.PoolNotInitialized, match="setup"):
        await ryx.raw_fetch("SELECT 1")


async def test_setup_can_be_called_again(db_url: str) -> None:
    await ryx.setup(db_url)
    await ryx.setup(db_url, max_connections=2)  # defect 33: reconfigure, no "already initialized"
    try:
        assert ryx.pool_stats()["max_connections"] == 2
    finally:
        await ryx.close()
    await ryx.setup(db_url)
    await ryx.close()


async def test_several_aliases_and_closing_one(db_url: str) -> None:
    await ryx.setup({"default": db_url, "replica": db_url})
    try:
        assert ryx.list_aliases() == ["default", "replica"]
        assert ryx.is_connected("replica")
        await ryx.close("replica")
        assert ryx.list_aliases() == ["default"]
        assert not ryx.is_connected("replica")
        assert ryx.is_connected("default")
        with pytest.raises(ryx.PoolNotInitialized, match="replica"):
            await ryx.raw_fetch("SELECT 1", alias="replica")
    finally:
        await ryx.close()


async def test_per_alias_pool_options(db_url: str) -> None:
    await ryx.setup({"default": db_url, "small": {"url": db_url, "max_connections": 2}}, max_connections=5)
    try:
        assert ryx.pool_stats("default")["max_connections"] == 5
        assert ryx.pool_stats("small")["max_connections"] == 2
    finally:
        await ryx.close()


async def test_setup_reads_the_environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RYX_DATABASE_URL", db_url)
    monkeypatch.setenv("RYX_DB_ANALYTICS_URL", db_url)
    await ryx.setup()
    try:
        assert ryx.list_aliases() == ["analytics", "default"]
    finally:
        await ryx.close()


def test_urls_from_env_prefers_an_explicit_default_alias() -> None:
    env = {"RYX_DATABASE_URL": "sqlite://a.db", "RYX_DB_DEFAULT_URL": "sqlite://b.db", "RYX_DB_X_URL": " "}
    assert urls_from_env(env) == {"default": "sqlite://b.db"}
    assert urls_from_env({}) == {}


async def test_no_url_anywhere_is_a_configuration_error(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key == "RYX_DATABASE_URL" or (key.startswith("RYX_DB_") and key.endswith("_URL")):
            monkeypatch.delenv(key)
    with pytest.raises(ryx.exceptions.ConfigurationError, match="RYX_DATABASE_URL"):
        await ryx.setup()
    assert ryx.list_aliases() == ["default"]  # the earlier setup is untouched
    assert await ryx.raw_fetch("SELECT 1 AS one") == [{"one": 1}]


@pytest.mark.parametrize(
    ("urls", "match"),
    [
        ("", "empty URL"),
        ("nope://host/db", "accepted forms"),
        ({}, "empty mapping"),
        (42, "URL string or a mapping"),
    ],
)
async def test_bad_urls_raise_and_change_nothing(db: str, urls: object, match: str) -> None:
    with pytest.raises(ryx.exceptions.ConfigurationError, match=match):
        await ryx.setup(urls)  # type: ignore[arg-type]
    assert ryx.list_aliases() == ["default"]
    assert await ryx.raw_fetch("SELECT 1 AS one") == [{"one": 1}]


async def test_bad_pool_option_raises_and_changes_nothing(db: str, db_url: str) -> None:
    with pytest.raises(ryx.exceptions.ConfigurationError, match="max_connections"):
        await ryx.setup({"default": db_url, "other": db_url}, max_connections=0)
    assert ryx.list_aliases() == ["default"]
    assert ryx.pool_stats()["max_connections"] == 10


async def test_unreachable_server_is_an_operational_error(db: str) -> None:
    with pytest.raises(ryx.exceptions.OperationalError):
        await ryx.setup("postgres://nobody@127.0.0.1:1/nothing", connect_timeout=2)
    assert ryx.list_aliases() == ["default"]


def test_blocking_setup_and_close_in_a_thread_without_loop(db_url: str) -> None:
    result: list[object] = []

    def work() -> None:
        try:
            ryx.setup_sync(db_url)
            result.append(ryx.executor_helpers.raw_fetch_sync("SELECT 2 AS two"))
            ryx.close_sync()
            result.append(ryx.is_connected())
        except BaseException as exc:  # pragma: no cover - reported below
            result.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert result == [[{"two": 2}], False]


def test_import_does_no_io(db_url: str, tmp_path: Path) -> None:
    """Defect 30: importing ryx with RYX_DATABASE_URL set connects nothing and prints nothing."""
    code = "import ryx, ryx_core; print(ryx_core.is_connected(None), ryx_core.list_aliases())"
    env = subprocess_env(RYX_DATABASE_URL=db_url, RYX_DB_OTHER_URL=db_url)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout == "False []\n"
    assert out.stderr == ""
