"""Q trees (&, |, ~, nesting, to_q_node) and F expressions in filters, updates, annotations and ordering."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import ryx
from ryx import CharField, F, IntField, Model, Q
from ryx.exceptions import FieldError, QueryError
from ryx.query import Value
from support import create_tables, drop_tables, unique_name


class Item(Model):
    name = CharField(max_length=20)
    a = IntField()
    b = IntField()
    c = IntField(null=True)

    class Meta:
        table_name = unique_name("qf_items")


@pytest.fixture
async def items(db: str) -> AsyncIterator[None]:
    await create_tables(Item)
    await Item.objects.bulk_create(
        [
            Item(name="one", a=1, b=10, c=None),
            Item(name="two", a=2, b=5, c=2),
            Item(name="three", a=3, b=3, c=3),
            Item(name="four", a=4, b=1, c=None),
        ]
    )
    yield
    await drop_tables(Item)


async def names(qs: ryx.QuerySet[Item]) -> list[str]:
    return sorted(await qs.values_list("name", flat=True))


# ------------------------------------------------------------------------------------------------------ Q


async def test_q_and_or_not_and_nesting(items: None) -> None:
    objs = Item.objects
    assert await names(objs.filter(Q(a=1) | Q(a=4))) == ["four", "one"]
    assert await names(objs.filter(Q(a__gte=2) & Q(b__gte=3))) == ["three", "two"]
    assert await names(objs.filter(~Q(a=1))) == ["four", "three", "two"]
    assert await names(objs.filter(~(Q(a=1) | Q(a=2)))) == ["four", "three"]  # a compound ~ is kept (HEAD dropped it)
    assert await names(objs.filter((Q(a=1) | Q(a=2)) & ~Q(b=5))) == ["one"]
    assert await names(objs.filter(Q(Q(a=1) | Q(b=1), name__startswith="o"))) == ["one"]
    assert await names(objs.filter(Q(a__gt=1), b__lt=5)) == ["four", "three"]  # kwargs ANDed with the tree
    assert await names(objs.filter(Q(a=1, b=10))) == ["one"]


async def test_empty_q_matches_everything(items: None) -> None:
    assert await Item.objects.filter(Q()).count() == 4
    assert await Item.objects.filter(Q() & Q(a=1)).count() == 1
    assert await Item.objects.filter(Q() | Q(a=1)).count() == 1


async def test_exclude_is_not_of_the_conjunction(items: None) -> None:
    """exclude(a=.., b=..) is NOT (a AND b) as in Django (the original did NOT a AND NOT b)."""
    assert await names(Item.objects.exclude(a=2, b=5)) == ["four", "one", "three"]
    assert await names(Item.objects.exclude(a=2, b=3)) == ["four", "one", "three", "two"]
    assert await names(Item.objects.exclude(a=2).exclude(b=3)) == ["four", "one"]
    assert await names(Item.objects.exclude(Q(a=1) | Q(a=2))) == ["four", "three"]
    assert await names(Item.objects.exclude(~Q(a=1))) == ["one"]


async def test_negation_keeps_null_rows(items: None) -> None:
    assert await names(Item.objects.exclude(c=2)) == ["four", "one", "three"]
    assert await names(Item.objects.filter(~Q(c__gte=3))) == ["four", "one", "two"]
    assert await names(Item.objects.filter(~~Q(c=2))) == ["two"]


def test_q_repr_and_serialisation() -> None:
    assert repr(Q(a=1)) == "Q(a=1)"
    assert repr(Q(a=1) | Q(b=2)) == "(Q(a=1) | Q(b=2))"
    assert repr(~Q(a=1)) == "~Q(a=1)"
    assert Q(a=1).to_q_node() == {"type": "leaf", "field": "a", "lookup": "exact", "value": 1, "negated": False}
    assert (~Q(a__gte=1)).to_q_node() == {"type": "leaf", "field": "a", "lookup": "gte", "value": 1, "negated": True}
    node = (Q(a=1) | ~Q(b__in=[1])).to_q_node()
    assert node["type"] == "or"
    assert node["children"][1] == {"type": "leaf", "field": "b", "lookup": "in", "value": [1], "negated": True}
    assert (~(Q(a=1) & Q(b=2))).to_q_node()["type"] == "not"
    assert Q(a=1, b=2).to_q_node()["type"] == "and"
    assert Q(a=1) == Q(a=1)
    assert Q(a=1) != Q(a=2)


def test_q_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="Q objects"):
        Q("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Q objects"):
        Item.objects.filter("a=1")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------------ F


async def test_f_compares_columns(items: None) -> None:
    assert await names(Item.objects.filter(a__gt=F("b"))) == ["four"]
    assert await names(Item.objects.filter(a=F("b"))) == ["three"]
    assert await names(Item.objects.filter(b=F("a") * 10)) == ["one"]
    assert await names(Item.objects.filter(b__lt=F("a") + 1)) == ["four", "three"]
    assert await names(Item.objects.filter(Q(a=F("c")) | Q(b=F("a") - 3))) == ["four", "three", "two"]


async def test_f_arithmetic_in_annotations(items: None) -> None:
    rows = await Item.objects.annotate(
        s=F("a") + F("b"), d=F("b") - F("a"), m=F("a") * 3, r=F("b") % 3, n=-F("a"), v=Value(7) + F("a")
    ).values("name", "s", "d", "m", "r", "n", "v")
    by_name = {row["name"]: row for row in rows}
    assert by_name["one"] == {"name": "one", "s": 11, "d": 9, "m": 3, "r": 1, "n": -1, "v": 8}
    assert by_name["four"]["r"] == 1 and by_name["four"]["d"] == -3
    assert all(type(row["s"]) is int for row in rows)


async def test_f_division(items: None) -> None:
    """Integer division follows the database; only the values that divide exactly are compared."""
    rows = await Item.objects.filter(name="two").annotate(h=F("b") * 2 / F("a")).values_list("h", flat=True)
    assert [int(v) for v in rows] == [5]


async def test_reverse_operators(items: None) -> None:
    rows = (
        await Item.objects.filter(name="one").annotate(x=100 - F("b"), y=2 * F("a"), z=1 + F("a")).values("x", "y", "z")
    )
    assert rows == [{"x": 90, "y": 2, "z": 2}]


async def test_f_in_update(items: None) -> None:
    assert await Item.objects.filter(a__lte=2).update(b=F("b") + F("a") * 10, c=F("a")) == 2
    assert await Item.objects.order_by("a").values_list("b", "c") == [(20, 1), (25, 2), (3, 3), (1, None)]
    await Item.objects.update(a=-F("a"))
    assert sorted(await Item.objects.values_list("a", flat=True)) == [-4, -3, -2, -1]


async def test_f_in_ordering(items: None) -> None:
    assert await Item.objects.order_by(F("b").desc()).values_list("name", flat=True) == ["one", "two", "three", "four"]
    assert await Item.objects.order_by(F("b").asc()).values_list("name", flat=True) == ["four", "three", "two", "one"]
    assert await Item.objects.order_by((F("a") - F("b")).desc()).values_list("name", flat=True) == [
        "four",
        "three",
        "two",
        "one",
    ]
    assert await Item.objects.order_by(F("a") * -1).values_list("a", flat=True) == [4, 3, 2, 1]


async def test_f_errors(items: None) -> None:
    with pytest.raises(FieldError, match="zzz"):
        Item.objects.filter(a=F("zzz"))
    with pytest.raises(FieldError, match="zzz"):
        await Item.objects.update(a=F("zzz") + 1)
    with pytest.raises(FieldError, match="zzz"):
        Item.objects.order_by(F("zzz").desc())
    with pytest.raises(TypeError, match="F\\(\\) needs a field name"):
        F("")
    with pytest.raises(QueryError, match="aggregate"):
        await Item.objects.update(a=ryx.Count("id"))
    assert sorted(await Item.objects.values_list("a", flat=True)) == [1, 2, 3, 4]  # nothing changed


def test_f_repr() -> None:
    assert repr(F("a")) == "F('a')"
    assert repr(F("a") + 1) == "(F('a') + Value(1))"
    assert repr(F("a").desc()) == "F('a').desc()"
    assert F("a") == F("a")
