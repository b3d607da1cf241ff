"""The blocking API: every ``_sync`` function works from a plain thread with no event loop, and a long
blocking query releases the GIL (another Python thread runs while the database works)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables, run_blocking
from _support.oracle import Oracle
from ryx_core import Expr, Query


def test_the_whole_blocking_api_without_any_event_loop(live_backend: Backend) -> None:
    """A plain ``def`` test: no event loop exists in this thread nor in the worker thread."""
    b = live_backend
    table = ddl.unique_name()
    q = b.q(table)

    def scenario() -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise AssertionError("expected no running loop")
        ryx_core.setup_sync({"default": b.url, "second": {"url": b.url, "max_connections": 2}})
        try:
            assert ryx_core.is_connected() and sorted(ryx_core.list_aliases()) == ["default", "second"]
            ryx_core.execute_sync(
                ddl.create_table(b.name, table, [ddl.Col("name", "varchar", null=False), ddl.Col("n", "int")])
            )
            try:
                run_all(b, table, q)
            finally:
                ryx_core.execute_sync(ddl.drop_table(b.name, table))
        finally:
            ryx_core.close_sync("second")
            assert ryx_core.list_aliases() == ["default"]
            ryx_core.close_sync()
        assert not ryx_core.is_connected()

    run_blocking(scenario)


def run_all(b: Backend, table: str, q: str) -> None:
    row = ryx_core.insert_sync(table, {"name": "a", "n": 1}, returning=["id"])
    assert row is not None and isinstance(row["id"], int)
    keys = ryx_core.bulk_insert_sync(table, ["name", "n"], [["b", 2], ["c", 3]], returning="id")
    assert isinstance(keys, list) and len(keys) == 2
    assert ryx_core.bulk_update_sync(table, "id", ["n"], [(keys[0], [20]), (keys[1], [30])]) == 2
    assert ryx_core.execute_sync(f"UPDATE {q} SET n = n + ? WHERE name = ?", [1, "a"]) == 1
    assert ryx_core.fetch_all_sync(f"SELECT name, n FROM {q} ORDER BY id", as_tuples=True) == [
        ("a", 2),
        ("b", 20),
        ("c", 30),
    ]
    assert ryx_core.fetch_one_sync(f"SELECT name FROM {q} WHERE n = ?", [20]) == {"name": "b"}
    assert ryx_core.fetch_scalar_sync(f"SELECT COUNT(*) FROM {q}") == 3
    assert ryx_core.fetch_scalar_sync(f"SELECT COUNT(*) FROM {q}", alias="second") == 3

    base = Query(table).order_by("id")
    assert [r["name"] for r in base.fetch_all_sync()] == ["a", "b", "c"]
    assert base.fetch_one_sync(as_tuples=True) is not None
    assert base.filter(name="c").fetch_get_sync()["n"] == 30
    assert base.count_sync() == 3 and base.exists_sync() and not base.filter(n__gt=99).exists_sync()
    assert Query(table).filter(name="a").update_sync({"n": Expr.col("n") * 10}) == 1
    assert base.clear_order_by().order_by("-id").limit(1).delete_sync(pk="id") == 1
    assert [r["n"] for r in base.fetch_all_sync()] == [20, 20]

    tx = ryx_core.begin_sync()
    ryx_core.insert_sync(table, {"name": "tx", "n": 0}, tx=tx)
    tx.savepoint_sync("sp")
    ryx_core.insert_sync(table, {"name": "undone", "n": 0}, tx=tx)
    tx.rollback_to_sync("sp")
    tx.release_savepoint_sync("sp")
    assert base.count_sync(tx=tx) == 3 and base.count_sync() == 2
    tx.commit_sync()
    tx = ryx_core.begin_sync(isolation=None, read_only=False)
    ryx_core.insert_sync(table, {"name": "gone", "n": 0}, tx=tx)
    tx.rollback_sync()
    with ryx_core.begin_sync() as tx:
        ryx_core.insert_sync(table, {"name": "with", "n": 0}, tx=tx)
    assert [r["name"] for r in base.fetch_all_sync()] == ["a", "b", "tx", "with"]


def test_blocking_calls_from_many_threads_at_once(live_backend: Backend) -> None:
    def scenario() -> None:
        ryx_core.setup_sync(live_backend.url, max_connections=4)
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(lambda i: ryx_core.fetch_scalar_sync("SELECT ?", [i]), range(200)))
            assert results == list(range(200))
        finally:
            ryx_core.close_sync()

    run_blocking(scenario)


def _slow_statement(b: Backend, marker: str, table: str) -> tuple[str, list[str]]:
    if b.name == "postgres":
        return f"SELECT 1 FROM pg_sleep(0.3) WHERE ? = '{marker}'", [marker]
    if b.name == "mysql":
        return f"SELECT SLEEP(0.3) FROM DUAL WHERE ? = '{marker}'", [marker]
    # SQLite: a write statement (holds the write lock while it runs) that spends its time in a CTE
    cte = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x FROM c"
    return f"INSERT INTO {b.q(table)} (name) SELECT ? FROM ({cte}) WHERE x < 0", [marker]


async def _server_is_running_it(oracle: Oracle, marker: str) -> bool:
    if oracle.backend == "postgres":
        return bool(
            await oracle.scalar(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE ?",
                [f"%{marker}%"],
            )
        )
    if oracle.backend == "mysql":
        return bool(
            await oracle.scalar(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?",
                [f"%{marker}%"],
            )
        )
    return not await oracle.sqlite_write_lock_free()


async def test_a_long_blocking_query_releases_the_gil(db: Backend, tables: Tables, oracle: Oracle) -> None:
    """While a plain thread waits in a ``_sync`` call, this thread keeps running Python.

    PostgreSQL and MariaDB: this thread polls the server and sees the statement in progress. SQLite has
    no view of running statements, so there the probe is the worker's own progress: this thread runs
    several times after the worker entered the call and before it returned. If the call held the GIL,
    this thread could run only after the statement ended and would never see it running.
    """
    table = await tables.create([ddl.Col("name", "varchar")])
    marker = f"gil-probe-{uuid.uuid4().hex}"
    sql, params = _slow_statement(db, marker, table)
    entered, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def blocking_call() -> None:
        try:
            entered.set()
            if db.name == "sqlite":
                ryx_core.execute_sync(sql, params)
            else:
                ryx_core.fetch_all_sync(sql, params)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=blocking_call)
    worker.start()
    polls, seen_running, inside = 0, False, 0
    while not done.is_set():
        polls += 1
        if db.name == "sqlite":
            # Counted only while the worker is inside the call; three sightings rule out the few
            # bytecodes between `entered.set()` and the call itself.
            inside += entered.is_set() and not done.is_set()
            seen_running = inside >= 3
        elif await _server_is_running_it(oracle, marker):
            seen_running = not done.is_set()
        if seen_running:
            break
        await asyncio.sleep(0.005)
    await asyncio.to_thread(worker.join, 30)
    assert not errors, errors
    assert seen_running, f"this thread never ran while the blocking statement was in progress ({polls} polls)"
