"""bulk_create (keys on every backend, conflicts, upserts), bulk_update (batches never mix), bulk_delete (defect 11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
import ryx
from ryx import CharField, DateTimeField, IntField, Model
from ryx.bulk import bulk_create, bulk_delete, bulk_update, stream
from ryx.exceptions import FieldError, IntegrityError, QueryError
from support import create_tables, drop_tables, unique_name


class Thing(Model):
    code = CharField(max_length=20, unique=True)
    qty = IntField(default=0)
    note = CharField(max_length=20, null=True)
    created = DateTimeField(auto_now_add=True)
    changed = DateTimeField(auto_now=True)

    class Meta:
        table_name = unique_name("bk_things")


class Keyed(Model):
    key = CharField(max_length=10, primary_key=True)
    value = IntField()

    class Meta:
        table_name = unique_name("bk_keyed")


@pytest.fixture
async def tables(db: str) -> AsyncIterator[None]:
    await create_tables(Thing, Keyed)
    yield
    await drop_tables(Thing, Keyed)


async def test_bulk_create_sets_the_right_primary_keys(tables: None) -> None:
    """Defect 11: the original assigned wrong keys on SQLite ([3, 4, 3, 4, 4])."""
    objs = [Thing(code=f"c{i}", qty=i) for i in range(1200)]
    created = await bulk_create(Thing, objs, batch_size=500)
    assert created is not objs and created == objs
    pks = [o.pk for o in objs]
    assert None not in pks and len(set(pks)) == 1200
    stored = dict(await Thing.objects.values_list("id", "code"))
    assert all(stored[o.pk] == o.code for o in objs)
    assert all(not o._state.adding for o in objs)


async def test_bulk_create_through_the_manager_sets_auto_times(tables: None) -> None:
    before = dt.datetime.now(dt.UTC)
    objs = await Thing.objects.bulk_create([Thing(code="a"), Thing(code="b", qty=2)])
    assert [o.pk for o in objs] == sorted(o.pk for o in objs)
    assert all(o.created is not None and o.created >= before - dt.timedelta(seconds=1) for o in objs)
    fetched = await Thing.objects.get(code="b")
    assert fetched.qty == 2
    assert abs(fetched.created - objs[1].created) < dt.timedelta(milliseconds=1)


async def test_bulk_create_with_and_without_keys(tables: None) -> None:
    await bulk_create(Keyed, [Keyed(key="x", value=1), Keyed(key="y", value=2)])
    assert await Keyed.objects.order_by("key").values_list("key", "value") == [("x", 1), ("y", 2)]
    mixed = [Thing(code="p", id=1000), Thing(code="q")]
    await bulk_create(Thing, mixed)
    assert mixed[0].pk == 1000 and mixed[1].pk is not None


async def test_bulk_create_is_all_or_nothing(tables: None) -> None:
    await Thing.objects.create(code="taken")
    objs = [Thing(code=f"n{i}") for i in range(30)] + [Thing(code="taken")]
    with pytest.raises(IntegrityError):
        await bulk_create(Thing, objs, batch_size=10)
    assert await Thing.objects.count() == 1


async def test_bulk_create_fails_whole_inside_a_transaction_that_lives_on(tables: None) -> None:
    await Thing.objects.create(code="taken")
    objs = [Thing(code=f"n{i}") for i in range(7)] + [Thing(code="taken")]  # the conflict is in the 3rd batch
    async with ryx.transaction():
        with pytest.raises(IntegrityError):
            await bulk_create(Thing, objs, batch_size=3)
        await bulk_create(Thing, [Thing(code="after"), Thing(code="late", id=999)], batch_size=1)
    assert await Thing.objects.order_by("code").values_list("code") == [("after",), ("late",), ("taken",)]


async def test_bulk_create_records_one_statement_per_batch(tables: None) -> None:
    objs = [Thing(code=f"q{i}") for i in range(7)]
    with ryx.count_queries() as log:
        await bulk_create(Thing, objs, batch_size=3)
    assert [s.kind for s in log.queries] == ["insert"] * 3
    assert [s.sql for s in log.statements if s.kind == "transaction"] == ["BEGIN", "COMMIT"]
    pks = [o.pk for o in objs]
    assert None not in pks and pks == sorted(pks)
    assert dict(await Thing.objects.values_list("id", "code")) == {o.pk: o.code for o in objs}


async def test_bulk_create_ignore_conflicts(tables: None) -> None:
    await Thing.objects.create(code="dup", qty=1)
    await bulk_create(Thing, [Thing(code="dup", qty=9), Thing(code="fresh", qty=2)], ignore_conflicts=True)
    assert await Thing.objects.order_by("code").values_list("code", "qty") == [("dup", 1), ("fresh", 2)]


async def test_bulk_create_update_conflicts(tables: None) -> None:
    first = await Thing.objects.create(code="sku1", qty=1, note="keep")
    objs = [Thing(code="sku1", qty=50, note="new"), Thing(code="sku2", qty=7)]
    await bulk_create(Thing, objs, update_conflicts=True, unique_fields=["code"], update_fields=["qty"])
    assert await Thing.objects.order_by("code").values_list("code", "qty", "note") == [
        ("sku1", 50, "keep"),
        ("sku2", 7, None),
    ]
    assert objs[0].pk == first.pk
    assert objs[1].pk is not None and objs[1].pk != first.pk


async def test_bulk_create_bad_input(tables: None) -> None:
    with pytest.raises(TypeError, match="must be a Thing"):
        await bulk_create(Thing, [Thing(code="a"), Keyed(key="k", value=1)])  # type: ignore[list-item]
    with pytest.raises(QueryError, match="not both"):
        await bulk_create(Thing, [Thing(code="a")], ignore_conflicts=True, update_conflicts=True)
    with pytest.raises(QueryError, match="needs update_fields"):
        await bulk_create(Thing, [Thing(code="a")], update_conflicts=True)
    with pytest.raises(FieldError, match="nope"):
        await bulk_create(Thing, [Thing(code="a")], update_conflicts=True, update_fields=["nope"])
    with pytest.raises(TypeError, match="batch_size"):
        await bulk_create(Thing, [Thing(code="a")], batch_size=0)
    with pytest.raises(ryx.ValidationError):
        await bulk_create(Thing, [Thing(code="x" * 30)], validate=True)
    assert await Thing.objects.count() == 0
    assert await bulk_create(Thing, []) == []


async def test_bulk_create_joins_the_open_transaction(tables: None) -> None:
    """Defect 3: bulk operations bypassed the active transaction."""
    with pytest.raises(RuntimeError, match="boom"):
        async with ryx.transaction():
            await bulk_create(Thing, [Thing(code="t1"), Thing(code="t2")])
            assert await Thing.objects.count() == 2
            raise RuntimeError("boom")
    assert await Thing.objects.count() == 0


# ------------------------------------------------------------------------------------------------- update


async def test_bulk_update_across_batches(tables: None) -> None:
    """Defect 11: 0.1.5 sent one statement with the last batch's keys, corrupting rows."""
    objs = await bulk_create(Thing, [Thing(code=f"u{i}", qty=i) for i in range(25)])
    for obj in objs:
        obj.qty = obj.qty * 10
        obj.note = f"n{obj.qty}" if obj.qty % 20 else None
    assert await bulk_update(Thing, objs, ["qty", "note"], batch_size=4) == 25
    rows = dict((code, (qty, note)) for code, qty, note in await Thing.objects.values_list("code", "qty", "note"))
    assert all(rows[f"u{i}"] == (i * 10, f"n{i * 10}" if (i * 10) % 20 else None) for i in range(25))


async def test_bulk_update_details(tables: None) -> None:
    objs = await Thing.objects.bulk_create([Thing(code="a", qty=1), Thing(code="b", qty=2)])
    objs[0].qty, objs[1].qty = 5, 6
    assert await Thing.objects.bulk_update([*objs, Thing(code="unsaved")], ["qty", "id"]) == 2  # pk skipped
    assert await Thing.objects.order_by("code").values_list("qty", flat=True) == [5, 6]
    assert await bulk_update(Thing, objs, []) == 0
    assert await bulk_update(Thing, [], ["qty"]) == 0
    with pytest.raises(FieldError, match="nope"):
        await bulk_update(Thing, objs, ["nope"])
    with pytest.raises(TypeError, match="str"):
        await bulk_update(Thing, objs, "qty")
    keyed = await bulk_create(Keyed, [Keyed(key="k1", value=1), Keyed(key="k2", value=2)])
    keyed[1].value = 20
    assert await bulk_update(Keyed, keyed, ["value"]) == 2  # non-integer keys work
    assert await Keyed.objects.order_by("key").values_list("value", flat=True) == [1, 20]


# ------------------------------------------------------------------------------------------------- delete


async def test_bulk_delete(tables: None) -> None:
    objs = await bulk_create(Thing, [Thing(code=f"d{i}") for i in range(12)])
    assert await bulk_delete(Thing, objs[:7], batch_size=3) == 7
    assert await Thing.objects.count() == 5
    assert await Thing.objects.bulk_delete(objs[7:9]) == 2
    assert await Thing.objects.bulk_delete() == 3
    assert await bulk_delete(Thing, [Thing(code="unsaved")]) == 0


async def test_bulk_stream_helper(tables: None) -> None:
    await bulk_create(Thing, [Thing(code=f"s{i:02d}") for i in range(7)])
    codes = [t.code async for t in stream(Thing.objects.order_by("code"), chunk_size=3)]
    assert codes == [f"s{i:02d}" for i in range(7)]
