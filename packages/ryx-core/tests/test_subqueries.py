"""Subqueries: correlated EXISTS / NOT EXISTS, ``IN (SELECT ...)`` and scalar subqueries, on real rows.

Each expectation is computed in Python from _support/data.PEOPLE; parameters sit before, inside and after
every subquery so their numbering through the statement is exercised on PostgreSQL's ``$n`` too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ryx_core
from _support.data import PEOPLE, PEOPLE_COLS, PEOPLE_COLUMNS, create_module_table, ids
from _support.fixtures import Backend
from ryx_core import Cond, Expr, Query


@pytest.fixture(scope="module")
def people(backend: Backend) -> Iterator[str]:
    if not backend.reachable:
        pytest.skip(f"{backend.name} server unreachable: {backend.detail}")
    name, drop = create_module_table(backend.name, backend.url, PEOPLE_COLS, PEOPLE_COLUMNS, [p.row() for p in PEOPLE])
    yield name
    drop()


async def id_set(q: Query) -> set[int]:
    return {int(r["id"]) for r in await q.select("id").fetch_all()}


def _better_in_same_cat(people: str, outer: str, *, min_n: int) -> Query:
    """People of the outer row's category with a higher score and n >= min_n (correlated on ``outer``)."""
    return (
        Query(people, alias="p2")
        .select(Expr.raw("1"))
        .filter(Cond.lookup(Expr.col("cat", table="p2"), "exact", Expr.col("cat", table=outer)))
        .filter(Cond.lookup(Expr.col("score", table="p2"), "gt", Expr.col("score", table=outer)))
        .filter(Cond.lookup(Expr.col("n", table="p2"), "gte", min_n))
    )


def _has_better(p_id: int, min_n: int) -> bool:
    me = next(p for p in PEOPLE if p.id == p_id)
    return any(o.cat == me.cat and o.score > me.score and o.n is not None and o.n >= min_n for o in PEOPLE)


async def test_correlated_exists_and_not_exists(db: Backend, people: str) -> None:
    base = Query(people, alias="o").filter(Cond.lookup(Expr.col("id", table="o"), "gte", 2))
    with_better = base.filter(Cond.exists(_better_in_same_cat(people, "o", min_n=1)))
    expected = ids(lambda p: p.id >= 2 and _has_better(p.id, 1))
    assert expected, "the data must make this test meaningful"
    assert await id_set(with_better) == expected
    without = base.filter(~Cond.exists(_better_in_same_cat(people, "o", min_n=1)))
    assert await id_set(without) == ids(lambda p: p.id >= 2) - expected
    # Parameters after the subquery too, and COUNT / EXISTS of the whole statement.
    limited = with_better.filter(Cond.lookup(Expr.col("id", table="o"), "lte", 1000)).order_by("o.id").limit(100)
    assert await id_set(limited) == expected
    assert await with_better.count() == len(expected)
    assert await with_better.exists() is True


async def test_in_subquery_with_parameters_on_both_sides(db: Backend, people: str) -> None:
    inner = Query(people).select("id").filter(Cond.lookup("n", "gte", 2)).filter(Cond.lookup("name", "icontains", "a"))
    q = Query(people).filter(Cond.lookup("score", "gte", 0)).filter(Cond.lookup("id", "in", inner))
    expected = ids(lambda p: p.score >= 0 and p.n is not None and p.n >= 2 and "a" in p.name.lower())
    assert expected
    assert await id_set(q) == expected
    assert await id_set(Query(people).filter(id__in=inner)) == ids(
        lambda p: p.n is not None and p.n >= 2 and "a" in p.name.lower()
    )
    assert await id_set(Query(people).exclude(id__in=inner)) == {p.id for p in PEOPLE} - expected


async def test_scalar_subquery_as_a_column_and_in_a_filter(db: Backend, people: str) -> None:
    same_cat = (
        Query(people, alias="c")
        .select(Expr.agg("count"))
        .filter(Cond.lookup(Expr.col("cat", table="c"), "exact", Expr.col("cat", table="o")))
    )
    rows = await Query(people, alias="o").select("o.id", n_same=Expr.subquery(same_cat)).order_by("o.id").fetch_all()
    expected = {p.id: sum(1 for o in PEOPLE if o.cat == p.cat) for p in PEOPLE}
    assert {int(r["id"]): int(r["n_same"]) for r in rows} == expected
    crowded = Query(people, alias="o").filter(Cond.lookup(Expr.subquery(same_cat), "gt", 1))
    assert await id_set(crowded) == {i for i, n in expected.items() if n > 1}


def test_subquery_sql_is_parenthesised_and_numbered_per_dialect() -> None:
    inner = Query("posts").select("author_id").filter(views__gt=5)
    sql, params = Query("authors").filter(active=True).filter(id__in=inner).limit(3).sql("postgres")
    assert sql == (
        'SELECT "authors".* FROM "authors" WHERE "active" = $1 AND "id" IN '
        '(SELECT "author_id" FROM "posts" WHERE "views" > $2) LIMIT $3'
    )
    assert params == [True, 5, 3]
    sql, _ = Query("authors").filter(Cond.exists(inner)).sql("mysql")
    assert sql == "SELECT `authors`.* FROM `authors` WHERE EXISTS (SELECT `author_id` FROM `posts` WHERE `views` > ?)"


def test_subquery_needs_a_query() -> None:
    with pytest.raises(TypeError):
        Expr.subquery("SELECT 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Cond.exists(None)  # type: ignore[arg-type]
    assert isinstance(Cond.exists(Query("t")), ryx_core.Cond)
