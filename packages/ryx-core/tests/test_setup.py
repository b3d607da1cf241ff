"""setup()/close(): URL forms, re-configuration, aliases with per-alias options, failures that change
nothing, and the introspection functions.

The SQLite URL forms need no server, so they run whatever ``--db`` says.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import ryx_core
from _support.fixtures import Backend
from _support.oracle import Oracle


@pytest.fixture
async def cleanup() -> AsyncIterator[None]:
    """For tests that call setup() themselves without the ``db`` fixture."""
    yield
    with contextlib.suppress(ryx_core.PoolNotInitialized):
        await ryx_core.close()


def sqlite_tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


async def test_setup_with_one_url_configures_the_default_alias(db: Backend, oracle: Oracle) -> None:
    assert ryx_core.default_alias() == "default"
    assert ryx_core.list_aliases() == ["default"]
    assert ryx_core.get_backend() == ryx_core.get_backend("default") == db.ryx_name
    assert ryx_core.is_connected() and ryx_core.is_connected("default")
    assert not ryx_core.is_connected("nope")
    version = ryx_core.server_version()
    if db.name == "sqlite":
        assert re.match(r"3\.\d+", version), version
    else:
        major_minor = re.search(r"\d+\.\d+", await oracle.server_version())
        assert major_minor is not None and major_minor.group(0) in version, version
    assert await ryx_core.fetch_scalar("SELECT 1") == 1


@pytest.mark.backend("postgres", reason="PostgreSQL URL schemes")
async def test_postgres_url_schemes(db: Backend) -> None:
    rest = db.url.split("://", 1)[1]
    for url in (f"postgres://{rest}", f"postgresql://{rest}"):
        await ryx_core.setup(url)
        assert ryx_core.get_backend() == "PostgreSQL"
        assert await ryx_core.fetch_scalar("SELECT 1") == 1


@pytest.mark.backend("mysql", reason="MySQL/MariaDB URL schemes")
async def test_mysql_url_schemes(db: Backend) -> None:
    rest = db.url.split("://", 1)[1]
    for url in (f"mysql://{rest}", f"mariadb://{rest}"):
        await ryx_core.setup(url)
        assert ryx_core.get_backend() == "MySQL"
        assert await ryx_core.fetch_scalar("SELECT 1") == 1


async def test_sqlite_relative_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleanup: None
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    await ryx_core.setup("sqlite://sub/rel.db?mode=rwc")
    assert ryx_core.get_backend() == "SQLite"
    await ryx_core.execute("CREATE TABLE rel_marker (x INTEGER)")
    assert "rel_marker" in sqlite_tables(tmp_path / "sub" / "rel.db")

    absolute = tmp_path / "abs.db"
    sqlite3.connect(absolute).close()
    await ryx_core.setup(f"sqlite://{absolute}")
    assert f"sqlite://{absolute}".startswith("sqlite:///")
    await ryx_core.execute("CREATE TABLE abs_marker (x INTEGER)")
    assert "abs_marker" in sqlite_tables(absolute)
    assert "abs_marker" not in sqlite_tables(tmp_path / "sub" / "rel.db")


async def test_sqlite_memory_is_one_database_shared_by_the_pool(cleanup: None) -> None:
    await ryx_core.setup("sqlite::memory:", max_connections=3, min_connections=2)
    await ryx_core.execute("CREATE TABLE shared (x INTEGER)")
    await ryx_core.execute("INSERT INTO shared VALUES (?)", [1])
    tx = await ryx_core.begin()  # holds one connection: the next query runs on another one
    assert await ryx_core.fetch_scalar("SELECT COUNT(*) FROM shared", tx=tx) == 1
    assert await ryx_core.fetch_scalar("SELECT COUNT(*) FROM shared") == 1
    await tx.rollback()
    await ryx_core.close()
    await ryx_core.setup("sqlite::memory:")
    with pytest.raises(ryx_core.ProgrammingError):  # a new setup is a new, empty database
        await ryx_core.fetch_all("SELECT * FROM shared")


async def test_sqlite_journal_mode_option(tmp_path: Path, cleanup: None) -> None:
    path = tmp_path / "journal.db"
    await ryx_core.setup(f"sqlite://{path}?mode=rwc", sqlite_journal_mode="wal")
    assert str(await ryx_core.fetch_scalar("PRAGMA journal_mode")).lower() == "wal"
    with pytest.raises(ryx_core.ConfigurationError) as info:
        await ryx_core.setup(f"sqlite://{path}", sqlite_journal_mode="sideways")
    assert "journal" in str(info.value).lower()
    assert str(await ryx_core.fetch_scalar("PRAGMA journal_mode")).lower() == "wal"


async def test_setup_again_replaces_the_pools(db: Backend, tmp_path: Path) -> None:
    await ryx_core.setup(db.url, max_connections=3)
    assert ryx_core.pool_stats()["max_connections"] == 3
    await ryx_core.setup({"default": db.url, "second": db.url})
    assert sorted(ryx_core.list_aliases()) == ["default", "second"]
    assert await ryx_core.fetch_scalar("SELECT 1", alias="second") == 1
    await ryx_core.setup(db.url)
    assert ryx_core.list_aliases() == ["default"]
    with pytest.raises(ryx_core.PoolNotInitialized):
        await ryx_core.fetch_scalar("SELECT 1", alias="second")
    if db.name == "sqlite":  # a new URL really is a new database
        other = tmp_path / "other.db"
        await ryx_core.execute("CREATE TABLE IF NOT EXISTS only_in_first (x INTEGER)")
        await ryx_core.setup(f"sqlite://{other}?mode=rwc")
        with pytest.raises(ryx_core.ProgrammingError):
            await ryx_core.fetch_all("SELECT * FROM only_in_first")
        await ryx_core.setup(db.url)
        await ryx_core.execute("DROP TABLE only_in_first")


async def test_aliases_with_per_alias_options(db: Backend) -> None:
    await ryx_core.setup(
        {"default": db.url, "small": {"url": db.url, "max_connections": 1, "min_connections": 0}}, max_connections=5
    )
    assert ryx_core.pool_stats("default")["max_connections"] == 5
    small = ryx_core.pool_stats("small")
    assert small["max_connections"] == 1 and small["min_connections"] == 0 and small["alias"] == "small"
    assert ryx_core.get_backend("small") == db.ryx_name
    assert await ryx_core.fetch_scalar("SELECT 2", alias="small") == 2
    for bad in ({"url": db.url, "bogus_option": 1}, {"max_connections": 1}):
        with pytest.raises(ryx_core.ConfigurationError) as info:
            await ryx_core.setup({"default": db.url, "x": bad})
        assert "bogus_option" in str(info.value) or "url" in str(info.value)
    assert sorted(ryx_core.list_aliases()) == ["default", "small"], "a failed setup changes nothing"


async def test_setup_without_a_default_alias(db: Backend) -> None:
    await ryx_core.setup({"primary": db.url})
    assert ryx_core.list_aliases() == ["primary"]
    assert await ryx_core.fetch_scalar("SELECT 1", alias="primary") == 1
    default = ryx_core.default_alias()
    assert default in ("primary", None)
    if default == "primary":
        assert await ryx_core.fetch_scalar("SELECT 1") == 1
    else:
        with pytest.raises(ryx_core.PoolNotInitialized):
            await ryx_core.fetch_scalar("SELECT 1")
    await ryx_core.setup({"primary": db.url})
    assert ryx_core.default_alias() == default, "the choice of default is deterministic"


def unreachable_url(db: Backend) -> str:
    if db.name == "postgres":
        return "postgres://postgres:s3cret-pw@127.0.0.1:1/test"
    if db.name == "mysql":
        return "mysql://root:s3cret-pw@127.0.0.1:1/test"
    return "sqlite:///nonexistent-dir-rxt/s3cret-pw/x.db"


async def test_failed_connection_raises_and_leaves_the_previous_pools_working(db: Backend) -> None:
    await ryx_core.setup({"default": db.url, "keep": db.url})
    for urls in (unreachable_url(db), {"default": db.url, "broken": unreachable_url(db)}):
        with pytest.raises((ryx_core.OperationalError, ryx_core.ConfigurationError)) as info:
            await ryx_core.setup(urls, connect_timeout=2)
        if db.name != "sqlite":
            assert "s3cret-pw" not in str(info.value), "error messages must not leak passwords"
        assert sorted(ryx_core.list_aliases()) == ["default", "keep"]
        assert ryx_core.get_backend() == db.ryx_name
        assert await ryx_core.fetch_scalar("SELECT 1") == 1
        assert await ryx_core.fetch_scalar("SELECT 1", alias="keep") == 1


@pytest.mark.parametrize(
    "url",
    ["not a url", "ftp://host/db", "postgres://user@host:notaport/db", "", "mysql://root@127.0.0.1:99999/test"],
    ids=["no-scheme", "unknown-scheme", "bad-port", "empty", "port-out-of-range"],
)
async def test_malformed_urls_are_configuration_errors(db: Backend, url: str) -> None:
    with pytest.raises(ryx_core.ConfigurationError) as info:
        await ryx_core.setup(url)
    assert isinstance(info.value, ValueError)
    assert "url" in str(info.value).lower()
    assert ryx_core.list_aliases() == ["default"]
    assert await ryx_core.fetch_scalar("SELECT 1") == 1


async def test_empty_alias_mapping_is_a_configuration_error(db: Backend) -> None:
    with pytest.raises(ryx_core.ConfigurationError):
        await ryx_core.setup({})
    assert ryx_core.list_aliases() == ["default"]


async def test_close_then_queries_raise_pool_not_initialized(db: Backend) -> None:
    await ryx_core.setup({"default": db.url, "other": db.url})
    await ryx_core.close("other")
    assert ryx_core.list_aliases() == ["default"]
    assert not ryx_core.is_connected("other")
    assert await ryx_core.fetch_scalar("SELECT 1") == 1
    await ryx_core.close()
    assert not ryx_core.is_connected()
    for attempt in (
        lambda: ryx_core.fetch_scalar("SELECT 1"),
        lambda: ryx_core.execute("SELECT 1"),
        lambda: ryx_core.begin(),
        lambda: ryx_core.Query("t").count(),
    ):
        with pytest.raises(ryx_core.PoolNotInitialized) as info:
            await attempt()
        assert "setup" in str(info.value), f"say what to do: {info.value}"
    with pytest.raises(ryx_core.PoolNotInitialized):
        ryx_core.pool_stats()


async def test_unknown_alias_lists_the_configured_ones(db: Backend) -> None:
    await ryx_core.setup({"default": db.url, "replica": db.url})
    for attempt in (
        lambda: ryx_core.fetch_all("SELECT 1", alias="nope"),
        lambda: ryx_core.Query("t").count(alias="nope"),
        lambda: ryx_core.begin("nope"),
        lambda: ryx_core.insert("t", {"x": 1}, alias="nope"),
    ):
        with pytest.raises(ryx_core.PoolNotInitialized) as info:
            await attempt()
        message = str(info.value)
        assert "nope" in message and "default" in message and "replica" in message, message
    for sync_attempt in (
        lambda: ryx_core.pool_stats("nope"),
        lambda: ryx_core.get_backend("nope"),
        lambda: ryx_core.server_version("nope"),
    ):
        with pytest.raises(ryx_core.PoolNotInitialized) as info:
            sync_attempt()
        assert "replica" in str(info.value)
    assert await ryx_core.fetch_scalar("SELECT 1", alias="replica") == 1
