"""ryx.transaction(): per-task ownership, savepoints for nesting, decorator, options, blocking variant."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from ryx.exceptions import DatabaseError, IntegrityError, PoolNotInitialized, QueryError, TransactionError
from ryx.executor_helpers import raw_execute, raw_execute_sync, raw_fetch, raw_fetch_scalar, raw_fetch_sync
from ryx.transaction import current_tx, in_transaction, on_commit, transaction_sync
from support import create_raw_table, drop_raw_tables, quote, unique_name


@pytest.fixture
async def table(db: str) -> AsyncIterator[str]:
    name = await create_raw_table(unique_name("tx"), {"name": "VARCHAR(50)"})
    await raw_execute(f"CREATE UNIQUE INDEX {quote('ux_' + name)} ON {quote(name)} ({quote('name')})")
    yield name
    await drop_raw_tables([name])


async def insert(table: str, name: str, alias: str | None = None) -> None:
    await raw_execute(f"INSERT INTO {quote(table)} (name) VALUES (?)", [name], alias=alias)


async def names(table: str, alias: str | None = None) -> list[str]:
    """The committed rows, read on a pooled connection (never the caller's transaction)."""
    rows = await ryx.ryx_core.fetch_all(f"SELECT name FROM {quote(table)} ORDER BY name", alias=alias)
    return [r["name"] for r in rows]  # type: ignore[call-overload]


async def test_commit_on_clean_exit(table: str) -> None:
    async with ryx.transaction() as tx:
        await insert(table, "a")
        assert tx.active and tx.depth == 0 and tx.alias == "default"
        assert await names(table) == []  # not visible outside before the commit
        assert [r["name"] for r in await raw_fetch(f"SELECT name FROM {quote(table)}")] == ["a"]
    assert not tx.active
    assert await names(table) == ["a"]


async def test_rollback_on_exception_which_propagates(table: str) -> None:
    with pytest.raises(ZeroDivisionError):
        async with ryx.transaction():
            await insert(table, "a")
            _ = 1 / 0
    assert await names(table) == []
    await settled()


async def test_nested_failure_rolls_back_only_the_inner_block(table: str) -> None:
    """Defect 2: the inner exit neither crashes nor ends the outer transaction."""
    async with ryx.transaction() as outer:
        await insert(table, "outer-1")
        with pytest.raises(RuntimeError, match="inner"):
            async with ryx.transaction() as inner:
                assert inner.depth == 1 and inner.handle is outer.handle
                await insert(table, "inner")
                raise RuntimeError("inner")
        assert get_tx() is outer.handle  # the outer frame is back
        await insert(table, "outer-2")
    assert await names(table) == ["outer-1", "outer-2"]


async def settled() -> None:
    """Wait until every connection is back in the pool (the engine returns them in the background)."""
    for _ in range(100):
        if ryx.pool_stats()["in_use"] == 0:
            return
        await asyncio.sleep(0.05)
    assert ryx.pool_stats()["in_use"] == 0


def get_tx() -> Any:
    return ryx.get_active_transaction()


async def test_nested_success_keeps_everything_and_three_levels_work(table: str) -> None:
    async with ryx.transaction():
        await insert(table, "1")
        async with ryx.transaction():
            await insert(table, "2")
            with pytest.raises(KeyError):
                async with ryx.transaction() as third:
                    assert third.depth == 2
                    await insert(table, "3")
                    raise KeyError("x")
            await insert(table, "2b")
    assert await names(table) == ["1", "2", "2b"]


async def test_database_error_in_nested_block_leaves_outer_usable(table: str) -> None:
    """On PostgreSQL an error aborts the transaction; the savepoint restores it."""
    async with ryx.transaction():
        await insert(table, "dup")
        with pytest.raises(IntegrityError):
            async with ryx.transaction():
                await insert(table, "dup")
        await insert(table, "after")
    assert await names(table) == ["after", "dup"]


@pytest.mark.backend("postgres", reason="only PostgreSQL aborts the whole transaction on a statement error")
async def test_swallowed_error_without_savepoint_fails_the_commit_loudly(table: str) -> None:
    with pytest.raises(TransactionError, match="rolled back"):
        async with ryx.transaction():
            await insert(table, "dup")
            with pytest.raises(IntegrityError):
                await insert(table, "dup")
    assert await names(table) == []
    await settled()


async def test_outer_failure_rolls_back_released_inner_work(table: str) -> None:
    with pytest.raises(ValueError, match="outer"):
        async with ryx.transaction():
            async with ryx.transaction():
                await insert(table, "inner")
            raise ValueError("outer")
    assert await names(table) == []


async def test_explicit_savepoints(table: str) -> None:
    async with ryx.transaction() as tx:
        await insert(table, "kept")
        sp = await tx.savepoint()
        assert sp.startswith("ryx_sp_")
        await insert(table, "undone")
        await tx.rollback_to(sp)
        named = await tx.savepoint("named_sp")
        assert named == "named_sp"
        await insert(table, "released")
        await tx.release_savepoint("named_sp")
        with pytest.raises(TransactionError):
            await tx.rollback_to("named_sp")  # released: gone
    assert await names(table) == ["kept", "released"]


@pytest.mark.parametrize("name", ["x; DROP TABLE t", "a b", "1abc", "", "sp'--"])
async def test_savepoint_names_are_validated_never_pasted(table: str, name: str) -> None:
    """Defect 5: a hostile savepoint name is refused and the transaction goes on."""
    async with ryx.transaction() as tx:
        await insert(table, "a")
        with pytest.raises(TransactionError, match="savepoint name"):
            await tx.savepoint(name)
        await insert(table, "b")
    assert await names(table) == ["a", "b"]


async def test_get_active_transaction_outside_and_inside(table: str) -> None:
    assert ryx.get_active_transaction() is None
    assert current_tx() is None and not in_transaction()
    async with ryx.transaction() as tx:
        assert ryx.get_active_transaction() is tx.handle
        assert current_tx("default") is tx.handle
        assert current_tx(None) is tx.handle
        assert isinstance(tx.handle, ryx.ryx_core.Transaction)
        assert tx.get_alias() == "default"
        assert await tx.is_active()
    assert ryx.get_active_transaction() is None


async def test_concurrent_task_does_not_join_another_tasks_transaction(table: str) -> None:
    """Defect 1: a sibling task's write is not rolled back with someone else's transaction."""
    inserted = asyncio.Event()

    async def owner() -> None:
        with pytest.raises(RuntimeError):
            async with ryx.transaction():
                await insert(table, "owner")
                inserted.set()
                await asyncio.sleep(0.2)
                raise RuntimeError("roll back")

    async def bystander() -> None:
        await inserted.wait()
        assert ryx.get_active_transaction() is None
        await insert(table, "bystander")

    await asyncio.gather(owner(), bystander())
    assert await names(table) == ["bystander"]


async def test_child_tasks_inside_a_transaction_use_the_pool(table: str) -> None:
    """Tasks created inside the block copy the ContextVar but do not own the transaction."""
    async with ryx.transaction() as tx:
        await insert(table, "parent")

        async def child() -> tuple[Any, int]:
            seen = await raw_fetch_scalar(f"SELECT COUNT(*) FROM {quote(table)}")
            return ryx.get_active_transaction(), int(seen)

        results = await asyncio.gather(child(), child(), asyncio.create_task(child()))
        assert results == [(None, 0)] * 3  # the parent's uncommitted row is invisible to them
        assert ryx.get_active_transaction() is tx.handle
    assert await names(table) == ["parent"]


@pytest.mark.backend("postgres", "mysql", reason="SQLite has a single writer; a child's write would wait on the parent")
async def test_child_task_transaction_is_independent(table: str) -> None:
    with pytest.raises(RuntimeError):
        async with ryx.transaction():
            await insert(table, "parent")

            async def child() -> None:
                async with ryx.transaction() as own:
                    assert own.depth == 0  # its own transaction, not a savepoint of the parent's
                    await insert(table, "child")

            await asyncio.gather(child())
            raise RuntimeError("parent fails")
    assert await names(table) == ["child"]


async def test_decorator_runs_each_call_in_its_own_transaction(table: str) -> None:
    @ryx.transaction()
    async def add(name: str, fail: bool = False) -> str:
        assert ryx.get_active_transaction() is not None
        await insert(table, name)
        if fail:
            raise LookupError(name)
        return name

    @ryx.transaction
    async def add_bare(name: str) -> None:
        await insert(table, name)

    assert await add("a") == "a"
    with pytest.raises(LookupError):
        await add("b", fail=True)
    await add_bare("c")
    assert add.__name__ == "add"
    assert await names(table) == ["a", "c"]


def test_decorating_a_blocking_function_is_a_type_error() -> None:
    def plain() -> None: ...

    with pytest.raises(TypeError, match="async functions"):
        ryx.transaction()(plain)  # type: ignore[arg-type]


async def test_isolation_and_read_only_options(table: str) -> None:
    async with ryx.transaction(isolation="serializable"):
        await insert(table, "a")
    async with ryx.transaction(read_only=True):
        assert await names(table) == ["a"]
        with pytest.raises(DatabaseError):
            async with ryx.transaction():  # a savepoint, so the error does not doom the block (PostgreSQL)
                await insert(table, "b")
    with pytest.raises(QueryError, match="isolation"):
        async with ryx.transaction(isolation="bogus"):
            pass
    with pytest.raises(TypeError, match="isolation"):
        ryx.transaction(isolation=3)  # type: ignore[arg-type]
    assert await names(table) == ["a"]
    await settled()


async def test_options_of_a_nested_block_are_refused_and_outer_goes_on(table: str) -> None:
    async with ryx.transaction():
        await insert(table, "a")
        with pytest.raises(TransactionError, match="outermost"):
            async with ryx.transaction(isolation="serializable"):
                pass
        await insert(table, "b")
    assert await names(table) == ["a", "b"]


async def test_commit_and_rollback_by_hand(table: str) -> None:
    async with ryx.transaction() as tx:
        await insert(table, "a")
        await tx.commit()
        assert not tx.active
        with pytest.raises(TransactionError, match="already"):
            await insert(table, "late")  # the block's transaction is over
        with pytest.raises(TransactionError):
            await tx.savepoint()
    async with ryx.transaction() as tx:
        await insert(table, "b")
        async with ryx.transaction() as inner:
            await insert(table, "c")
            await inner.rollback()  # back to the inner savepoint only
            await inner.rollback()  # idempotent
        await insert(table, "d")
    assert await names(table) == ["a", "b", "d"]


async def test_block_object_cannot_be_entered_twice(table: str) -> None:
    block = ryx.transaction()
    async with block:
        with pytest.raises(TransactionError, match="already in use"):
            async with block:
                pass
    with pytest.raises(TransactionError, match="not entered"):
        _ = ryx.transaction().handle


async def test_transaction_on_another_alias_leaves_default_alone(db: str, db_url: str, tmp_path: Any) -> None:
    from conftest import sqlite_file_url

    other_url = sqlite_file_url(tmp_path, "other.db") if db == "sqlite" else db_url
    await ryx.setup({"default": db_url, "other": other_url})
    t_default = await create_raw_table(unique_name("txa"), {"name": "VARCHAR(50)"})
    t_other = await create_raw_table(unique_name("txb"), {"name": "VARCHAR(50)"}, alias="other")
    try:
        with pytest.raises(RuntimeError):
            async with ryx.transaction("other") as tx:
                assert tx.alias == "other"
                assert ryx.get_active_transaction() is None  # none on the default alias
                assert ryx.get_active_transaction("other") is tx.handle
                await insert(t_other, "o", alias="other")
                await insert(t_default, "d")  # autocommit on the default alias
                raise RuntimeError
        assert await names(t_default) == ["d"]
        assert await names(t_other, alias="other") == []
        async with ryx.transaction(), ryx.transaction("other") as second:
            assert second.depth == 0  # a different alias: its own transaction
            await insert(t_other, "o2", alias="other")
        assert await names(t_other, alias="other") == ["o2"]
    finally:
        await drop_raw_tables([t_default])
        await drop_raw_tables([t_other], alias="other")


async def test_without_setup_or_with_unknown_alias(db_url: str) -> None:
    with pytest.raises(PoolNotInitialized, match="setup"):
        async with ryx.transaction():
            pass
    await ryx.setup(db_url)
    try:
        with pytest.raises(PoolNotInitialized, match="nope"):
            async with ryx.transaction("nope"):
                pass
        with pytest.raises(TypeError):
            ryx.transaction(alias="")
    finally:
        await ryx.close()


async def test_on_commit_callbacks(table: str) -> None:
    calls: list[str] = []

    async def async_cb() -> None:
        calls.append("async")

    async with ryx.transaction():
        on_commit(lambda: calls.append("outer"))
        async with ryx.transaction():
            on_commit(async_cb)
        with pytest.raises(RuntimeError):
            async with ryx.transaction():
                on_commit(lambda: calls.append("dropped"))
                raise RuntimeError
        assert calls == []
    assert calls == ["outer", "async"]
    with pytest.raises(RuntimeError):
        async with ryx.transaction():
            on_commit(lambda: calls.append("never"))
            raise RuntimeError
    on_commit(lambda: calls.append("now"))  # no transaction: runs at once
    assert calls == ["outer", "async", "now"]


async def test_cancelled_block_rolls_back_and_returns_its_connection(table: str) -> None:
    started = asyncio.Event()

    async def work() -> None:
        async with ryx.transaction():
            await insert(table, "cancelled")
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(work())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settled()
    assert await names(table) == []


async def test_blocking_transaction_in_a_thread(table: str) -> None:
    def work() -> list[str]:
        with transaction_sync() as tx:
            raw_execute_sync(f"INSERT INTO {quote(table)} (name) VALUES (?)", ["kept"])
            assert ryx.get_active_transaction() is tx.handle
            try:
                with transaction_sync() as inner:
                    assert inner.depth == 1
                    raw_execute_sync(f"INSERT INTO {quote(table)} (name) VALUES (?)", ["undone"])
                    raise ValueError
            except ValueError:
                pass
            seen = [r["name"] for r in raw_fetch_sync(f"SELECT name FROM {quote(table)}")]
        try:
            with transaction_sync():
                raw_execute_sync(f"INSERT INTO {quote(table)} (name) VALUES (?)", ["rolled back"])
                raise KeyError
        except KeyError:
            pass
        return seen

    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    assert result == [["kept"]]
    assert await names(table) == ["kept"]


async def test_blocking_transaction_refuses_a_running_loop(db: str) -> None:
    with pytest.raises(RuntimeError, match="block the running event loop"), transaction_sync():
        pass
    assert current_tx() is None


async def test_blocking_transaction_decorator(table: str) -> None:
    @transaction_sync()
    def add(name: str) -> None:
        raw_execute_sync(f"INSERT INTO {quote(table)} (name) VALUES (?)", [name])
        if name == "bad":
            raise ValueError(name)

    def work() -> None:
        add("good")
        with pytest.raises(ValueError):
            add("bad")

    await asyncio.to_thread(work)
    assert await names(table) == ["good"]


# ------------------------------------------------------------------------------- through the models


class TxItem(ryx.Model):
    name = ryx.CharField(max_length=20)


async def test_model_writes_join_the_task_transaction(db: str) -> None:
    from support import tables

    async with tables(TxItem):
        with pytest.raises(RuntimeError):
            async with ryx.transaction():
                await TxItem.objects.create(name="a")
                async with ryx.transaction():
                    await TxItem.objects.create(name="b")
                assert await TxItem.objects.count() == 2  # reads join the transaction too
                await TxItem.objects.filter(name="a").update(name="a2")
                raise RuntimeError
        assert await TxItem.objects.count() == 0
        async with ryx.transaction():
            item = await TxItem.objects.create(name="c")
            with pytest.raises(ValueError, match="inner"):
                async with ryx.transaction():
                    await item.delete()
                    raise ValueError("inner")
        assert [i.name for i in await TxItem.objects.all()] == ["c"]


async def test_bulk_operations_honour_the_transaction(db: str) -> None:
    """Defect 3: bulk_create/bulk_update/bulk_delete run on the task's transaction."""
    from support import tables

    async with tables(TxItem):
        with pytest.raises(RuntimeError):
            async with ryx.transaction():
                items = await ryx.bulk_create(TxItem, [TxItem(name=f"n{i}") for i in range(5)])
                assert await TxItem.objects.count() == 5
                raise RuntimeError
        assert await TxItem.objects.count() == 0
        items = await ryx.bulk_create(TxItem, [TxItem(name=f"n{i}") for i in range(3)])
        with pytest.raises(RuntimeError):
            async with ryx.transaction():
                for item in items:
                    item.name = "changed"
                await ryx.bulk_update(TxItem, items, ["name"])
                await ryx.bulk_delete(TxItem, items[:1])
                raise RuntimeError
        assert sorted(i.name for i in await TxItem.objects.all()) == ["n0", "n1", "n2"]
