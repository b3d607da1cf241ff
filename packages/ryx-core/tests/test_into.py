"""``Query.fetch_all(into=(cls, names, extra))``: rows become instances built without ``__init__``."""

from __future__ import annotations

from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables
from ryx_core import Query


class Point:
    def __init__(self) -> None:
        raise AssertionError("__init__ must not run for rows")


async def test_rows_become_instances_with_extra_attributes(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False), ddl.Col("label", "varchar")])
    await ryx_core.bulk_insert(t, ["x", "label"], [[1, "a"], [2, None]])
    q = Query(t).select("id", "x", "label").order_by("x")
    extra = {"_origin": "db"}
    for got in (
        await q.fetch_all(into=(Point, ["id", "x", "label"], extra)),
        q.fetch_all_sync(into=(Point, ("id", "x", "label"), None)),
    ):
        assert [type(p) for p in got] == [Point, Point]
        assert [(p.x, p.label) for p in got] == [(1, "a"), (2, None)]
    first: Any = (await q.fetch_all(into=(Point, ["id", "x", "label"], extra)))[0]
    assert first.__dict__ == {"id": first.id, "x": 1, "label": "a", "_origin": "db"}
    assert await Query(t).filter(x=99).select("id").fetch_all(into=(Point, ["id"], None)) == []


@pytest.mark.parametrize(
    "into",
    [
        "Point",
        (Point, ["id"]),
        ("not a class", ["id"], None),
        (Point, [1], None),
        (Point, ["id"], ["not", "a", "dict"]),
    ],
)
async def test_a_bad_into_is_a_query_error_before_anything_runs(db: Backend, tables: Tables, into: Any) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    with pytest.raises(ryx_core.QueryError, match="into= takes a tuple"):
        await Query(t).select("id").fetch_all(into=into)


async def test_names_must_match_the_columns(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1]])
    with pytest.raises(ryx_core.QueryError, match="names 1 attributes but the rows have 2 columns"):
        await Query(t).select("id", "x").fetch_all(into=(Point, ["id"], None))
