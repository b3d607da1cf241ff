"""Pools: sizing, exhaustion (PoolTimeout), and recovery from connections the server kills.

Killing a connection needs a server: PostgreSQL (pg_terminate_backend) and MariaDB (KILL) each have their
own test. SQLite's equivalent robustness is the busy timeout between two writers on one file, which has
its own test too.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables, assert_settled, eventually
from _support.oracle import Oracle
from ryx_core import Query

# A pooled connection idle for a second or more is pinged on checkout (docs/core.md); one used moments ago is not.
IDLE_PING_AFTER = 1.1

STATS_KEYS = {"alias", "backend", "size", "idle", "in_use", "max_connections", "min_connections"}


async def test_pool_stats_describe_the_pool(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, max_connections=4, min_connections=1)
    stats = ryx_core.pool_stats()
    assert set(stats) >= STATS_KEYS
    assert stats["alias"] == "default" and stats["backend"] == db.ryx_name
    assert stats["max_connections"] == 4 and stats["min_connections"] == 1
    assert stats["idle"] + stats["in_use"] == stats["size"] <= 4
    tx = await ryx_core.begin()

    async def in_use() -> int:
        return int(ryx_core.pool_stats()["in_use"])

    # connections go back to the pool in the background: converge rather than sample once
    await eventually(in_use, lambda n: n == 1, what="exactly the transaction's connection in use")
    await tx.rollback()
    await assert_settled(oracle)


async def test_more_concurrent_queries_than_connections_queue_and_all_succeed(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, max_connections=3)
    sizes: list[int] = []

    async def one(i: int) -> Any:
        sizes.append(ryx_core.pool_stats()["size"])
        return await ryx_core.fetch_scalar("SELECT ?", [i])

    assert await asyncio.gather(*(one(i) for i in range(60))) == list(range(60))
    assert max(sizes) <= 3
    assert ryx_core.pool_stats()["size"] <= 3
    await assert_settled(oracle)


@pytest.fixture
async def small_table(db: Backend, tables: Tables) -> str:
    t = await tables.create([ddl.Col("v", "int")])
    await tables.oracle.insert_rows(t, ["v"], [[i] for i in range(10)])
    return t


async def hold_connection(db: Backend, table: str) -> tuple[Any, Any]:
    """Check a connection out: a transaction (PostgreSQL, MariaDB) or, on SQLite, where a second write
    transaction may wait for the first's lock, a partly read stream."""
    if db.name != "sqlite":
        tx = await ryx_core.begin()
        await Query(table).count(tx=tx)
        return tx, tx.rollback
    stream = Query(table).order_by("v").stream(chunk_size=1)
    iterator = stream.__aiter__()
    await iterator.__anext__()

    async def release() -> None:
        async for _ in iterator:
            pass

    return iterator, release


async def test_an_exhausted_pool_raises_pool_timeout_with_advice_then_recovers(
    db: Backend, small_table: str, oracle: Oracle
) -> None:
    await ryx_core.setup(db.url, max_connections=2, min_connections=1, connect_timeout=0.5)
    first, release_first = await hold_connection(db, small_table)
    second, release_second = await hold_connection(db, small_table)
    assert ryx_core.pool_stats()["in_use"] == 2
    if db.name == "sqlite":
        # Small reads are answered by the connection SQLite keeps outside the pool (see docs/core.md);
        # a write needs a pooled connection.
        assert await ryx_core.fetch_scalar("SELECT 1") == 1
        assert await Query(small_table).count() == 10
        exhausting = ryx_core.execute(f"UPDATE {small_table} SET v = v + 1")
    else:
        exhausting = ryx_core.fetch_scalar("SELECT 1")
    with pytest.raises(ryx_core.PoolTimeout) as info:
        await exhausting
    assert isinstance(info.value, TimeoutError)
    message = str(info.value)
    assert "max_connections" in message or "connect_timeout" in message, f"say what to change: {message}"
    if db.name != "sqlite":
        with pytest.raises(ryx_core.PoolTimeout):
            await Query(small_table).count()
    if db.name == "sqlite":
        assert await asyncio.to_thread(ryx_core.fetch_scalar_sync, "SELECT 1") == 1
        with pytest.raises(ryx_core.PoolTimeout):
            await asyncio.to_thread(ryx_core.execute_sync, f"UPDATE {small_table} SET v = v + 1")
    else:
        with pytest.raises(ryx_core.PoolTimeout):
            await asyncio.to_thread(ryx_core.fetch_scalar_sync, "SELECT 1")
    await release_first()
    assert await ryx_core.fetch_scalar("SELECT 1") == 1
    await release_second()
    del first, second
    assert await asyncio.gather(*(ryx_core.fetch_scalar("SELECT ?", [i]) for i in range(10))) == list(range(10))
    await assert_settled(oracle)


@pytest.mark.backend("postgres", reason="uses pg_terminate_backend on the engine's own connection")
async def test_postgres_connection_terminated_mid_query_raises_then_the_pool_recovers(
    db: Backend, oracle: Oracle
) -> None:
    await ryx_core.setup(db.url, max_connections=2)
    tx = await ryx_core.begin()
    pid = await ryx_core.fetch_scalar("SELECT pg_backend_pid()", tx=tx)
    running = asyncio.ensure_future(ryx_core.fetch_all("SELECT 1 FROM pg_sleep(5)", tx=tx))
    await eventually(
        lambda: oracle.fetch("SELECT state FROM pg_stat_activity WHERE pid = ?", [pid]),
        lambda rows: rows == [("active",)],
        what="the engine's query is running",
    )
    assert await oracle.scalar("SELECT pg_terminate_backend(?)", [pid]) is True
    with pytest.raises(ryx_core.OperationalError):
        await asyncio.wait_for(running, timeout=10)
    with contextlib.suppress(ryx_core.RyxError):  # the connection is gone: a rollback may say so, not hang
        await tx.rollback()
    assert await asyncio.gather(*(ryx_core.fetch_scalar("SELECT ?", [i]) for i in range(10))) == list(range(10))
    await assert_settled(oracle)


@pytest.mark.backend("postgres", reason="uses pg_terminate_backend on an idle pooled connection")
async def test_postgres_idle_connection_killed_by_the_server_is_replaced(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, max_connections=1)
    pid = await ryx_core.fetch_scalar("SELECT pg_backend_pid()")
    assert await oracle.scalar("SELECT pg_terminate_backend(?)", [pid]) is True
    await eventually(
        lambda: oracle.fetch("SELECT 1 FROM pg_stat_activity WHERE pid = ?", [pid]),
        lambda r: r == [],
        what="backend gone",
    )
    await asyncio.sleep(IDLE_PING_AFTER)
    for i in range(5):
        assert await ryx_core.fetch_scalar("SELECT ?", [i]) == i
    assert await ryx_core.fetch_scalar("SELECT pg_backend_pid()") != pid


@pytest.mark.backend("mysql", reason="uses KILL <CONNECTION_ID()> on the engine's own connection")
async def test_mariadb_connection_killed_mid_query_raises_then_the_pool_recovers(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, max_connections=2)
    tx = await ryx_core.begin()
    cid = int(await ryx_core.fetch_scalar("SELECT CONNECTION_ID()", tx=tx))
    running = asyncio.ensure_future(ryx_core.fetch_all("SELECT SLEEP(5)", tx=tx))
    await eventually(
        lambda: oracle.fetch("SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = ?", [cid]),
        lambda rows: bool(rows) and "SLEEP" in str(rows[0][0] or "").upper(),
        what="the engine's query is running",
    )
    await oracle.execute(f"KILL {cid}")
    with pytest.raises(ryx_core.OperationalError):
        await asyncio.wait_for(running, timeout=10)
    with contextlib.suppress(ryx_core.RyxError):
        await tx.rollback()
    assert await asyncio.gather(*(ryx_core.fetch_scalar("SELECT ?", [i]) for i in range(10))) == list(range(10))
    await assert_settled(oracle)


@pytest.mark.backend("mysql", reason="uses KILL on an idle pooled connection")
async def test_mariadb_idle_connection_killed_by_the_server_is_replaced(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, max_connections=1)
    cid = int(await ryx_core.fetch_scalar("SELECT CONNECTION_ID()"))
    await oracle.execute(f"KILL {cid}")
    await asyncio.sleep(IDLE_PING_AFTER)
    for i in range(5):
        assert await ryx_core.fetch_scalar("SELECT ?", [i]) == i
    assert int(await ryx_core.fetch_scalar("SELECT CONNECTION_ID()")) != cid


@pytest.mark.backend("sqlite", reason="SQLite has no server to kill connections; its failure mode is the file lock")
async def test_sqlite_busy_writer_gets_operational_error_then_succeeds_once_the_lock_is_free(
    db: Backend, small_table: str, oracle: Oracle
) -> None:
    await ryx_core.setup(db.url, sqlite_busy_timeout=0.2)
    blocker = await ryx_core.begin()
    await ryx_core.execute(f"UPDATE {db.q(small_table)} SET v = v + 100", tx=blocker)
    with pytest.raises(ryx_core.OperationalError) as info:
        await ryx_core.execute(f"UPDATE {db.q(small_table)} SET v = -1")
    assert "locked" in str(info.value).lower() or "busy" in str(info.value).lower()
    assert await Query(small_table).filter(v__lt=0).count() == 0, "readers still work and saw nothing torn"
    await blocker.commit()
    assert await ryx_core.execute(f"UPDATE {db.q(small_table)} SET v = v + 1") == 10
    assert await oracle.scalar(f"SELECT MIN(v) FROM {db.q(small_table)}") == 101
    # and a writer from outside the engine (another process would be the same) is not locked out
    await assert_settled(oracle)


async def test_pool_options_are_accepted(db: Backend, oracle: Oracle) -> None:
    await ryx_core.setup(db.url, idle_timeout=None, max_lifetime=None, statement_cache_size=0, min_connections=0)
    assert await ryx_core.fetch_scalar("SELECT ?", [7]) == 7
    await ryx_core.setup(db.url, idle_timeout=0.5, max_lifetime=1.0, statement_cache_size=5)
    for i in range(20):
        assert await ryx_core.fetch_scalar("SELECT ?", [i]) == i
    await assert_settled(oracle)


@pytest.mark.parametrize(
    "options",
    [{"max_connections": 0}, {"min_connections": 5, "max_connections": 2}, {"connect_timeout": -1}],
    ids=["max-zero", "min-above-max", "negative-timeout"],
)
async def test_bad_pool_options_are_configuration_errors_and_keep_the_old_pool(
    db: Backend, oracle: Oracle, options: dict[str, Any]
) -> None:
    with pytest.raises(ryx_core.ConfigurationError) as info:
        await ryx_core.setup(db.url, **options)
    assert next(iter(options)) in str(info.value)
    assert ryx_core.list_aliases() == ["default"]
    assert await ryx_core.fetch_scalar("SELECT 1") == 1
