"""Inserts, bulk inserts (chunked under each backend's bound-parameter limit), upserts and bulk updates.

20,000 rows x 4 columns = 80,000 parameters: more than one statement on every backend (SQLite 32,766,
PostgreSQL and MariaDB 65,535), so key order, chunking and atomicity across chunks are all exercised.
"""

from __future__ import annotations

from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables
from _support.oracle import Oracle, mysql_params
from ryx_core import Query

ROW_COLS = [
    ddl.Col("seq", "int", null=False),
    ddl.Col("label", "varchar"),
    ddl.Col("score", "float"),
    ddl.Col("big", "bigint"),
]


def make_rows(n: int, start: int = 0) -> list[list[Any]]:
    return [[i, f"row {i}", i / 4, i * 1_000_000_007] for i in range(start, start + n)]


async def seq_to_id(oracle: Oracle, table: str) -> dict[int, int]:
    return {int(seq): int(pk) for pk, seq in await oracle.fetch(f"SELECT id, seq FROM {oracle.q(table)}")}


def default_schema(db: Backend) -> str:
    return {"postgres": "public", "sqlite": "main"}.get(db.name) or str(mysql_params(db.url)["database"])


async def test_insert_returns_the_generated_key_on_every_backend(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create([ddl.Col("name", "varchar", null=False)])
    first = await ryx_core.insert(t, {"name": "a"}, returning=["id"])
    second = await ryx_core.insert(t, {"name": "b"}, returning=["id"])
    assert first is not None and second is not None
    assert type(first["id"]) is int and second["id"] > first["id"]
    assert await oracle.fetch(f"SELECT id, name FROM {oracle.q(t)} ORDER BY id") == [
        (first["id"], "a"),
        (second["id"], "b"),
    ]
    assert await ryx_core.insert(t, {"name": "c"}) is None
    assert await oracle.count(t) == 3


async def test_insert_with_an_explicit_key_returns_that_key(db: Backend, tables: Tables) -> None:
    """MariaDB's LAST_INSERT_ID() is not updated by an explicit key: the engine must not return a stale one."""
    t = await tables.create([ddl.Col("name", "varchar", null=False)])
    generated = await ryx_core.insert(t, {"name": "auto"}, returning=["id"])
    explicit = await ryx_core.insert(t, {"id": 500, "name": "explicit"}, returning=["id"])
    assert generated is not None and explicit == {"id": 500}


async def test_insert_and_query_with_an_explicit_schema(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create([ddl.Col("name", "varchar", null=False)])
    schema = default_schema(db)
    row = await ryx_core.insert(t, {"name": "s"}, returning=["id"], schema=schema)
    assert row is not None
    assert await ryx_core.bulk_insert(t, ["name"], [["s2"]], schema=schema) == 1
    assert await Query(t, schema=schema).count() == 2
    assert await oracle.count(t) == 2


@pytest.mark.long
@pytest.mark.parametrize("n", [1, 1000, 20_000])
async def test_bulk_insert_returns_keys_in_row_order(db: Backend, tables: Tables, oracle: Oracle, n: int) -> None:
    t = await tables.create(ROW_COLS)
    rows = make_rows(n)
    keys = await ryx_core.bulk_insert(t, ["seq", "label", "score", "big"], rows, returning="id")
    assert isinstance(keys, list) and len(keys) == n and len(set(keys)) == n
    by_seq = await seq_to_id(oracle, t)
    assert keys == [by_seq[i] for i in range(n)]
    sample = await oracle.fetch(f"SELECT seq, label, score, big FROM {oracle.q(t)} WHERE id = ?", [keys[-1]])
    assert [tuple(r) for r in sample] == [tuple(rows[-1])]


@pytest.mark.long
async def test_bulk_insert_without_returning_gives_the_row_count(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create(ROW_COLS)
    assert await ryx_core.bulk_insert(t, ["seq", "label", "score", "big"], make_rows(20_000)) == 20_000
    assert await oracle.count(t) == 20_000
    assert await ryx_core.bulk_insert(t, ["seq", "label", "score", "big"], []) in (0, [])
    assert await ryx_core.bulk_insert(t, ["seq"], [], returning="id") == []
    assert await oracle.count(t) == 20_000


@pytest.mark.parametrize("batch_size", [1, 3, 500, None])
async def test_bulk_insert_batch_size_keeps_keys_values_and_nulls_in_row_order(
    db: Backend, tables: Tables, oracle: Oracle, batch_size: int | None
) -> None:
    t = await tables.create(ROW_COLS)
    rows: list[list[Any]] = make_rows(10)
    for i in (1, 4, 5, 9):  # NULLs are written inline: statements of the same rows differ in parameters
        rows[i][1] = rows[i][2] = None
    cols = ["seq", "label", "score", "big"]
    keys = await ryx_core.bulk_insert(t, cols, rows, returning="id", batch_size=batch_size)
    assert isinstance(keys, list) and len(set(keys)) == 10
    by_seq = await seq_to_id(oracle, t)
    assert keys == [by_seq[i] for i in range(10)]
    stored = await oracle.fetch(f"SELECT seq, label, score, big FROM {oracle.q(t)} ORDER BY seq")
    assert [list(r) for r in stored] == rows
    assert ryx_core.bulk_insert_sync(t, cols, make_rows(7, start=10), batch_size=batch_size) == 7
    assert await oracle.count(t) == 17


@pytest.fixture
async def stock(db: Backend, tables: Tables) -> str:
    t = await tables.create(
        [ddl.Col("code", "varchar", null=False), ddl.Col("qty", "int", null=False)],
        uniques={"uq_{t}_code": ["code"]},
        checks={"ck_{t}_qty": f"{db.q('qty')} >= 0"},
    )
    await tables.oracle.insert_rows(t, ["code", "qty"], [["a", 1], ["b", 1]])
    return t


async def stock_state(oracle: Oracle, table: str) -> dict[str, int]:
    return {code: int(qty) for code, qty in await oracle.fetch(f"SELECT code, qty FROM {oracle.q(table)}")}


async def test_bulk_insert_ignore_conflicts_keeps_existing_rows_and_counts_the_new_ones(
    db: Backend, stock: str, oracle: Oracle
) -> None:
    inserted = await ryx_core.bulk_insert(
        stock, ["code", "qty"], [["a", 100], ["c", 3], ["b", 200], ["d", 4], ["e", 5], ["e", 6]], ignore_conflicts=True
    )
    assert inserted == 3
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1, "c": 3, "d": 4, "e": 5}


async def test_bulk_insert_update_conflicts_updates_only_the_named_fields(
    db: Backend, stock: str, oracle: Oracle
) -> None:
    before = dict(await oracle.fetch(f"SELECT code, id FROM {oracle.q(stock)}"))
    await ryx_core.bulk_insert(
        stock,
        ["code", "qty"],
        [["a", 100], ["z", 9]],
        update_conflicts=True,
        conflict_target=["code"],
        update_fields=["qty"],
    )
    assert await stock_state(oracle, stock) == {"a": 100, "b": 1, "z": 9}
    after = dict(await oracle.fetch(f"SELECT code, id FROM {oracle.q(stock)}"))
    assert after["a"] == before["a"], "an upsert updates the row in place"


async def test_bulk_insert_conflict_without_the_flags_is_a_unique_violation(
    db: Backend, stock: str, oracle: Oracle
) -> None:
    with pytest.raises(ryx_core.UniqueViolation):
        await ryx_core.bulk_insert(stock, ["code", "qty"], [["new", 1], ["a", 2]])
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1}


@pytest.mark.long
async def test_bulk_update_spanning_several_chunks(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create(ROW_COLS)
    n = 12_000  # 12,000 rows x (pk + 3 values) per CASE: beyond one statement on every backend
    keys = await ryx_core.bulk_insert(t, ["seq", "label", "score", "big"], make_rows(n + 10), returning="id")
    assert isinstance(keys, list)
    updates = [(keys[i], [f"new {i}", -i / 8, -i]) for i in range(n)]
    assert await ryx_core.bulk_update(t, "id", ["label", "score", "big"], updates) == n
    rows = {int(r[0]): tuple(r[1:]) for r in await oracle.fetch(f"SELECT seq, label, score, big FROM {oracle.q(t)}")}
    for i in range(n):
        assert rows[i] == (f"new {i}", -i / 8, -i), i
    for i in range(n, n + 10):  # rows not in the update are untouched
        assert rows[i] == (f"row {i}", i / 4, i * 1_000_000_007)
    assert await ryx_core.bulk_update(t, "id", ["label"], []) == 0


@pytest.mark.long
async def test_bulk_insert_is_atomic_across_chunks(db: Backend, stock: str, oracle: Oracle) -> None:
    rows = [[f"k{i}", i] for i in range(20_000)]
    rows[-1] = ["a", 5]  # conflicts with an existing row, in the last chunk
    with pytest.raises(ryx_core.UniqueViolation):
        await ryx_core.bulk_insert(stock, ["code", "qty"], rows)
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1}
    with pytest.raises(ryx_core.UniqueViolation):
        await ryx_core.bulk_insert(stock, ["code", "qty"], rows, returning="id")
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1}
    await assert_pool_serves()


@pytest.mark.parametrize("returning", [None, "id"])
async def test_bulk_insert_is_atomic_across_batches(
    db: Backend, stock: str, oracle: Oracle, returning: str | None
) -> None:
    rows = [[f"k{i}", i] for i in range(10)] + [["a", 5]]  # the conflict is in the last of four statements
    with pytest.raises(ryx_core.UniqueViolation):
        await ryx_core.bulk_insert(stock, ["code", "qty"], rows, returning=returning, batch_size=3)
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1}
    tx = await ryx_core.begin()  # inside a transaction: a savepoint undoes the batches, the transaction lives on
    with pytest.raises(ryx_core.UniqueViolation):
        await ryx_core.bulk_insert(stock, ["code", "qty"], rows, returning=returning, batch_size=3, tx=tx)
    await ryx_core.bulk_insert(stock, ["code", "qty"], rows[:-1], returning=returning, batch_size=3, tx=tx)
    await tx.commit()
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1} | {f"k{i}": i for i in range(10)}
    await assert_pool_serves()


async def test_bulk_insert_batch_size_splits_the_statements(db: Backend, stock: str, oracle: Oracle) -> None:
    """PostgreSQL refuses an upsert that changes one row twice in one statement: in separate statements
    (``batch_size=1``) the later row wins. SQLite and MariaDB apply the rows one by one either way."""
    rows = [["a", 10], ["a", 20]]
    options: dict[str, Any] = {"update_conflicts": True, "conflict_target": ["code"], "update_fields": ["qty"]}
    if db.name == "postgres":
        with pytest.raises(ryx_core.RyxError, match="second time"):
            await ryx_core.bulk_insert(stock, ["code", "qty"], rows, **options)
        assert await stock_state(oracle, stock) == {"a": 1, "b": 1}
    await ryx_core.bulk_insert(stock, ["code", "qty"], rows, batch_size=1, **options)
    assert await stock_state(oracle, stock) == {"a": 20, "b": 1}


@pytest.mark.long
async def test_bulk_update_is_atomic_across_chunks(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create([ddl.Col("qty", "int", null=False)], checks={"ck_{t}_qty": f"{db.q('qty')} >= 0"})
    keys = await ryx_core.bulk_insert(t, ["qty"], [[1]] * 12_000, returning="id")
    assert isinstance(keys, list)
    updates = [(k, [2]) for k in keys]
    updates[-1] = (keys[-1], [-1])  # violates the CHECK, in the last chunk
    with pytest.raises(ryx_core.CheckViolation):
        await ryx_core.bulk_update(t, "id", ["qty"], updates)
    assert await oracle.count(t, f"{oracle.q('qty')} <> 1") == 0


async def test_bulk_operations_join_the_given_transaction(db: Backend, stock: str, oracle: Oracle) -> None:
    tx = await ryx_core.begin()
    keys = await ryx_core.bulk_insert(stock, ["code", "qty"], [["t1", 1], ["t2", 2]], returning="id", tx=tx)
    assert isinstance(keys, list)
    assert await ryx_core.bulk_update(stock, "id", ["qty"], [(keys[0], [10])], tx=tx) == 1
    assert await Query(stock).count(tx=tx) == 4
    assert await oracle.count(stock) == 2
    await tx.rollback()
    assert await stock_state(oracle, stock) == {"a": 1, "b": 1}
    await assert_pool_serves()


async def assert_pool_serves() -> None:
    assert await ryx_core.fetch_scalar("SELECT 1") == 1
