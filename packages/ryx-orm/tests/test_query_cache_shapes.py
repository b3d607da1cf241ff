"""The per-model caches of compiled filters, references, orderings and aggregates never reuse a wrong entry."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import ryx
from ryx import Avg, CharField, Count, DecimalField, F, FloatField, IntField, Manager, Max, Min, Model, Q, Sum
from ryx.exceptions import FieldError, QueryError, ValidationError
from ryx.router import BaseRouter, set_router
from support import create_tables, drop_tables, unique_name


class Item(Model):
    name = CharField(max_length=20)
    qty = IntField()
    note = CharField(max_length=20, null=True)
    price = DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        table_name = unique_name("qc_items")
        ordering = ("qty",)


class Reading(Model):
    value = FloatField()
    label = CharField(max_length=20)

    class Meta:
        table_name = unique_name("qc_readings")


class Twin(Model):
    """Same field names as Item, other types and table: a cache keyed by name alone would mix them up."""

    name = IntField()
    qty = CharField(max_length=20)

    class Meta:
        table_name = unique_name("qc_twins")


ROWS = [("a", 1, None, "1.50"), ("b", 3, "x", "2.00"), ("c", 5, None, "2.50"), ("d", 7, "x", "3.00")]


@pytest.fixture
async def items(db: str) -> AsyncIterator[None]:
    await create_tables(Item, Twin)
    await Item.objects.bulk_create([Item(name=n, qty=q, note=t, price=Decimal(p)) for n, q, t, p in ROWS])
    await Twin.objects.bulk_create([Twin(name=10, qty="1"), Twin(name=20, qty="3")])
    yield
    await drop_tables(Item, Twin)


async def names(qs: ryx.QuerySet[Item]) -> list[str]:
    return [obj.name for obj in await qs]


async def test_same_shape_other_values(items: None) -> None:
    for bound, expected in ((0, "abcd"), (3, "cd"), (6, "d"), (7, ""), (2, "bcd")):
        assert "".join(await names(Item.objects.filter(qty__gt=bound))) == expected
    for bound, expected in ((2, "ba"), (6, "dc"), (4, "cb")):  # the same filter + order + slice, other values
        assert "".join(await names(Item.objects.filter(qty__lt=bound + 2).order_by("-qty")[:2])) == expected
    assert (await Item.objects.get(pk=(await Item.objects.get(name="c")).pk)).qty == 5
    assert (await Item.objects.get(name="a")).qty == 1 and (await Item.objects.get(name="d")).qty == 7
    _, first = Item.objects.filter(qty__gt=1).sql()
    _, second = Item.objects.filter(qty__gt=2).sql()
    assert first == [1] and second == [2]


async def test_chains_built_again_and_again(items: None) -> None:
    """A chain built the same way is memoized from its second build: later builds must still see their values."""
    for _ in range(4):
        for bound, expected in ((0, "dc"), (4, "dc"), (5, "d"), (7, "")):
            assert "".join(await names(Item.objects.filter(qty__gt=bound).order_by("-qty")[:2])) == expected
            lowest = "".join(await names(Item.objects.filter(qty__gt=bound).order_by("qty").limit(1)))
            assert lowest == {0: "a", 4: "c", 5: "d", 7: ""}[bound]
        for offset, expected in ((0, "ab"), (1, "bc"), (3, "d")):
            assert "".join(await names(Item.objects.all()[offset : offset + 2])) == expected
            assert "".join(await names(Item.objects.order_by("qty").offset(offset).limit(2))) == expected
        for name, qty in (("a", 1), ("c", 5)):
            assert (await Item.objects.get(name=name)).qty == qty
            assert (await Item.objects.filter(name=name).get()).qty == qty
        with pytest.raises(Item.DoesNotExist):
            await Item.objects.get(name="zz")
        with pytest.raises(Item.MultipleObjectsReturned):
            await Item.objects.get(note="x")
        assert await Item.objects.filter(qty__lt=4).count() == 2


async def test_equal_values_bound_differently(db: str) -> None:
    """-0.0 equals 0.0 and True equals 1: a memo keyed on equality alone would bind one for the other."""
    await create_tables(Reading)
    try:
        await Reading.objects.bulk_create([Reading(value=0.0, label="zero"), Reading(value=1.0, label="1")])
        for _ in range(3):
            for value in (0.0, -0.0):
                params = Item.objects.filter(qty__gt=1).order_by("qty").sql()[1]
                assert params == [1]
                bound = Reading.objects.filter(value=value).sql()[1]
                assert bound == [value] and math.copysign(1.0, bound[0]) == math.copysign(1.0, value)
                assert [r.label for r in await Reading.objects.filter(value=value)] == ["zero"]
            for label in ("1", 1):
                bound = Reading.objects.filter(label=label).sql()[1]
                assert bound == ["1"] and type(bound[0]) is str
                assert [r.label for r in await Reading.objects.filter(label=label)] == ["1"]
            with pytest.raises(ValidationError):  # True equals 1, but a CharField refuses a bool
                Reading.objects.filter(label=True)
    finally:
        await drop_tables(Reading)


async def test_value_types_of_one_key(items: None) -> None:
    assert await names(Item.objects.filter(price=Decimal("2.00"))) == ["b"]
    assert await names(Item.objects.filter(price="2.50")) == ["c"]  # a str goes through the field's to_db too
    assert await names(Item.objects.filter(qty=True)) == ["a"]  # bool is its own type, not a cached int
    assert await names(Item.objects.filter(qty=3.0)) == ["b"]
    assert await names(Item.objects.filter(name__contains="b")) == ["b"]
    with pytest.raises(ValidationError, match="qty"):
        await Item.objects.filter(qty="many")


async def test_none_and_value_alternate(items: None) -> None:
    for _ in range(2):
        assert await names(Item.objects.filter(note=None)) == ["a", "c"]
        assert await names(Item.objects.filter(note="x")) == ["b", "d"]
        assert await names(Item.objects.exclude(note=None)) == ["b", "d"]
        assert await names(Item.objects.exclude(note="x")) == ["a", "c"]  # NULL rows kept, as in Django
    with pytest.raises(QueryError, match="None"):
        await Item.objects.filter(qty__gt=None)
    with pytest.raises(QueryError, match="True or False"):
        await Item.objects.filter(note__isnull="yes")


async def test_in_lists_of_other_lengths(items: None) -> None:
    assert await names(Item.objects.filter(qty__in=[1])) == ["a"]
    assert await names(Item.objects.filter(qty__in=[1, 5, 7])) == ["a", "c", "d"]
    assert await names(Item.objects.filter(qty__in=(3, 5))) == ["b", "c"]
    assert await names(Item.objects.filter(qty__in=[])) == []
    assert await names(Item.objects.filter(qty__range=(2, 6))) == ["b", "c"]
    with pytest.raises(QueryError, match="list"):
        await Item.objects.filter(qty__in=3)


async def test_q_and_f_after_plain_filters(items: None) -> None:
    assert await names(Item.objects.filter(qty=3)) == ["b"]
    assert await names(Item.objects.filter(Q(qty=1) | Q(qty=7))) == ["a", "d"]
    assert await names(Item.objects.filter(~Q(qty=3), qty__lt=6)) == ["a", "c"]
    assert await names(Item.objects.filter(qty=F("qty"))) == ["a", "b", "c", "d"]
    assert await names(Item.objects.filter(qty__gt=F("qty") - 1)) == ["a", "b", "c", "d"]
    assert await names(Item.objects.filter(qty__lt=F("price"))) == ["a"]
    assert await names(Item.objects.order_by(F("qty").desc())[:1]) == ["d"]


async def test_annotations_shadow_nothing(items: None) -> None:
    assert await names(Item.objects.order_by("-qty")) == ["d", "c", "b", "a"]
    doubled = Item.objects.annotate(twice=F("qty") * 2)
    assert [o.twice for o in await doubled.filter(twice__gt=6).order_by("-twice")] == [14, 10]
    assert await names(doubled.filter(qty__gt=3).order_by("qty")) == ["c", "d"]
    assert [row["qty"] for row in await Item.objects.values("qty").order_by("-qty")] == [7, 5, 3, 1]
    with pytest.raises(FieldError):
        await Item.objects.order_by("nothing")
    with pytest.raises(FieldError):
        await Item.objects.order_by("?")


async def test_models_sharing_field_names(items: None) -> None:
    assert await names(Item.objects.filter(qty=3)) == ["b"]
    assert [t.name for t in await Twin.objects.filter(qty="3")] == [20]
    assert [t.name for t in await Twin.objects.filter(qty=3)] == [20]  # IntField value through CharField.to_db
    assert [t.qty for t in await Twin.objects.order_by("-name")] == ["3", "1"]
    assert await names(Item.objects.order_by("-name")[:1]) == ["d"]
    assert (await Twin.objects.aggregate(m=Max("qty"), n=Count("name")))["m"] == "3"
    assert (await Item.objects.aggregate(m=Max("qty"), n=Count("name"))) == {"m": 7, "n": 4}


async def test_manager_inherited_after_use(db: str) -> None:
    """A child of a concrete model gets a copy of the parent's manager, made after the parent was queried."""

    class CachedParent(Model):
        label = CharField(max_length=20)
        objects = Manager()

        class Meta:
            table_name = unique_name("qc_parent")

    await create_tables(CachedParent)
    try:
        await CachedParent.objects.create(label="parent")
        assert [o.label for o in await CachedParent.objects.filter(label="parent")] == ["parent"]

        class CachedChild(CachedParent):
            class Meta:
                table_name = unique_name("qc_child")

        await create_tables(CachedChild)
        try:
            await CachedChild.objects.create(label="child")
            assert [o.label for o in await CachedChild.objects.all()] == ["child"]
            assert [type(o) for o in await CachedChild.objects.filter(label="child")] == [CachedChild]
            assert await CachedChild.objects.filter(label="parent").count() == 0
        finally:
            await drop_tables(CachedChild)
    finally:
        await drop_tables(CachedParent)


async def test_aggregates_of_one_field(items: None) -> None:
    assert await Item.objects.aggregate(n=Count("qty"), total=Sum("qty"), low=Min("qty")) == {
        "n": 4,
        "total": 16,
        "low": 1,
    }
    assert await Item.objects.aggregate(n=Count("note"), d=Count("note", distinct=True)) == {"n": 2, "d": 1}
    assert await Item.objects.filter(qty__gt=10).aggregate(s=Sum("qty"), z=Sum("qty", default=0)) == {
        "s": None,
        "z": 0,
    }
    assert await Item.objects.filter(qty__gt=4).aggregate(s=Sum("qty"), a=Avg("qty")) == {"s": 12, "a": 6.0}
    assert await Item.objects.none().aggregate(n=Count("qty"), s=Sum("qty")) == {"n": 0, "s": None}
    money = await Item.objects.aggregate(total=Sum("price"), avg=Avg("price"))
    assert money == {"total": Decimal("9.00"), "avg": Decimal("2.25")}
    doubled = Item.objects.annotate(twice=F("qty") * 2)
    assert await doubled.aggregate(s=Sum("twice")) == {"s": 32}


async def test_count_queries_counts_each_run(items: None) -> None:
    with ryx.count_queries() as log:
        for bound in (1, 2, 1, 2, 1, 2, 1, 2):
            await Item.objects.filter(qty__gt=bound).order_by("-qty")[:2]
        for _ in range(3):
            await Item.objects.aggregate(n=Count("qty"))
        for _ in range(3):
            await Item.objects.get(name="a")
    assert len(log) == 14
    assert [s.params for s in log.queries[:8]] == [(1, 2), (2, 2)] * 4
    assert [s.params for s in log.queries[-3:]] == [("a", 2)] * 3


class Rollback(Exception):
    pass


async def test_transaction_sees_its_own_rows(items: None) -> None:
    with pytest.raises(Rollback):
        async with ryx.transaction():
            await Item.objects.create(name="e", qty=9, price=Decimal("1"))
            assert await names(Item.objects.filter(qty__gt=8)) == ["e"]
            assert (await Item.objects.aggregate(n=Count("qty")))["n"] == 5
            raise Rollback
    assert await names(Item.objects.filter(qty__gt=8)) == []
    assert (await Item.objects.aggregate(n=Count("qty")))["n"] == 4


@pytest.fixture
async def two_aliases(db_url: str, tmp_path: Path, backend: str) -> AsyncIterator[None]:
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    await ryx.setup({"default": db_url, "other": f"sqlite://{other}"})
    try:
        await create_tables(Item)
        await create_tables(Item, alias="other")
        await Item.objects.bulk_create([Item(name=n, qty=q, note=t, price=Decimal(p)) for n, q, t, p in ROWS])
        await Item.objects.using("other").bulk_create([Item(name="z", qty=3, price=Decimal("9"))])
        yield
        await drop_tables(Item)
        await drop_tables(Item, alias="other")
    finally:
        await ryx.close()


async def test_aliases_via_using(two_aliases: None) -> None:
    for _ in range(3):
        assert await names(Item.objects.filter(qty=3)) == ["b"]
        assert await names(Item.objects.using("other").filter(qty=3)) == ["z"]
        assert await names(Item.objects.filter(qty=3).using("other")) == ["z"]
        assert (await Item.objects.using("other").aggregate(n=Count("qty")))["n"] == 1
        assert (await Item.objects.aggregate(n=Count("qty")))["n"] == 4
        assert (await Item.objects.using("other").get(qty=3)).name == "z"
        here, there = await Item.objects.filter(qty__lt=4), await Item.objects.using("other").all()
        assert {o._state_db for o in here} == {"default"} and {o._state_db for o in there} == {"other"}
        here[0]._state_db = "moved"  # each instance has its own state, whatever the engine was given
        assert [o._state_db for o in await Item.objects.filter(qty__lt=4)] == ["default", "default"]


class OtherReads(BaseRouter):
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "other" if model is Item else None


async def test_router_and_meta_database(two_aliases: None) -> None:
    """Memoized chains (built three times each) are routed when they run, not when they were first built."""
    for _ in range(3):
        assert await names(Item.objects.filter(qty=3)) == ["b"]
        assert (await Item.objects.get(qty=3)).name == "b"
    set_router(OtherReads())
    try:
        for _ in range(3):
            assert await names(Item.objects.filter(qty=3)) == ["z"]
            assert (await Item.objects.get(qty=3)).name == "z"
            assert (await Item.objects.aggregate(n=Count("qty")))["n"] == 1
            assert await names(Item.objects.using("default").filter(qty=3)) == ["b"]
    finally:
        set_router(None)
    assert await names(Item.objects.filter(qty=3)) == ["b"]
    Item._meta.database = "other"
    try:
        for _ in range(3):
            assert await names(Item.objects.filter(qty=3)) == ["z"]
            assert (await Item.objects.get(qty=3)).name == "z"
    finally:
        Item._meta.database = None
    assert (await Item.objects.get(qty=3)).name == "b"
