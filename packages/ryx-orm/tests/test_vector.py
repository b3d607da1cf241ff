"""VectorField: conversion and checks, JSON round trip on every backend, pgvector distance queries, migrations."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import ryx
import ryx_core
from ryx import fields as f
from ryx.exceptions import FieldError, NotSupportedError, QueryError, ValidationError
from ryx.models import Model
from support import create_tables, drop_tables, unique_name


class Item(Model):
    name = f.CharField(max_length=20)
    embedding = f.VectorField(dimensions=3, null=True)

    class Meta:
        table_name = unique_name("vitem")


class FakeArray:
    """Stands in for a numpy array: has tolist()."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def tolist(self) -> list[float]:
        return list(self.values)


@pytest.fixture
async def items(db: str) -> Any:
    await create_tables(Item)
    yield db
    await drop_tables(Item)


# ------------------------------------------------------------------------------------------------ values


def test_options_and_description() -> None:
    field = Item._meta.get_field("embedding")
    assert field.db_type() == "JSON"
    assert field.deconstruct()["dimensions"] == 3
    assert f.VectorField().dimensions == 768
    for bad in (0, -1, 16001):
        with pytest.raises(ValueError, match="dimensions must be"):
            f.VectorField(dimensions=bad)
    with pytest.raises(TypeError, match="dimensions must be an int"):
        f.VectorField(dimensions=3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [[1, 2, 3], (1.5, -2, 0), FakeArray([0.1, 0.2, 0.3])])
def test_to_python_gives_a_list_of_floats(value: Any) -> None:
    out = Item._meta.get_field("embedding").to_python(value)
    assert isinstance(out, list) and len(out) == 3 and all(type(x) is float for x in out)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1.0, 2.0], "has 2 dimensions, the field stores 3"),
        ([1.0, 2.0, 3.0, 4.0], "has 4 dimensions"),
        ([1.0, math.nan, 3.0], "item 1 is nan; vectors hold finite numbers only"),
        ([1.0, 2.0, math.inf], "item 2 is inf"),
        ([True, 2.0, 3.0], "item 0 is True, not a number"),
        (["1", 2.0, 3.0], "item 0 is '1', not a number"),
        ([1e39, 0.0, 0.0], "beyond the 32-bit float range"),
        ("[1,2,3]", "not a valid vector"),
        ({"a": 1}, "not a valid vector"),
        (5, "not a valid vector"),
    ],
)
def test_bad_vectors_raise_validation_error_and_change_nothing(value: Any, message: str) -> None:
    item = Item(name="a", embedding=[0.0, 0.0, 1.0])
    with pytest.raises(ValidationError, match=message.replace("[", r"\[")):
        item.embedding = value
    assert item.embedding == [0.0, 0.0, 1.0]


async def test_in_place_change_is_caught_by_validation() -> None:
    item = Item(name="a", embedding=[0.0, 0.0, 1.0])
    item.embedding.append(2.0)
    with pytest.raises(ValidationError, match="has 4 dimensions"):
        await item.full_clean()


# ------------------------------------------------------------------------------------------------ storage


async def test_round_trip_as_json(items: str) -> None:
    await Item.objects.create(name="a", embedding=[1, -2.5, 3e-7])
    await Item.objects.create(name="none")
    loaded = await Item.objects.get(name="a")
    assert loaded.embedding == [1.0, -2.5, 3e-7]
    assert all(type(x) is float for x in loaded.embedding)
    assert (await Item.objects.get(name="none")).embedding is None
    assert await Item.objects.filter(embedding__isnull=True).count() == 1
    assert await Item.objects.values_list("embedding", flat=True).filter(name="a") == [[1.0, -2.5, 3e-7]]
    objs = await Item.objects.bulk_create([Item(name=str(i), embedding=[i, i, i]) for i in range(3)])
    for obj in objs:
        obj.embedding = [0.5, 0.5, 0.5]
    assert await ryx.bulk_update(Item, objs, ["embedding"]) == 3
    assert await Item.objects.filter(name="2").values_list("embedding", flat=True) == [[0.5, 0.5, 0.5]]


async def test_unsupported_lookup_is_a_field_error(items: str) -> None:
    with pytest.raises(FieldError, match="gt"):
        Item.objects.filter(embedding__gt=[1, 2, 3])


async def test_bad_distance_arguments_are_refused_on_every_backend(items: str) -> None:
    with pytest.raises(QueryError, match=r"unknown pgvector distance operator '<<>'; use one of '<->'"):
        Item.objects.nearest_neighbors("embedding", [1, 2, 3], operator="<<>")
    with pytest.raises(ValueError, match="k must be at least 1, not 0"):
        Item.objects.nearest_neighbors("embedding", [1, 2, 3], k=0)
    with pytest.raises(TypeError, match="k must be an int"):
        Item.objects.nearest_neighbors("embedding", [1, 2, 3], k=2.5)  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="has 2 dimensions"):
        Item.objects.order_by_distance("embedding", [1, 2])
    with pytest.raises(QueryError, match="distances need a VectorField"):
        Item.objects.order_by_distance("name", [1, 2, 3])
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope'"):
        Item.objects.order_by_distance("nope", [1, 2, 3])


@pytest.mark.backend("sqlite", "mysql", reason="the NotSupportedError of backends without pgvector")
async def test_distance_queries_need_postgresql(items: str) -> None:
    await Item.objects.create(name="a", embedding=[1, 2, 3])
    backend = ryx_core.get_backend()
    qs = Item.objects.nearest_neighbors("embedding", [1, 2, 3], k=1)
    with pytest.raises(NotSupportedError, match=f"not supported on backend '{backend}'"):
        await qs
    with pytest.raises(NotSupportedError, match="pgvector"):
        await Item.objects.order_by_distance("embedding", [1, 2, 3]).first()
    assert await Item.objects.count() == 1


# ------------------------------------------------------------------------------------------------ pgvector


async def _require_extension() -> None:
    try:
        await ryx_core.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except ryx.DatabaseError as exc:
        pytest.skip(f"the pgvector extension is not available on this PostgreSQL server: {exc}")


def _l2(a: list[float], b: list[float]) -> float:
    return math.dist(a, b)


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return 1 - dot / (math.hypot(*a) * math.hypot(*b))


def _neg_ip(a: list[float], b: list[float]) -> float:
    return -sum(x * y for x, y in zip(a, b, strict=True))


POINTS = {
    "x": [1.0, 0.0, 0.0],
    "y": [0.0, 2.0, 0.0],
    "z": [0.0, 0.0, 3.0],
    "xy": [1.0, 1.0, 0.0],
    "far": [9.0, 9.0, 9.0],
}


@pytest.mark.backend("postgres", reason="pgvector is a PostgreSQL extension")
@pytest.mark.parametrize(("operator", "distance"), [("<->", _l2), ("<=>", _cosine), ("<#>", _neg_ip)])
async def test_nearest_neighbors_with_pgvector(items: str, operator: str, distance: Any) -> None:
    await _require_extension()
    await Item.objects.bulk_create([Item(name=n, embedding=v) for n, v in POINTS.items()])
    await Item.objects.create(name="null")
    query = [0.9, 0.8, 0.1]
    expected = sorted(POINTS, key=lambda n: distance(POINTS[n], query))
    got = await Item.objects.nearest_neighbors("embedding", query, k=3, operator=operator)
    assert [i.name for i in got] == expected[:3]
    ordered = await Item.objects.filter(embedding__isnull=False).order_by_distance("embedding", query, operator)
    assert [i.name for i in ordered] == expected
    filtered = await Item.objects.exclude(name=expected[0]).nearest_neighbors(
        "embedding", query, k=1, operator=operator
    )
    assert [i.name for i in filtered] == [expected[1]]


@pytest.mark.backend("postgres", reason="pgvector is a PostgreSQL extension")
async def test_nearest_neighbors_ranks_first_and_binds_the_vector(items: str) -> None:
    await _require_extension()
    await Item.objects.bulk_create([Item(name=n, embedding=v) for n, v in POINTS.items()])
    qs = Item.objects.order_by("-name").nearest_neighbors("embedding", [9, 9, 9], k=2)
    sql, params = qs.sql("postgres")
    assert "CAST($1 AS vector(3))" in sql and "[9.0,9.0,9.0]" in params
    assert sql.index("<->") < sql.index('"name" DESC')
    assert [i.name for i in await qs] == ["far", "z"]  # |far-q| = 0, |z-q| = 14.07 < |xy-q| = 14.46
    values = await qs.values_list("name", flat=True)
    assert values == ["far", "z"]


@pytest.mark.backend("postgres", reason="pgvector indexes are PostgreSQL only")
async def test_hnsw_index_on_the_cast_expression_is_used(items: str) -> None:
    await _require_extension()
    await Item.objects.bulk_create([Item(name=str(i), embedding=[i, i % 7, i % 3]) for i in range(200)])
    field = Item._meta.get_field("embedding")
    index = unique_name("vidx")
    await ryx_core.execute(field.index_sql(index, "<->"))
    async with ryx.transaction():
        await ryx_core.execute("SET LOCAL enable_seqscan = off", tx=ryx.get_active_transaction())
        sql, params = Item.objects.nearest_neighbors("embedding", [5, 5, 2], k=3).sql("postgres")
        plan = await ryx_core.fetch_all("EXPLAIN " + sql, params, tx=ryx.get_active_transaction())
        assert index in " ".join(str(v) for row in plan for v in row.values())
        got = await Item.objects.nearest_neighbors("embedding", [5, 5, 2], k=1)
    assert [i.name for i in got] == ["5"]
    with pytest.raises(QueryError, match="unknown pgvector index method"):
        field.index_sql("x", method="btree")


# ------------------------------------------------------------------------------------------------ migrations


async def test_migrate_creates_file_image_and_vector_columns(db: str, tmp_path: Path) -> None:
    from ryx_migrate.runner import MigrationRunner

    class Asset(Model):
        document = f.FileField(upload_to="d", max_length=120, blank=True)
        picture = f.ImageField(null=True, blank=True, width_field="w", height_field="h")
        w = f.IntField(null=True)
        h = f.IntField(null=True)
        embedding = f.VectorField(dimensions=4, null=True)

        class Meta:
            table_name = unique_name("asset")

    prefix = unique_name("mig")
    runner = MigrationRunner([Asset], migrations_dir=tmp_path / "migrations", history_table=f"{prefix}_history")
    try:
        await runner.migrate()
        asset = await Asset.objects.create(document="d/a.txt", embedding=[1, 2, 3, 4])
        loaded = await Asset.objects.get(pk=asset.pk)
        assert loaded.document == "d/a.txt" and loaded.picture is None and loaded.embedding == [1.0, 2.0, 3.0, 4.0]
        if db == "sqlite":  # SQLite keeps the declared type but does not enforce lengths
            columns = await ryx_core.fetch_all(f"PRAGMA table_info({Asset._meta.table_name})")
            types = {c["name"]: c["type"] for c in columns}
            assert types["document"] == "VARCHAR(120)" and types["picture"] == "VARCHAR(255)"
        else:
            with pytest.raises(ryx.DatabaseError):  # the VARCHAR(120) column was created with its length
                await Asset.objects.filter(pk=asset.pk).update(document="d/" + "x" * 200)
    finally:
        await drop_tables(Asset)
        await ryx_core.execute(f"DROP TABLE IF EXISTS {prefix}_history")
