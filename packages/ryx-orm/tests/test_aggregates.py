"""Aggregates: aggregate(), annotate(), GROUP BY through values(), HAVING, DISTINCT, types (defects 12, 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ryx import (
    Avg,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    F,
    IntField,
    Max,
    Min,
    Model,
    Q,
    RawAgg,
    Sum,
)
from ryx.exceptions import NotSupportedError, QueryError
from support import create_tables, drop_tables, unique_name

UTC = dt.UTC


class Sale(Model):
    region = CharField(max_length=10)
    product = CharField(max_length=10)
    qty = IntField()
    price = DecimalField(max_digits=8, decimal_places=2)
    note = CharField(max_length=20, null=True)
    sold = DateTimeField()

    class Meta:
        table_name = unique_name("ag_sales")
        ordering = ("-sold",)


@pytest.fixture
async def sales(db: str) -> AsyncIterator[None]:
    await create_tables(Sale)
    data = [
        ("north", "apple", 3, "1.50", "a", 1),
        ("north", "pear", 5, "2.00", None, 2),
        ("south", "apple", 7, "1.50", "b", 3),
        ("south", "apple", 1, "1.75", None, 4),
        ("east", "plum", 2, "3.00", "c", 5),
    ]
    await Sale.objects.bulk_create(
        [
            Sale(region=r, product=p, qty=q, price=Decimal(pr), note=n, sold=dt.datetime(2024, 1, d, tzinfo=UTC))
            for r, p, q, pr, n, d in data
        ]
    )
    yield
    await drop_tables(Sale)


async def test_aggregate_values_and_types(sales: None) -> None:
    result = await Sale.objects.aggregate(
        n=Count(), total=Sum("qty"), avg=Avg("qty"), low=Min("qty"), high=Max("qty"), money=Sum("price")
    )
    assert result == {"n": 5, "total": 18, "avg": 3.6, "low": 1, "high": 7, "money": Decimal("9.75")}
    assert type(result["total"]) is int and type(result["n"]) is int and type(result["avg"]) is float
    assert type(result["money"]) is Decimal


async def test_aggregate_on_columns_not_literals(sales: None) -> None:
    """Defect 12: 0.1.5 double-quoted aggregate columns, so SQLite's MAX returned the string '"views"'."""
    result = await Sale.objects.aggregate(m=Max("product"), s=Sum("qty"), latest=Max("sold"), first=Min("sold"))
    assert result["m"] == "plum"
    assert result["s"] == 18
    assert result["latest"] == dt.datetime(2024, 1, 5, tzinfo=UTC)
    assert result["first"] == dt.datetime(2024, 1, 1, tzinfo=UTC)


async def test_aggregate_respects_filters_and_default_names(sales: None) -> None:
    assert await Sale.objects.filter(region="south").aggregate(Sum("qty"), Count("id")) == {
        "qty__sum": 8,
        "id__count": 2,
    }
    assert await Sale.objects.filter(Q(region="north") | Q(product="plum")).aggregate(Count()) == {"count": 3}


async def test_distinct_aggregates(sales: None) -> None:
    result = await Sale.objects.aggregate(
        regions=Count("region", distinct=True), prices=Sum("price", distinct=True), notes=Count("note")
    )
    assert result == {"regions": 3, "prices": Decimal("8.25"), "notes": 3}


async def test_empty_aggregates(sales: None) -> None:
    empty = Sale.objects.filter(qty__gt=100)
    assert await empty.aggregate(n=Count(), s=Sum("qty"), a=Avg("qty")) == {"n": 0, "s": None, "a": None}
    assert await empty.aggregate(s=Sum("qty", default=0)) == {"s": 0}
    assert await Sale.objects.none().aggregate(n=Count(), s=Sum("qty", default=0), m=Max("qty")) == {
        "n": 0,
        "s": 0,
        "m": None,
    }


async def test_raw_aggregate(sales: None) -> None:
    assert await Sale.objects.aggregate(w=RawAgg("SUM(qty * ?)", params=[2])) == {"w": 36}
    assert await Sale.objects.aggregate(RawAgg("COUNT(*)", "rows")) == {"rows": 5}


async def test_aggregate_of_expressions(sales: None) -> None:
    result = await Sale.objects.aggregate(revenue=Sum(F("qty") * F("price")))
    assert result["revenue"] == Decimal("32.75")
    annotated = Sale.objects.annotate(double=F("qty") * 2)
    assert await annotated.aggregate(s=Sum("double")) == {"s": 36}


async def test_aggregate_errors(sales: None) -> None:
    with pytest.raises(QueryError, match="at least one aggregate"):
        await Sale.objects.aggregate()
    with pytest.raises(TypeError, match="needs an aggregate"):
        await Sale.objects.aggregate(x=F("qty"))
    with pytest.raises(TypeError, match="give it a name"):
        await Sale.objects.aggregate(Sum(F("qty") * 2))
    with pytest.raises(NotSupportedError, match="sliced"):
        await Sale.objects.all()[:2].aggregate(s=Sum("qty"))
    with pytest.raises(NotSupportedError, match="grouped"):
        await Sale.objects.annotate(n=Count()).aggregate(x=Sum("qty"))
    with pytest.raises(QueryError, match="already an aggregate"):
        Sale.objects.annotate(n=Count()).annotate(x=Sum("n"))
    with pytest.raises(QueryError, match="distinct=True"):
        Count("*", distinct=True)


# ----------------------------------------------------------------------------------------------- grouping


async def test_values_then_annotate_groups(sales: None) -> None:
    """values(...).annotate(agg) is GROUP BY the values fields, once (defect 12 repeated them)."""
    rows = await Sale.objects.values("region").annotate(n=Count("id"), units=Sum("qty")).order_by("region")
    assert rows == [
        {"region": "east", "n": 1, "units": 2},
        {"region": "north", "n": 2, "units": 8},
        {"region": "south", "n": 2, "units": 8},
    ]
    rows = await Sale.objects.values("region", "product").annotate(n=Count()).order_by("region", "product")
    assert [(r["region"], r["product"], r["n"]) for r in rows] == [
        ("east", "plum", 1),
        ("north", "apple", 1),
        ("north", "pear", 1),
        ("south", "apple", 2),
    ]
    assert await Sale.objects.values("region").annotate(n=Count()).count() == 3


async def test_group_filters_having_and_ordering_by_aggregate(sales: None) -> None:
    grouped = Sale.objects.values("region").annotate(total=Sum("qty"))
    assert await grouped.filter(total__gt=5).order_by("region").values_list("region", flat=True) == [
        "north",
        "south",
    ]
    assert await grouped.exclude(total__gt=5).values_list("region", "total") == [("east", 2)]
    assert await grouped.filter(product="apple").order_by("-total").values_list("region", "total") == [
        ("south", 8),
        ("north", 3),
    ]
    assert await grouped.order_by("-total", "region").values_list("region", flat=True) == ["north", "south", "east"]


async def test_values_list_with_group(sales: None) -> None:
    assert sorted(await Sale.objects.values_list("product").annotate(n=Count())) == [
        ("apple", 3),
        ("pear", 1),
        ("plum", 1),
    ]


async def test_annotations_land_on_instances(sales: None) -> None:
    """Defect 16: the original dropped annotations."""
    objs = await Sale.objects.annotate(total=F("qty") * F("price"), big=F("qty") + 100).order_by("qty")
    assert [o.qty for o in objs] == [1, 2, 3, 5, 7]
    assert [o.big for o in objs] == [101, 102, 103, 105, 107]  # type: ignore[attr-defined]
    assert objs[0].total == Decimal("1.75")  # type: ignore[attr-defined]
    obj = await Sale.objects.annotate(n=Count("id")).get(qty=7)
    assert obj.n == 1  # type: ignore[attr-defined]
    assert (await Sale.objects.annotate(big=F("qty") + 100).filter(big__gt=106).get()).qty == 7


async def test_annotation_names_are_checked(sales: None) -> None:
    with pytest.raises(QueryError, match="conflicts with a field"):
        Sale.objects.annotate(qty=Count())
    with pytest.raises(QueryError, match="already defined"):
        Sale.objects.annotate(n=Count()).annotate(n=Sum("qty"))
    with pytest.raises(TypeError, match="use F"):
        Sale.objects.annotate(n="qty")
