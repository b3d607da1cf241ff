"""Transactions: commit/rollback, context managers, savepoints, isolation between tasks and levels, and the
blocking API from a plain thread.

ryx_core has no implicit "current transaction": a query runs on a transaction only when given ``tx=``
(the ORM layers the per-task ContextVar on top). So a query without ``tx=`` never sees, joins or rolls
back an open transaction, even in the task that opened it.

SQLite has one writer at a time: a second write transaction waits for the first (up to the busy
timeout) instead of interleaving; that difference is asserted in its own test.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables, assert_settled
from _support.oracle import Oracle
from ryx_core import Query


class Boom(Exception):
    pass


@pytest.fixture
async def t(db: Backend, tables: Tables) -> str:
    return await tables.create([ddl.Col("name", "varchar", null=False)])


async def names(oracle: Oracle, table: str) -> list[str]:
    return [r[0] for r in await oracle.fetch(f"SELECT name FROM {oracle.q(table)} ORDER BY id")]


async def test_commit_makes_the_work_visible_and_finishes_the_transaction(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    assert tx.alias == "default" and tx.get_alias() == "default"
    assert tx.backend == db.ryx_name
    assert tx.active and await tx.is_active()
    await ryx_core.insert(t, {"name": "a"}, tx=tx)
    assert await names(oracle, t) == []
    await tx.commit()
    assert not tx.active and not await tx.is_active()
    assert await names(oracle, t) == ["a"]
    await assert_settled(oracle)


async def test_rollback_discards_the_work(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin_transaction()
    await ryx_core.insert(t, {"name": "a"}, tx=tx)
    await ryx_core.execute(f"INSERT INTO {db.q(t)} (name) VALUES (?)", ["b"], tx=tx)
    await tx.rollback()
    assert not tx.active
    assert await names(oracle, t) == []
    await assert_settled(oracle)


async def test_async_with_commits_on_success_and_rolls_back_on_exception(db: Backend, t: str, oracle: Oracle) -> None:
    async with await ryx_core.begin() as tx:
        await ryx_core.insert(t, {"name": "kept"}, tx=tx)
    assert not tx.active
    with pytest.raises(Boom):
        async with await ryx_core.begin() as tx:
            await ryx_core.insert(t, {"name": "lost"}, tx=tx)
            raise Boom
    assert not tx.active
    assert await names(oracle, t) == ["kept"]
    await assert_settled(oracle)


async def test_every_execution_path_runs_on_the_given_transaction(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    row = await ryx_core.insert(t, {"name": "a"}, returning=["id"], tx=tx)
    assert row is not None
    keys = await ryx_core.bulk_insert(t, ["name"], [["b"], ["c"]], returning="id", tx=tx)
    assert isinstance(keys, list)
    assert await ryx_core.bulk_update(t, "id", ["name"], [(keys[0], ["B"])], tx=tx) == 1
    assert await ryx_core.execute(f"UPDATE {db.q(t)} SET name = ? WHERE name = ?", ["C", "c"], tx=tx) == 1
    sql = f"SELECT name FROM {db.q(t)} ORDER BY id"
    assert [r["name"] for r in await ryx_core.fetch_all(sql, tx=tx)] == ["a", "B", "C"]
    assert await ryx_core.fetch_one(sql, tx=tx) == {"name": "a"}
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {db.q(t)}", tx=tx) == 3
    q = Query(t).order_by("id")
    assert await q.count(tx=tx) == 3 and await q.exists(tx=tx)
    assert [r["name"] for r in await q.fetch_all(tx=tx)] == ["a", "B", "C"]
    assert (await q.fetch_one(tx=tx) or {})["name"] == "a"
    assert (await q.filter(name="B").fetch_get(tx=tx))["name"] == "B"
    assert [len(c) async for c in q.stream(chunk_size=2, tx=tx)] == [2, 1]
    assert await Query(t).filter(name="a").update({"name": "A"}, tx=tx) == 1
    assert await Query(t).filter(name="C").delete(tx=tx) == 1
    # nothing is visible outside, neither through the pool nor to another client
    assert await Query(t).count() == 0
    assert await names(oracle, t) == []
    await tx.rollback()
    assert await names(oracle, t) == []
    await assert_settled(oracle)


async def test_queries_without_tx_never_join_the_open_transaction(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "in tx"}, tx=tx)
    assert await Query(t).count() == 0, "a query without tx= must not see uncommitted work"
    assert await Query(t).count(tx=tx) == 1
    await tx.rollback()
    await ryx_core.insert(t, {"name": "outside"})
    assert await names(oracle, t) == ["outside"]


async def test_nested_savepoints(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "a"}, tx=tx)
    await tx.savepoint("outer")
    await ryx_core.insert(t, {"name": "b"}, tx=tx)
    await tx.savepoint("inner")
    await ryx_core.insert(t, {"name": "c"}, tx=tx)
    await tx.rollback_to("inner")
    assert [r["name"] for r in await Query(t).order_by("id").fetch_all(tx=tx)] == ["a", "b"]
    await ryx_core.insert(t, {"name": "d"}, tx=tx)
    await tx.release_savepoint("inner")
    await tx.rollback_to("outer")
    assert [r["name"] for r in await Query(t).order_by("id").fetch_all(tx=tx)] == ["a"]
    await ryx_core.insert(t, {"name": "e"}, tx=tx)
    await tx.release_savepoint("outer")
    await tx.commit()
    assert await names(oracle, t) == ["a", "e"]
    await assert_settled(oracle)


async def test_unknown_savepoint_is_a_transaction_error(db: Backend, t: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    with pytest.raises(ryx_core.TransactionError):
        await tx.rollback_to("never_made")
    await tx.rollback()
    tx = await ryx_core.begin()
    await tx.savepoint("sp")
    await tx.release_savepoint("sp")
    with pytest.raises(ryx_core.TransactionError):
        await tx.release_savepoint("sp")
    await tx.rollback()
    await assert_settled(oracle)


@pytest.mark.parametrize("bad", ["x; DROP TABLE t", 'a"b', "sp`1", "", "sp name", "sp--"])
async def test_savepoint_names_are_validated_before_anything_runs(
    db: Backend, t: str, oracle: Oracle, bad: str
) -> None:
    tx = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "before"}, tx=tx)
    for call in (tx.savepoint, tx.rollback_to, tx.release_savepoint):
        with pytest.raises((ryx_core.QueryError, ryx_core.TransactionError)) as info:
            await call(bad)
        assert "savepoint" in str(info.value).lower()
    # nothing reached the server: the transaction is intact (an SQL error would have aborted it on PostgreSQL)
    await ryx_core.insert(t, {"name": "after"}, tx=tx)
    await tx.commit()
    assert await names(oracle, t) == ["before", "after"]
    assert await oracle.table_exists(t)


async def test_finished_transactions_refuse_work_and_repeat_finishing_is_harmless(
    db: Backend, t: str, oracle: Oracle
) -> None:
    tx = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "a"}, tx=tx)
    await tx.commit()
    for again in (tx.commit, tx.rollback):  # either a no-op or a TransactionError
        with contextlib.suppress(ryx_core.TransactionError):
            await again()
    with pytest.raises(ryx_core.TransactionError):
        await ryx_core.insert(t, {"name": "late"}, tx=tx)
    with pytest.raises(ryx_core.TransactionError):
        await Query(t).count(tx=tx)
    with pytest.raises(ryx_core.TransactionError):
        await tx.savepoint("sp")

    tx = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "rolled back"}, tx=tx)
    await tx.rollback()
    with contextlib.suppress(ryx_core.TransactionError):
        await tx.commit()  # must not commit anything
    assert await names(oracle, t) == ["a"]
    await assert_settled(oracle)


async def test_a_transaction_belongs_to_its_alias(db: Backend, t: str, oracle: Oracle) -> None:
    await ryx_core.setup({"default": db.url, "other": db.url})
    tx = await ryx_core.begin("other")
    assert tx.alias == "other"
    await ryx_core.insert(t, {"name": "x"}, alias="other", tx=tx)
    with pytest.raises(ryx_core.TransactionError) as info:
        await ryx_core.fetch_all("SELECT 1", alias="default", tx=tx)
    assert "other" in str(info.value)
    assert await Query(t).count(alias="other", tx=tx) == 1
    await tx.commit()
    assert await names(oracle, t) == ["x"]
    await assert_settled(oracle, alias="other")


@pytest.mark.backend("postgres", "mysql", reason="SQLite has a single writer: two write transactions cannot interleave")
async def test_concurrent_tasks_never_see_or_affect_each_others_uncommitted_work(
    db: Backend, t: str, oracle: Oracle
) -> None:
    a_written, b_written, a_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def task_a() -> None:
        tx = await ryx_core.begin()
        await ryx_core.insert(t, {"name": "a"}, tx=tx)
        a_written.set()
        await b_written.wait()
        assert [r["name"] for r in await Query(t).fetch_all(tx=tx)] == ["a"]
        await tx.rollback()
        a_done.set()

    async def task_b() -> None:
        await a_written.wait()
        tx = await ryx_core.begin()
        assert await Query(t).count(tx=tx) == 0
        await ryx_core.insert(t, {"name": "b"}, tx=tx)
        b_written.set()
        await a_done.wait()
        assert [r["name"] for r in await Query(t).fetch_all(tx=tx)] == ["b"]
        await tx.commit()

    await asyncio.wait_for(asyncio.gather(task_a(), task_b()), timeout=30)
    assert await names(oracle, t) == ["b"]
    await assert_settled(oracle)


async def test_concurrent_reader_does_not_see_a_writers_uncommitted_work(db: Backend, t: str, oracle: Oracle) -> None:
    """Holds on every backend, SQLite included (its readers are not blocked by a pending writer)."""
    written, checked = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with await ryx_core.begin() as tx:
            await ryx_core.insert(t, {"name": "w"}, tx=tx)
            written.set()
            await checked.wait()

    async def reader() -> None:
        await written.wait()
        assert await Query(t).count() == 0
        assert await ryx_core.fetch_all(f"SELECT * FROM {db.q(t)}") == []
        checked.set()

    await asyncio.wait_for(asyncio.gather(writer(), reader()), timeout=30)
    assert await names(oracle, t) == ["w"]


@pytest.mark.backend("sqlite", reason="documents SQLite's single writer: the second write transaction waits")
async def test_sqlite_second_writer_waits_for_the_first_then_proceeds_or_times_out(
    db: Backend, t: str, oracle: Oracle
) -> None:
    first = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "first"}, tx=first)

    async def second() -> None:
        async with await ryx_core.begin() as tx:
            await ryx_core.insert(t, {"name": "second"}, tx=tx)

    waiting = asyncio.create_task(second())
    await asyncio.sleep(0.05)  # let the second writer reach the lock
    await first.commit()
    await asyncio.wait_for(waiting, timeout=10)
    assert await names(oracle, t) == ["first", "second"]

    await ryx_core.setup(db.url, sqlite_busy_timeout=0.2)
    blocker = await ryx_core.begin()
    await ryx_core.insert(t, {"name": "blocker"}, tx=blocker)
    with pytest.raises(ryx_core.OperationalError) as info:
        await asyncio.wait_for(second(), timeout=10)
    assert "lock" in str(info.value).lower() or "busy" in str(info.value).lower()
    await blocker.rollback()
    assert await names(oracle, t) == ["first", "second"]
    await assert_settled(oracle)


@pytest.mark.backend("postgres", "mysql", reason="SQLite transactions are always serializable")
async def test_isolation_levels_change_what_a_transaction_sees(db: Backend, t: str, oracle: Oracle) -> None:
    async def sees_concurrent_commit(level: str) -> bool:
        tx = await ryx_core.begin(isolation=level)
        before = await Query(t).count(tx=tx)
        await oracle.execute(f"INSERT INTO {oracle.q(t)} (name) VALUES (?)", [level])
        after = await Query(t).count(tx=tx)
        await tx.commit()
        return after == before + 1

    assert await sees_concurrent_commit("read committed") is True
    assert await sees_concurrent_commit("repeatable read") is False
    if db.name == "postgres":  # (MariaDB's SERIALIZABLE locks what it reads: the concurrent insert would wait)
        assert await sees_concurrent_commit("serializable") is False
        tx = await ryx_core.begin(isolation="serializable")
        assert await ryx_core.fetch_scalar("SELECT current_setting('transaction_isolation')", tx=tx) == "serializable"
        await tx.rollback()
    else:
        tx = await ryx_core.begin(isolation="serializable")
        assert await Query(t).count(tx=tx) == 2  # one row per sees_concurrent_commit() above
        await tx.commit()
    await assert_settled(oracle)


async def test_isolation_level_names_are_validated(db: Backend, t: str, oracle: Oracle) -> None:
    for bad in ("sometimes", "read committed; DROP TABLE x"):
        with pytest.raises(ryx_core.RyxError) as info:
            await ryx_core.begin(isolation=bad)
        assert "isolation" in str(info.value).lower()
    if db.name == "sqlite":
        tx = await ryx_core.begin(isolation="serializable")  # SQLite's only level
        await tx.rollback()
    assert await oracle.table_exists(t)
    await assert_settled(oracle)


async def test_read_only_transactions_refuse_writes(db: Backend, t: str, oracle: Oracle) -> None:
    try:
        tx = await ryx_core.begin(read_only=True)
    except ryx_core.NotSupportedError:
        assert db.name == "sqlite", "PostgreSQL and MariaDB have read-only transactions"
        return
    assert await Query(t).count(tx=tx) == 0
    with pytest.raises(ryx_core.DatabaseError):
        await ryx_core.insert(t, {"name": "w"}, tx=tx)
    await tx.rollback()
    assert await names(oracle, t) == []
    await assert_settled(oracle)


async def test_blocking_transactions_from_a_plain_thread(db: Backend, t: str, oracle: Oracle) -> None:
    table = db.q(t)

    def scenario() -> list[Any]:
        seen = []
        tx = ryx_core.begin_sync()
        ryx_core.insert_sync(t, {"name": "s"}, tx=tx)
        seen.append(ryx_core.fetch_all_sync(f"SELECT name FROM {table}", tx=tx, as_tuples=True))
        seen.append(ryx_core.fetch_all_sync(f"SELECT name FROM {table}", as_tuples=True))
        tx.savepoint_sync("sp")
        ryx_core.insert_sync(t, {"name": "undone"}, tx=tx)
        tx.rollback_to_sync("sp")
        tx.release_savepoint_sync("sp")
        seen.append(Query(t).count_sync(tx=tx))
        tx.commit_sync()
        with ryx_core.begin_sync() as tx2:
            ryx_core.execute_sync(f"INSERT INTO {table} (name) VALUES (?)", ["with"], tx=tx2)
        try:
            with ryx_core.begin_sync() as tx3:
                ryx_core.insert_sync(t, {"name": "lost"}, tx=tx3)
                raise Boom
        except Boom:
            pass
        tx4 = ryx_core.begin_sync()
        ryx_core.insert_sync(t, {"name": "rolled back"}, tx=tx4)
        tx4.rollback_sync()
        return seen

    seen = await asyncio.to_thread(scenario)
    assert seen == [[("s",)], [], 1]
    assert await names(oracle, t) == ["s", "with"]
    await assert_settled(oracle)
