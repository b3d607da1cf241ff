"""SQLite reads answered on the calling thread: the awaitable comes back done when nothing has to be waited
for, and the same call falls back to a spawned task (same results) when the pool, a transaction or a
writer's lock would make it wait. PostgreSQL/MariaDB calls always go through a task."""

from __future__ import annotations

import asyncio

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables
from ryx_core import Query


async def _table(tables: Tables) -> str:
    t = await tables.create([ddl.Col("n", "int", null=False)])
    await ryx_core.bulk_insert(t, ["n"], [[1], [2], [3]])
    return t


async def test_small_sqlite_reads_complete_before_being_awaited(db: Backend, tables: Tables) -> None:
    t = await _table(tables)
    q = Query(t).select("n").order_by("n")
    calls = {
        "fetch_all": q.fetch_all(),
        "fetch_one": q.fetch_one(),
        "fetch_get": q.filter(n=2).fetch_get(),
        "count": q.count(),
        "exists": q.exists(),
        "raw": ryx_core.fetch_all(f"SELECT n FROM {t} WHERE n > ?", [1]),
    }
    done = {name: fut.done() for name, fut in calls.items()}
    results = {name: await fut for name, fut in calls.items()}
    assert [r["n"] for r in results["fetch_all"]] == [1, 2, 3]
    assert results["fetch_one"]["n"] == 1 and results["fetch_get"]["n"] == 2
    assert results["count"] == 3 and results["exists"] is True
    assert sorted(r["n"] for r in results["raw"]) == [2, 3]
    assert all(done.values()) == (db.name == "sqlite"), done
    # Errors are raised from the completed future, typed as usual.
    with pytest.raises(ryx_core.DoesNotExist):
        await q.filter(n=99).fetch_get()
    with pytest.raises(ryx_core.ProgrammingError):
        await ryx_core.fetch_all(f"SELECT missing_column FROM {t}")


async def test_writes_are_never_answered_on_the_calling_thread(db: Backend, tables: Tables) -> None:
    t = await _table(tables)
    fut = ryx_core.fetch_all(f"INSERT INTO {t} (n) VALUES (?) RETURNING n", [7]) if db.name != "mysql" else None
    if fut is not None:
        assert not fut.done()
        assert [r["n"] for r in await fut] == [7]


async def test_a_busy_pool_or_transaction_falls_back_to_a_task(db: Backend, tables: Tables) -> None:
    t = await _table(tables)
    await ryx_core.close()
    await ryx_core.setup(db.url, max_connections=1, min_connections=1)
    tx = await ryx_core.begin()
    # The only pooled connection is the transaction's. A write must wait for it, off the event loop.
    writing = ryx_core.execute(f"INSERT INTO {t} (n) VALUES (?)", [5])
    reading = Query(t).select("n").count()
    await asyncio.sleep(0.05)
    assert not writing.done()
    # A pool read waits too on a server; SQLite answers it on the spot from the connection it keeps
    # outside the pool for such reads, with committed data only.
    assert reading.done() == (db.name == "sqlite")
    # Inside the transaction, a read uses its connection (free right now) and sees its writes.
    await ryx_core.execute(f"INSERT INTO {t} (n) VALUES (?)", [4], tx=tx)
    inside = Query(t).count(tx=tx)
    assert inside.done() == (db.name == "sqlite")
    assert await inside == 4
    if db.name == "sqlite":
        assert await reading == 3
    await tx.commit()
    assert await reading in (3, 4, 5)
    assert await writing == 1
    assert await Query(t).count() == 5


async def test_a_read_blocked_by_a_writer_lock_waits_off_the_event_loop(db: Backend, tables: Tables) -> None:
    if db.name != "sqlite":
        pytest.skip("sqlite only: database-level write locks")
    t = await _table(tables)
    await ryx_core.close()
    await ryx_core.setup(db.url, max_connections=3, min_connections=2)
    writer = await ryx_core.begin()
    await ryx_core.execute(f"UPDATE {t} SET n = n + 10", tx=writer)
    # Whatever the journal mode, the read must neither block the loop nor fail; it sees committed data.
    read = Query(t).select("n").order_by("n").fetch_all()
    ticks = 0
    while not read.done() and ticks < 3:
        await asyncio.sleep(0.01)
        ticks += 1
    await writer.commit()
    rows = await read
    assert [r["n"] for r in rows] in ([1, 2, 3], [11, 12, 13])
