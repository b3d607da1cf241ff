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
    with pytest.raises(ryx_core.QueryError, match="into= takes"):
        await Query(t).select("id").fetch_all(into=into)


async def test_names_must_match_the_columns(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1]])
    with pytest.raises(ryx_core.QueryError, match="names 1 attributes but the rows have 2 columns"):
        await Query(t).select("id", "x").fetch_all(into=(Point, ["id"], None))


class Slotted:
    __slots__ = ("id",)


class OwnNew:
    def __new__(cls, *args: Any) -> OwnNew:
        raise AssertionError("into= allocates as object.__new__ does; the class's __new__ must not run")


async def test_every_instance_has_its_own_dict_and_extra_wins_over_a_column(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1], [2]])
    q = Query(t).select("id", "x").order_by("x")
    first, second = await q.fetch_all(into=(Point, ["id", "x"], {"x": "extra", "tag": 0}))
    assert (first.x, second.x) == ("extra", "extra")
    first.tag = 1
    first.__dict__["new"] = True
    assert second.tag == 0 and "new" not in second.__dict__
    again = await q.fetch_all(into=(Point, ["id", "x"], {"tag": 0}))
    assert [(p.x, p.tag) for p in again] == [(1, 0), (2, 0)]


async def test_classes_that_object_new_cannot_fill_fail_as_they_would_in_python(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1]])
    q = Query(t).select("id")
    with pytest.raises(AttributeError):
        await q.fetch_all(into=(Slotted, ["id"], None))
    got = await q.fetch_all(into=(OwnNew, ["id"], None))
    assert type(got[0]) is OwnNew and isinstance(got[0].id, int)

    import abc

    class Abstract(abc.ABC):
        @abc.abstractmethod
        def f(self) -> None: ...

    with pytest.raises(TypeError, match="abstract"):
        await q.fetch_all(into=(Abstract, ["id"], None))

    class Number(int):
        pass

    with pytest.raises(TypeError):
        await q.fetch_all(into=(Number, ["id"], None))


async def test_a_prepared_into_serves_query_and_raw_sql_alike(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1], [2]])
    into = ryx_core.Into(Point, ["id", "x"], {"tag": "t"})
    assert repr(into).startswith("Into(") and "Point" in repr(into)
    q = Query(t).select("id", "x").order_by("x")
    from_query = await q.fetch_all(into=into)
    sql, params = q.sql(db.dialect)
    from_raw = await ryx_core.fetch_all(sql, params, into=into)
    from_raw_sync = ryx_core.fetch_all_sync(sql, params, into=into)
    for got in (from_query, from_raw, from_raw_sync, q.fetch_all_sync(into=into)):
        assert [(type(p), p.x, p.tag) for p in got] == [(Point, 1, "t"), (Point, 2, "t")]
    assert from_query[0] is not from_raw[0] and from_query[0].__dict__ is not from_raw[0].__dict__


@pytest.mark.parametrize(
    "args",
    [("Point", ["id"]), (Point, "id"), (Point, [1]), (Point, ["id"], ["not", "a", "dict"])],
)
def test_a_bad_prepared_into_is_a_query_error(args: Any) -> None:
    with pytest.raises(ryx_core.QueryError, match="into= takes"):
        ryx_core.Into(*args)


async def test_one_query_object_runs_on_aliases_of_other_backends(db: Backend, tables: Tables) -> None:
    # A Query keeps the SELECT it compiled for the first dialect; another alias's dialect compiles its own.
    t = await tables.create([ddl.Col("x", "int", null=False)])
    await ryx_core.bulk_insert(t, ["x"], [[1], [2], [3]])
    await ryx_core.setup({"default": db.url, "memory": "sqlite::memory:"})
    await ryx_core.execute(f'CREATE TABLE "{t}" ("id" INTEGER PRIMARY KEY, "x" INTEGER NOT NULL)', alias="memory")
    await ryx_core.execute(f'INSERT INTO "{t}" ("x") VALUES (?), (?)', [10, 20], alias="memory")
    q = Query(t).select("x").filter(x__gte=2).order_by("x")
    for _ in range(2):
        assert await q.fetch_all(as_tuples=True) == [(2,), (3,)]
        assert await q.fetch_all(as_tuples=True, alias="memory") == [(10,), (20,)]
        assert q.fetch_all_sync(as_tuples=True, alias="memory") == [(10,), (20,)]


class Owner:
    pass


class Pet:
    pass


async def test_joined_objects_are_built_and_attached_from_the_same_row(db: Backend, tables: Tables) -> None:
    owners = await tables.create([ddl.Col("name", "varchar")])
    pets = await tables.create([ddl.Col("name", "varchar"), ddl.Col("owner_id", "int")])
    await ryx_core.bulk_insert(owners, ["name"], [["ann"]])
    (ann,) = await Query(owners).select("id").fetch_all(as_tuples=True)
    await ryx_core.bulk_insert(pets, ["name", "owner_id"], [["rex", ann[0]], ["tom", None]])
    q = (
        Query(pets, alias="p")
        .join(owners, on=("p.owner_id", "o.id"), kind="left", alias="o")
        .select("p.id", "p.name", o_id="o.id", o_name="o.name")
        .order_by("p.name")
    )
    owner = ryx_core.Into(Owner, ["id", "name"], {"_origin": "o"})
    into = ryx_core.Into(Pet, ["id", "name"], None, joined=[(0, "owner", owner, 2, 2, "first_pet")])
    rex, tom = await q.fetch_all(into=into)
    assert (rex.name, type(rex.owner), rex.owner.name, rex.owner._origin) == ("rex", Owner, "ann", "o")
    assert rex.owner.first_pet is rex  # the back link names the parent
    assert tom.name == "tom" and tom.owner is None  # a NULL key: no related row
    assert q.fetch_all_sync(into=into)[0].owner.name == "ann"


@pytest.mark.parametrize(
    "joined",
    [
        "nope",
        [(0, "owner")],
        [(1, "owner", None, 2, 2, None)],  # not an Into
        [(5, "owner", "INTO", 2, 2, None)],  # a parent that does not exist yet
        [(0, "owner", "INTO", 3, 3, None)],  # columns that do not follow the main object's
        [(0, "owner", "INTO", 2, 9, None)],  # present outside the entry's columns
        [(0, 7, "INTO", 2, 2, None)],
    ],
)
def test_bad_joined_entries_are_query_errors(joined: Any) -> None:
    owner = ryx_core.Into(Owner, ["id", "name"])
    if isinstance(joined, list):
        joined = [tuple(owner if x == "INTO" else x for x in entry) for entry in joined]
    with pytest.raises(ryx_core.QueryError, match="joined"):
        ryx_core.Into(Pet, ["id", "name"], None, joined=joined)


async def test_grouped_instances_join_their_parents_groups(db: Backend, tables: Tables) -> None:
    pets = await tables.create([ddl.Col("name", "varchar"), ddl.Col("owner_id", "int")])
    await ryx_core.bulk_insert(pets, ["name", "owner_id"], [["rex", 1], ["tom", 2], ["fido", 1], ["stray", 9]])
    ann, bob = Owner(), Owner()
    groups: dict[Any, tuple[list[Any], Any]] = {1: ([], ann), 2: ([], bob)}
    base = ryx_core.Into(Pet, ["id", "name", "owner_id"])
    into = base.grouped("owner_id", groups, "owner")
    got = await Query(pets).select("id", "name", "owner_id").order_by("name").fetch_all(into=into)
    assert [p.name for p in got] == ["fido", "rex", "stray", "tom"]  # every row is returned
    assert [p.name for p in groups[1][0]] == ["fido", "rex"] and [p.name for p in groups[2][0]] == ["tom"]
    assert all(p.owner is ann for p in groups[1][0]) and groups[2][0][0].owner is bob
    stray = next(p for p in got if p.name == "stray")
    assert "owner" not in stray.__dict__  # no group: no parent either
    plain = await Query(pets).select("id", "name", "owner_id").fetch_all(into=base)
    assert len(plain) == 4 and len(groups[1][0]) == 2  # the base Into does not group


def test_grouping_needs_one_of_the_names_and_pairs() -> None:
    base = ryx_core.Into(Pet, ["id", "owner_id"])
    with pytest.raises(ryx_core.QueryError, match="not one of the names"):
        base.grouped("nope", {})
    joined = ryx_core.Into(Pet, ["id"], joined=[(0, "owner", ryx_core.Into(Owner, ["id"]), 1, 1, None)])
    with pytest.raises(ryx_core.QueryError, match="joined"):
        joined.grouped("id", {})


async def test_a_group_that_is_not_a_pair_is_a_query_error(db: Backend, tables: Tables) -> None:
    pets = await tables.create([ddl.Col("owner_id", "int")])
    await ryx_core.bulk_insert(pets, ["owner_id"], [[1]])
    into = ryx_core.Into(Pet, ["id", "owner_id"]).grouped("owner_id", {1: ["not", "a", "pair"]})
    with pytest.raises(ryx_core.QueryError, match="list, parent"):
        await Query(pets).select("id", "owner_id").fetch_all(into=into)
