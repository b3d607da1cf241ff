"""Slicing: OFFSET/LIMIT, offset without limit, indexing, and slices honoured by count/update/delete (defects 6, 27)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ryx import IntField, Model
from ryx.exceptions import QueryError
from support import create_tables, drop_tables, unique_name


class Num(Model):
    n = IntField()

    class Meta:
        table_name = unique_name("sl_nums")
        ordering = ("n",)


@pytest.fixture
async def nums(db: str) -> AsyncIterator[None]:
    await create_tables(Num)
    await Num.objects.bulk_create([Num(n=i) for i in range(10)])
    yield
    await drop_tables(Num)


def ns(qs: object) -> object:
    return qs.values_list("n", flat=True)  # type: ignore[attr-defined]


async def test_slices_are_offset_and_limit(nums: None) -> None:
    assert await ns(Num.objects.all()[2:5]) == [2, 3, 4]
    assert await ns(Num.objects.all()[:3]) == [0, 1, 2]
    assert await ns(Num.objects.order_by("-n")[:2]) == [9, 8]
    assert await ns(Num.objects.all()[3:3]) == []
    assert await ns(Num.objects.all()[5:2]) == []


async def test_offset_without_limit_works_everywhere(nums: None) -> None:
    """Defect 27: qs[n:] was invalid SQL on SQLite and MySQL."""
    assert await ns(Num.objects.all()[7:]) == [7, 8, 9]
    assert await ns(Num.objects.all().offset(8)) == [8, 9]
    assert await Num.objects.all()[7:].count() == 3


async def test_slices_compose(nums: None) -> None:
    assert await ns(Num.objects.all()[2:8][1:3]) == [3, 4]
    assert await ns(Num.objects.all()[2:8][4:]) == [6, 7]
    assert await ns(Num.objects.all()[2:8][5:10]) == [7]
    assert await ns(Num.objects.all()[5:][1:2]) == [6]
    assert await ns(Num.objects.all().limit(4).offset(2)) == [2, 3, 4, 5]
    assert await ns(Num.objects.all().limit(4).limit(None)) == list(range(10))


async def test_index_returns_an_awaitable(nums: None) -> None:
    assert (await Num.objects.all()[0]).n == 0
    assert (await Num.objects.all()[9]).n == 9
    assert (await Num.objects.order_by("-n")[1]).n == 8
    assert (await Num.objects.all()[3:][2]).n == 5
    with pytest.raises(IndexError):
        await Num.objects.all()[10]
    with pytest.raises(IndexError):
        await Num.objects.all()[2:4][2]


def test_bad_keys_raise_type_errors() -> None:
    qs = Num.objects.all()
    with pytest.raises(TypeError, match="negative"):
        qs[-1]
    with pytest.raises(TypeError, match="negative"):
        qs[-3:]
    with pytest.raises(TypeError, match="negative"):
        qs[:-1]
    with pytest.raises(TypeError, match="step"):
        qs[::2]
    with pytest.raises(TypeError, match="ints or slices"):
        qs["a"]  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="ints or None"):
        qs[1.5:]  # type: ignore[misc]
    with pytest.raises(TypeError):
        qs.limit("3")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="non-negative"):
        qs.limit(-1)
    with pytest.raises(QueryError, match="non-negative"):
        qs.offset(-1)


async def test_count_honours_slices_and_distinct(nums: None) -> None:
    """Defect 6: count() ignored LIMIT, OFFSET and DISTINCT."""
    assert await Num.objects.all()[:2].count() == 2
    assert await Num.objects.all()[8:20].count() == 2
    assert await Num.objects.all()[20:].count() == 0
    assert await Num.objects.all()[2:5].exists()
    assert not await Num.objects.all()[10:].exists()
    await Num.objects.bulk_create([Num(n=1), Num(n=1)])
    assert await Num.objects.values("n").distinct().count() == 10
    assert await Num.objects.values("n").count() == 12


async def test_delete_honours_slices_and_order(nums: None) -> None:
    """Defect 6: qs.order_by("id")[:1].delete() deleted every row in the original."""
    assert await Num.objects.order_by("-n")[:1].delete() == 1
    assert await ns(Num.objects.all()) == list(range(9))
    assert await Num.objects.all()[2:4].delete() == 2
    assert await ns(Num.objects.all()) == [0, 1, 4, 5, 6, 7, 8]
    assert await Num.objects.filter(n__gte=5)[1:].delete() == 3
    assert await ns(Num.objects.all()) == [0, 1, 4, 5]


async def test_update_honours_slices_and_order(nums: None) -> None:
    assert await Num.objects.order_by("-n")[:3].update(n=100) == 3
    assert await ns(Num.objects.all()) == [0, 1, 2, 3, 4, 5, 6, 100, 100, 100]
    assert await Num.objects.all()[7:].update(n=0) == 3
    assert await Num.objects.filter(n=0).count() == 4
