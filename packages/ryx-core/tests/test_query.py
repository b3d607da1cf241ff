"""The query builder: immutability, SQL text per dialect, and every lookup/transform on real rows.

Expected row sets come from Python predicates over _support/data.PEOPLE, so each backend has to agree with
Python, hence with the others (case-sensitivity, ISO weeks, Sunday = 1, literal ``%``/``_``).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.data import (
    ALL_IDS,
    PEOPLE,
    PEOPLE_COLS,
    PEOPLE_COLUMNS,
    Person,
    create_module_table,
    ids,
    json_contains,
    key_path,
    week_day,
)
from _support.fixtures import Backend, assert_settled
from ryx_core import Cond, Expr, Query

DIALECTS = ("postgres", "mysql", "sqlite")


@pytest.fixture(scope="module")
def people(backend: Backend) -> Iterator[str]:
    """The PEOPLE table, seeded once per module; tests here only read it."""
    if not backend.reachable:
        pytest.skip(f"{backend.name} server unreachable: {backend.detail}")
    name, drop = create_module_table(backend.name, backend.url, PEOPLE_COLS, PEOPLE_COLUMNS, [p.row() for p in PEOPLE])
    yield name
    drop()


async def id_set(q: Query) -> set[int]:
    rows = await q.select("id").fetch_all()
    return {int(r["id"]) for r in rows}


# --------------------------------------------------------------------------------------- immutability


def _variants(q: Query) -> list[tuple[str, Callable[[], Query]]]:
    return [
        ("filter", lambda: q.filter(Cond.lookup("n", "gt", 1))),
        ("filter kwargs", lambda: q.filter(n__gt=1)),
        ("exclude", lambda: q.exclude(n=1)),
        ("select", lambda: q.select("id", "name")),
        ("annotate", lambda: q.annotate(total=Expr.agg("count"))),
        ("order_by", lambda: q.order_by("-id")),
        ("order_by_desc", lambda: q.order_by_desc(Expr.col("id"))),
        ("group_by", lambda: q.group_by("cat")),
        ("having", lambda: q.having(Cond.lookup(Expr.agg("count"), "gt", 1))),
        ("limit", lambda: q.limit(3)),
        ("offset", lambda: q.offset(3)),
        ("distinct", lambda: q.distinct()),
        ("join", lambda: q.join("other", ("t.other_id", "other.id"))),
        ("for_update", lambda: q.for_update()),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_builder_method_returns_a_new_query_and_leaves_the_original_alone(dialect: str) -> None:
    base = Query("t").filter(Cond.lookup("id", "gte", 0)).order_by("id")
    before = base.sql(dialect)
    for label, make in _variants(base):
        derived = make()
        assert derived is not base, label
        assert base.sql(dialect) == before, f"{label} changed the original query"
        if not (label == "for_update" and dialect == "sqlite"):  # documented: ignored on SQLite
            assert derived.sql(dialect) != before, f"{label} had no effect on the new query"
    assert base.clear_order_by().sql(dialect) != before
    assert base.sql(dialect) == before
    assert base.table == "t"


def test_a_query_can_be_reused_as_the_base_of_several_others() -> None:
    base = Query("t")
    a = base.filter(x=1)
    b = base.filter(x=2)
    assert a.sql("sqlite")[1] == [1]
    assert b.sql("sqlite")[1] == [2]
    assert base.sql("sqlite")[1] == []


# --------------------------------------------------------------------------------------- SQL text

# Exact text for a handful of shapes. They pin placeholders ($n vs ?), identifier quoting (backticks on
# MySQL) and OFFSET without LIMIT (SQLite and MySQL need a LIMIT before OFFSET).
GOLDEN = [
    (
        lambda: Query("posts").filter(Cond.lookup("views", "gt", 10)),
        {
            "postgres": ('SELECT "posts".* FROM "posts" WHERE "views" > $1', [10]),
            "mysql": ("SELECT `posts`.* FROM `posts` WHERE `views` > ?", [10]),
            "sqlite": ('SELECT "posts".* FROM "posts" WHERE "views" > ?', [10]),
        },
    ),
    (
        lambda: Query("posts").order_by("-views", "id").limit(10).offset(20),
        {
            "postgres": ('SELECT "posts".* FROM "posts" ORDER BY "views" DESC, "id" ASC LIMIT $1 OFFSET $2', [10, 20]),
            "mysql": ("SELECT `posts`.* FROM `posts` ORDER BY `views` DESC, `id` ASC LIMIT ? OFFSET ?", [10, 20]),
            "sqlite": ('SELECT "posts".* FROM "posts" ORDER BY "views" DESC, "id" ASC LIMIT ? OFFSET ?', [10, 20]),
        },
    ),
    (
        lambda: Query("posts").offset(5),
        {
            "postgres": ('SELECT "posts".* FROM "posts" OFFSET $1', [5]),
            "mysql": ("SELECT `posts`.* FROM `posts` LIMIT 18446744073709551615 OFFSET ?", [5]),
            "sqlite": ('SELECT "posts".* FROM "posts" LIMIT -1 OFFSET ?', [5]),
        },
    ),
    (
        lambda: Query("posts").select("id", "posts.title"),
        {
            "postgres": ('SELECT "id", "posts"."title" FROM "posts"', []),
            "mysql": ("SELECT `id`, `posts`.`title` FROM `posts`", []),
            "sqlite": ('SELECT "id", "posts"."title" FROM "posts"', []),
        },
    ),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", range(len(GOLDEN)))
def test_sql_text_of_simple_queries_is_exact(case: int, dialect: str) -> None:
    make, expected = GOLDEN[case]
    sql, params = make().sql(dialect)
    assert (sql, list(params)) == expected[dialect]


def _complex_query() -> Query:
    return (
        Query("posts")
        .filter(Cond.lookup("title", "icontains", "o'brien"), active=True)
        .filter(Cond.lookup("views", "in", [1, 2, 3]) | Cond.lookup("views", "range", (10, 20)))
        .exclude(author__isnull=True)
        .order_by("-created")
        .limit(20)
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_placeholders_match_the_params_and_values_never_reach_the_sql_text(dialect: str) -> None:
    sql, params = _complex_query().sql(dialect)
    assert "o'brien" not in sql.lower() and "brien" not in sql
    if dialect == "postgres":
        numbers = [int(n) for n in re.findall(r"\$(\d+)", sql)]
        assert numbers == list(range(1, len(params) + 1)), sql
        assert "?" not in sql
    else:
        assert sql.count("?") == len(params), sql
        assert not re.search(r"\$\d", sql)
    if dialect == "postgres":
        # The three `in` keys are one array parameter there (`"views" = ANY($3)`).
        assert len(params) == 1 + 1 + 1 + 2 + 1 and [1, 2, 3] in params
        assert re.search(r"LIMIT \$6$", sql.rstrip()) and params[-1] == 20
    else:
        assert len(params) == 1 + 1 + 3 + 2 + 1  # title, active, 3 x in, 2 x range, LIMIT (bound too)
        assert re.search(r"LIMIT \?$", sql.rstrip()) and params[-1] == 20


def test_mysql_quotes_identifiers_with_backticks_and_the_others_with_double_quotes() -> None:
    q = Query("posts").filter(Cond.lookup("views", "gt", 1)).order_by("views")
    assert "`posts`" in q.sql("mysql")[0] and '"posts"' not in q.sql("mysql")[0]
    for dialect in ("postgres", "sqlite"):
        assert '"posts"' in q.sql(dialect)[0] and "`" not in q.sql(dialect)[0]


def test_dialect_aliases_compile_like_their_canonical_names() -> None:
    q = _complex_query()
    assert q.sql("postgresql") == q.sql("postgres")
    assert q.sql("mariadb") == q.sql("mysql")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_count_exists_delete_update_sql_bind_their_values(dialect: str) -> None:
    q = Query("posts").filter(views__gt=5)
    sql, params = q.count_sql(dialect)
    assert "COUNT(" in sql.upper() and list(params) == [5]
    sql, params = q.exists_sql(dialect)
    assert list(params) == [5, 1]  # the filter value, then LIMIT 1 (bound like every value)
    sql, params = q.delete_sql(dialect)
    assert sql.upper().startswith("DELETE") and list(params) == [5]
    sql, params = q.update_sql({"title": "x'; DROP TABLE posts; --", "views": 0}, dialect)
    assert sql.upper().startswith("UPDATE")
    assert "DROP" not in sql
    assert list(params) == ["x'; DROP TABLE posts; --", 0, 5]


def test_for_update_is_rendered_on_servers_and_ignored_on_sqlite() -> None:
    q = Query("posts").filter(id=1).for_update(skip_locked=True)
    assert "FOR UPDATE SKIP LOCKED" in q.sql("postgres")[0]
    assert "FOR UPDATE SKIP LOCKED" in q.sql("mysql")[0]
    assert "FOR UPDATE" not in q.sql("sqlite")[0]
    assert "FOR SHARE" in Query("posts").for_update(share=True).sql("postgres")[0]
    assert "NOWAIT" in Query("posts").for_update(nowait=True).sql("postgres")[0]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_in_update_and_filters_are_params_even_when_they_are_exprs(dialect: str) -> None:
    sql, params = Query("posts").filter(id=3).update_sql({"views": Expr.col("views") + 1}, dialect)
    assert list(params) == [1, 3]
    assert ("`views`" if dialect == "mysql" else '"views"') in sql.split("SET", 1)[1]


def test_lookup_and_transform_lists_contain_the_documented_names() -> None:
    lookups = set(ryx_core.available_lookups())
    for name in (
        "exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
        "gt", "gte", "lt", "lte", "in", "range", "isnull", "regex", "iregex",
        "has_key", "has_keys", "has_any_keys", "contained_by",
    ):  # fmt: skip
        assert name in lookups, name
    assert set(ryx_core.list_lookups()) <= lookups
    transforms = set(ryx_core.available_transforms())
    for name in (
        "date",
        "year",
        "month",
        "day",
        "week",
        "week_day",
        "iso_week_day",
        "quarter",
        "hour",
        "minute",
        "second",
        "time",
    ):
        assert name in transforms, name
    assert set(ryx_core.list_transforms()) <= transforms


# --------------------------------------------------------------------------------------- lookups on rows


def _ci(a: str) -> str:
    return a.lower()


LOOKUP_CASES: list[tuple[str, Any, Callable[[Person], bool]]] = [
    # text: case-sensitive unless the lookup starts with i, on every backend
    ("name", "Alpha", lambda p: p.name == "Alpha"),
    ("name__exact", "alpha", lambda p: p.name == "alpha"),
    ("name__iexact", "alpha", lambda p: _ci(p.name) == "alpha"),
    ("name__iexact", "BETA", lambda p: _ci(p.name) == "beta"),
    ("name__contains", "lph", lambda p: "lph" in p.name),
    ("name__contains", "LPH", lambda p: "LPH" in p.name),
    ("name__icontains", "LPH", lambda p: "lph" in _ci(p.name)),
    ("name__contains", "%", lambda p: "%" in p.name),
    ("name__contains", "_", lambda p: "_" in p.name),
    ("name__contains", "a_5", lambda p: "a_5" in p.name),
    ("name__startswith", "al", lambda p: p.name.startswith("al")),
    ("name__startswith", "Al", lambda p: p.name.startswith("Al")),
    ("name__istartswith", "AL", lambda p: _ci(p.name).startswith("al")),
    ("name__endswith", "A", lambda p: p.name.endswith("A")),
    ("name__endswith", "5%", lambda p: p.name.endswith("5%")),
    ("name__iendswith", "a", lambda p: _ci(p.name).endswith("a")),
    ("note__contains", "ir", lambda p: p.note is not None and "ir" in p.note),
    # comparisons, membership, ranges, NULL
    ("n__gt", 3, lambda p: p.n is not None and p.n > 3),
    ("n__gte", 3, lambda p: p.n is not None and p.n >= 3),
    ("n__lt", 3, lambda p: p.n is not None and p.n < 3),
    ("n__lte", 3, lambda p: p.n is not None and p.n <= 3),
    ("score__lt", 0, lambda p: p.score < 0),
    ("score__gte", 4.0, lambda p: p.score >= 4.0),
    ("n__in", [1, 3, 99], lambda p: p.n in (1, 3, 99)),
    ("n__in", (2,), lambda p: p.n == 2),
    ("n__in", [], lambda p: False),
    ("n__in", [1, None], lambda p: p.n == 1),
    ("name__in", ["BETA", "beta", "Alpha"], lambda p: p.name in ("BETA", "beta", "Alpha")),
    ("n__range", (2, 4), lambda p: p.n is not None and 2 <= p.n <= 4),
    ("n__range", [4, 2], lambda p: False),
    ("n__isnull", True, lambda p: p.n is None),
    ("n__isnull", False, lambda p: p.n is not None),
    ("n", None, lambda p: p.n is None),
    ("note__isnull", True, lambda p: p.note is None),
    # regular expressions (case-sensitive even under MariaDB's case-insensitive collation)
    ("name__regex", r"^al.*t$", lambda p: re.search(r"^al.*t$", p.name) is not None),
    ("name__regex", r"^[A-Z]+$", lambda p: re.search(r"^[A-Z]+$", p.name) is not None),
    ("name__regex", r"ALPHA", lambda p: "ALPHA" in p.name),
    ("name__iregex", r"alpha$", lambda p: re.search(r"alpha$", p.name, re.I) is not None),
    ("name__iregex", r"^(beta|gamma)", lambda p: re.search(r"^(beta|gamma)", p.name, re.I) is not None),
    # date/time transforms on a DATETIME column (week = ISO week, week_day 1 = Sunday)
    ("created__year", 2024, lambda p: p.created.year == 2024),
    ("created__year__gte", 2024, lambda p: p.created.year >= 2024),
    ("created__year__lt", 2023, lambda p: p.created.year < 2023),
    ("created__year__in", [2021, 2023], lambda p: p.created.year in (2021, 2023)),
    ("created__month", 12, lambda p: p.created.month == 12),
    ("created__month__in", [1, 3], lambda p: p.created.month in (1, 3)),
    ("created__month__lte", 2, lambda p: p.created.month <= 2),
    ("created__day", 31, lambda p: p.created.day == 31),
    ("created__week", 53, lambda p: p.created.isocalendar().week == 53),
    ("created__week", 52, lambda p: p.created.isocalendar().week == 52),
    ("created__week", 1, lambda p: p.created.isocalendar().week == 1),
    ("created__week_day", 1, lambda p: week_day(p.created) == 1),
    ("created__week_day", 2, lambda p: week_day(p.created) == 2),
    ("created__week_day__in", [5, 7], lambda p: week_day(p.created) in (5, 7)),
    ("created__iso_week_day", 7, lambda p: p.created.isoweekday() == 7),
    ("created__iso_week_day", 1, lambda p: p.created.isoweekday() == 1),
    ("created__quarter", 1, lambda p: (p.created.month - 1) // 3 + 1 == 1),
    ("created__quarter", 4, lambda p: (p.created.month - 1) // 3 + 1 == 4),
    ("created__hour", 10, lambda p: p.created.hour == 10),
    ("created__hour__gte", 12, lambda p: p.created.hour >= 12),
    ("created__hour__range", (8, 11), lambda p: 8 <= p.created.hour <= 11),
    ("created__minute", 30, lambda p: p.created.minute == 30),
    ("created__second", 45, lambda p: p.created.second == 45),
    ("created__time", time(10, 30, 45), lambda p: p.created.time() == time(10, 30, 45)),
    ("created__time__gte", time(18, 0), lambda p: p.created.time() >= time(18, 0)),
    ("created__date", date(2024, 3, 31), lambda p: p.created.date() == date(2024, 3, 31)),
    ("created__date__gte", date(2024, 7, 1), lambda p: p.created.date() >= date(2024, 7, 1)),
    ("created__gt", datetime(2024, 3, 31, 23, 59, 58), lambda p: p.created > datetime(2024, 3, 31, 23, 59, 58)),
    (
        "created__range",
        (datetime(2021, 1, 3, 8, 5, 9), datetime(2023, 12, 31)),
        lambda p: datetime(2021, 1, 3, 8, 5, 9) <= p.created <= datetime(2023, 12, 31),
    ),
    # the same transforms on a DATE column
    ("day__year", 2024, lambda p: p.day.year == 2024),
    ("day__week_day", 1, lambda p: week_day(p.day) == 1),
    ("day__week", 53, lambda p: p.day.isocalendar().week == 53),
    ("day__month__lte", 3, lambda p: p.day.month <= 3),
    ("day__gt", date(2024, 6, 1), lambda p: p.day > date(2024, 6, 1)),
    ("day", date(2021, 1, 3), lambda p: p.day == date(2021, 1, 3)),
    # JSON key paths and key lookups
    ("data__a__b", "x", lambda p: key_path(p.data, "a", "b") == "x"),
    ("data__a__b__exact", "y", lambda p: key_path(p.data, "a", "b") == "y"),
    ("data__a__b__in", ["x", "y"], lambda p: key_path(p.data, "a", "b") in ("x", "y")),
    ("data__has_key", "a", lambda p: isinstance(p.data, dict) and "a" in p.data),
    ("data__has_key", "tags", lambda p: isinstance(p.data, dict) and "tags" in p.data),
    ("data__has_keys", ["a", "k"], lambda p: isinstance(p.data, dict) and {"a", "k"} <= p.data.keys()),
    ("data__has_any_keys", ["c", "tags"], lambda p: isinstance(p.data, dict) and bool({"c", "tags"} & p.data.keys())),
    ("data__isnull", True, lambda p: p.data is None),
]


def _case_id(case: tuple[str, Any, Any]) -> str:
    return f"{case[0]}={case[1]!r}"


@pytest.mark.parametrize("case", LOOKUP_CASES, ids=[_case_id(c) for c in LOOKUP_CASES])
async def test_lookup_returns_the_rows_python_says(db: Backend, people: str, case: tuple[str, Any, Any]) -> None:
    path, value, _ = case
    if db.name == "mysql" and path.endswith("__exact") and isinstance(value, str):
        # MySQL compares text with the column's collation, case-insensitive by default (docs/lookups.md).
        folded = await id_set(Query(people).filter(**{path.replace("__exact", "__iexact"): value}))
        assert await id_set(Query(people).filter(**{path: value})) == folded
        return
    path, value, pred = case
    expected = ids(pred)
    assert await id_set(Query(people).filter(**{path: value})) == expected
    assert await id_set(Query(people).filter(Cond.parse(path, value))) == expected
    assert await id_set(Query(people).exclude(**{path: value})) == (
        ALL_IDS - expected if _null_free(path) else await id_set(Query(people).filter(~Cond.parse(path, value)))
    )


def _null_free(path: str) -> bool:
    """Whether the lookup's column has no NULL in the seed data (so NOT(...) is the plain complement)."""
    return path.split("__", 1)[0] in ("name", "score", "created", "day") and "isnull" not in path


async def test_explicit_lookup_and_expr_forms_agree_with_kwargs(db: Backend, people: str) -> None:
    assert await id_set(Query(people).filter(Cond.lookup("name", "icontains", "lph"))) == ids(
        lambda p: "lph" in p.name.lower()
    )
    year = Expr.col("created").transform("year")
    assert await id_set(Query(people).filter(Cond.lookup(year, "gte", 2024))) == ids(lambda p: p.created.year >= 2024)
    key = Expr.col("data").key("a", "b")
    assert await id_set(Query(people).filter(Cond.lookup(key, "exact", "x"))) == ids(
        lambda p: key_path(p.data, "a", "b") == "x"
    )
    assert await id_set(Query(people).filter(Cond.parse(f"{people}.n__lte", 2))) == {1, 2}


@pytest.mark.parametrize(
    ("lookup", "value"),
    [
        ("contains", {"a": {"b": "x"}}),
        ("contains", {"k": 1}),
        ("contains", {"tags": ["green"]}),
        ("contained_by", {"a": {"b": "y"}, "k": 2, "z": 0}),
    ],
)
async def test_json_containment_matches_postgres_semantics_or_says_not_supported(
    db: Backend, people: str, lookup: str, value: dict[str, Any]
) -> None:
    """PostgreSQL (@>, <@) and MariaDB (JSON_CONTAINS) support it; SQLite may raise NotSupportedError,
    but if it answers, the answer must be the same."""
    if lookup == "contains":
        expected = ids(lambda p: p.data is not None and json_contains(p.data, value))
    else:
        expected = ids(lambda p: p.data is not None and json_contains(value, p.data))
    query = Query(people).filter(Cond.lookup("data", lookup, value))
    if db.name == "sqlite":
        try:
            got = await id_set(query)
        except ryx_core.NotSupportedError as exc:
            assert lookup in str(exc)
            return
    else:
        got = await id_set(query)
    assert got == expected


async def test_custom_lookup_registered_by_name_works_in_kwargs_and_cond(db: Backend, people: str) -> None:
    ryx_core.register_lookup("rxt_ne", "{col} <> ?")
    ryx_core.register_lookup("rxt_divisible_by", "({col} % ?) = 0")
    assert {"rxt_ne", "rxt_divisible_by"} <= set(ryx_core.available_lookups())
    assert await id_set(Query(people).filter(n__rxt_ne=3)) == ids(lambda p: p.n is not None and p.n != 3)
    assert await id_set(Query(people).filter(Cond.lookup("n", "rxt_divisible_by", 2))) == ids(
        lambda p: p.n is not None and p.n % 2 == 0
    )
    sql, params = Query(people).filter(n__rxt_ne=3).sql("postgres")
    assert "$1" in sql and params == [3]


async def test_cond_combinations(db: Backend, people: str) -> None:
    gt1 = Cond.lookup("n", "gt", 1)
    lt5 = Cond.lookup("n", "lt", 5)
    cat_a = Cond.parse("cat", "a")
    assert await id_set(Query(people).filter(gt1 & lt5)) == {2, 3, 4}
    assert await id_set(Query(people).filter(cat_a | Cond.lookup("n", "exact", 4))) == {1, 2, 7, 4}
    assert await id_set(Query(people).filter(~cat_a)) == {3, 4, 5, 6}
    assert await id_set(Query(people).filter(~(gt1 & lt5) & Cond.lookup("n", "isnull", False))) == {1, 5, 7}
    assert await id_set(Query(people).filter((cat_a & gt1) | ~Cond.lookup("cat", "in", ["a", "b"]))) == {2, 7, 5, 6}
    assert await id_set(Query(people).filter(Cond.all(gt1, lt5, cat_a))) == {2}
    assert await id_set(Query(people).filter(Cond.any(cat_a, Cond.parse("n", 3)))) == {1, 2, 3, 7}
    assert await id_set(Query(people).filter(Cond.true())) == ALL_IDS
    assert await id_set(Query(people).filter(Cond.false())) == set()
    assert await id_set(Query(people).filter(Cond.raw(f"{db.q('n')} * 2 = ?", [8]))) == {4}
    # several filter() calls and several conditions in one call are ANDed
    assert await id_set(Query(people).filter(cat="a").filter(n__gt=1)) == {2, 7}
    assert await id_set(Query(people).filter(gt1, cat="a")) == {2, 7}
    # exclude(a, b) excludes rows matching a AND b
    assert await id_set(Query(people).exclude(cat="a", n__gt=1)) == ALL_IDS - {2, 7}


async def test_expressions_in_filters_compare_columns(db: Backend, people: str) -> None:
    assert await id_set(Query(people).filter(score__gt=Expr.col("n"))) == ids(
        lambda p: p.n is not None and p.score > p.n
    )
    assert await id_set(Query(people).filter(Cond.lookup(Expr.col("n") * 2, "gt", 6))) == ids(
        lambda p: p.n is not None and p.n * 2 > 6
    )
    assert await id_set(Query(people).filter(n=Expr.col("id"))) == ids(lambda p: p.n == p.id)
    lower = Expr.func("lower", Expr.col("name"))
    assert await id_set(Query(people).filter(Cond.lookup(lower, "exact", "alpha"))) == {1}
    assert await id_set(Query(people).filter(Cond.lookup(Expr.func("coalesce", Expr.col("n"), 0), "exact", 0))) == {6}
    assert await id_set(Query(people).filter(Cond.lookup(Expr.raw(f"{db.q('n')} + ?", [1]), "exact", 3))) == {2}


# --------------------------------------------------------------------------------------- shapes of results


async def test_select_annotate_and_row_shapes(db: Backend, people: str) -> None:
    q = Query(people).select("id", "name").filter(id__in=[1, 2]).order_by("id")
    assert await q.fetch_all() == [{"id": 1, "name": "Alpha"}, {"id": 2, "name": "alphabet"}]
    assert await q.fetch_all(as_tuples=True) == [(1, "Alpha"), (2, "alphabet")]
    annotated = (
        Query(people)
        .select("id")
        .annotate(double=Expr.col("n") * 2, upper=Expr.func("upper", Expr.col("name")), neg=-Expr.col("n"))
    )
    rows = await annotated.filter(id=3).fetch_all()
    assert rows == [{"id": 3, "double": 6, "upper": "BETA", "neg": -3}]
    renamed = await Query(people).select(ident="id", label=Expr.col("name")).filter(id=1).fetch_all()
    assert renamed == [{"ident": 1, "label": "Alpha"}]


async def test_order_limit_offset_distinct(db: Backend, people: str) -> None:
    ordered = [p.id for p in sorted(PEOPLE, key=lambda p: (-p.score, p.id))]
    got = await Query(people).select("id").order_by("-score", "id").fetch_all(as_tuples=True)
    assert [r[0] for r in got] == ordered
    got = await Query(people).select("id").order_by_desc(Expr.col("score")).limit(2).fetch_all(as_tuples=True)
    assert [r[0] for r in got] == ordered[:2]
    got = await Query(people).select("id").order_by("id").offset(5).fetch_all(as_tuples=True)
    assert [r[0] for r in got] == [6, 7]
    got = await Query(people).select("id").order_by("id").limit(2).offset(3).fetch_all(as_tuples=True)
    assert [r[0] for r in got] == [4, 5]
    got = await Query(people).select("id").order_by("id").limit(0).fetch_all()
    assert got == []
    cats = await Query(people).select("cat").distinct().order_by("cat").fetch_all(as_tuples=True)
    assert cats == [("a",), ("b",), ("c",)]
    assert await Query(people).select("cat").distinct(False).count() == len(PEOPLE)


async def test_fetch_one_and_fetch_get(db: Backend, people: str) -> None:
    first = await Query(people).order_by("-id").fetch_one()
    assert first is not None and first["id"] == 7
    assert await Query(people).filter(id=999).fetch_one() is None
    assert (await Query(people).filter(name="BETA").fetch_get(as_tuples=True))[0] == 3
    with pytest.raises(ryx_core.DoesNotExist):
        await Query(people).filter(id=999).fetch_get()
    with pytest.raises(ryx_core.MultipleObjectsReturned):
        await Query(people).filter(cat="a").fetch_get()
    # a sliced query asks for one row of the slice
    assert (await Query(people).filter(cat="a").order_by("id").limit(1).fetch_get())["id"] == 1


async def test_aggregates_group_by_and_having(db: Backend, people: str) -> None:
    total = (
        await Query(people)
        .select(
            c=Expr.agg("count"),
            cn=Expr.agg("count", "n"),
            cats=Expr.agg("count", "cat", distinct=True),
            s=Expr.agg("sum", "n"),
            lo=Expr.agg("min", "score"),
            hi=Expr.agg("max", "score"),
        )
        .fetch_one()
    )
    assert total == {"c": 7, "cn": 6, "cats": 3, "s": 22, "lo": -1.0, "hi": 10.25}
    grouped = (
        Query(people)
        .select("cat")
        .annotate(
            c=Expr.agg("count"), cn=Expr.agg("count", Expr.col("n")), s=Expr.agg("sum", "n"), a=Expr.agg("avg", "n")
        )
        .group_by("cat")
        .order_by("cat")
    )
    rows = await grouped.fetch_all()
    assert [(r["cat"], r["c"], r["cn"], r["s"]) for r in rows] == [("a", 3, 3, 10), ("b", 2, 2, 7), ("c", 2, 1, 5)]
    # AVG of integers: exact decimal with 4 more digits on MySQL/MariaDB, a double elsewhere.
    assert [float(r["a"]) for r in rows] == [pytest.approx(10 / 3, abs=1e-4), 3.5, 5.0]
    for r in rows:
        assert not isinstance(r["s"], str) and not isinstance(r["a"], str)
    having = await grouped.having(Cond.lookup(Expr.agg("count"), "gte", 3)).fetch_all()
    assert [r["cat"] for r in having] == ["a"]
    length = Expr.func("length", Expr.col("cat"))
    sums = await Query(people).select(d=Expr.agg("sum", length, distinct=True), a=Expr.agg("sum", length)).fetch_one()
    assert sums == {"d": 1, "a": 7}
    assert await Query(people).filter(n__gt=100).select(s=Expr.agg("sum", "n")).fetch_one() == {"s": None}


async def test_count_and_exists_honour_filters_and_slicing(db: Backend, people: str) -> None:
    q = Query(people).order_by("id")
    assert await q.count() == 7
    assert await q.filter(cat="a").count() == 3
    assert await q.limit(3).count() == 3
    assert await q.offset(5).count() == 2
    assert await q.limit(3).offset(5).count() == 2
    assert await q.offset(7).count() == 0
    assert await q.exists() is True
    assert await q.offset(6).exists() is True
    assert await q.offset(7).exists() is False
    assert await q.filter(n__gt=100).exists() is False
    assert await Query(people).select("cat").distinct().count() == 3


# --------------------------------------------------------------------------------------- joins


@pytest.fixture
async def blog(db: Backend, tables: Any) -> tuple[str, str]:
    authors = await tables.create([ddl.Col("name", "varchar", null=False)])
    posts = await tables.create(
        [ddl.Col("name", "varchar", null=False), ddl.Col("author_id", "bigint"), ddl.Col("views", "int", null=False)]
    )
    await tables.oracle.insert_rows(authors, ["id", "name"], [[10, "Ann"], [20, "Bob"]])
    await tables.oracle.insert_rows(
        posts,
        ["id", "name", "author_id", "views"],
        [[1, "p1", 10, 5], [2, "p2", 20, 7], [3, "p3", None, 9], [4, "p4", 10, 1]],
    )
    return authors, posts


async def test_inner_and_left_joins_with_aliases_keep_both_tables_columns_apart(
    db: Backend, blog: tuple[str, str]
) -> None:
    authors, posts = blog
    inner = (
        Query(posts)
        .join(authors, (f"{posts}.author_id", "a.id"), alias="a")
        .select(
            post_id=Expr.col(f"{posts}.id"),
            post_name=Expr.col(f"{posts}.name"),
            author_id=Expr.col("a.id"),
            author=Expr.col("a.name"),
        )
        .order_by(f"{posts}.id")
    )
    assert await inner.fetch_all() == [
        {"post_id": 1, "post_name": "p1", "author_id": 10, "author": "Ann"},
        {"post_id": 2, "post_name": "p2", "author_id": 20, "author": "Bob"},
        {"post_id": 4, "post_name": "p4", "author_id": 10, "author": "Ann"},
    ]
    left = (
        Query(posts)
        .join(authors, Cond.lookup(Expr.col("a.id"), "exact", Expr.col(f"{posts}.author_id")), kind="left", alias="a")
        .select(f"{posts}.id", author=Expr.col("a.name"))
        .order_by(f"{posts}.id")
    )
    assert await left.fetch_all(as_tuples=True) == [(1, "Ann"), (2, "Bob"), (3, None), (4, "Ann")]
    assert await left.count() == 4
    filtered = left.filter(Cond.parse("a.name", "Ann"))
    assert [r[0] for r in await filtered.fetch_all(as_tuples=True)] == [1, 4]


async def test_a_join_without_select_returns_the_base_tables_id_and_name(db: Backend, blog: tuple[str, str]) -> None:
    """Both tables have ``id`` and ``name``: the joined table's must never overwrite the base table's."""
    authors, posts = blog
    rows = await Query(posts).join(authors, (f"{posts}.author_id", f"{authors}.id")).order_by(f"{posts}.id").fetch_all()
    assert [(r["id"], r["name"]) for r in rows] == [(1, "p1"), (2, "p2"), (4, "p4")]


async def test_group_by_over_a_join(db: Backend, blog: tuple[str, str]) -> None:
    authors, posts = blog
    q = (
        Query(posts)
        .join(authors, (f"{posts}.author_id", "a.id"), alias="a")
        .select(author=Expr.col("a.name"), total=Expr.agg("sum", f"{posts}.views"))
        .group_by("a.name")
        .order_by("a.name")
    )
    assert [(r["author"], r["total"]) for r in await q.fetch_all()] == [("Ann", 6), ("Bob", 7)]


# --------------------------------------------------------------------------------------- delete / update


@pytest.fixture
async def counters(db: Backend, tables: Any) -> str:
    t = await tables.create([ddl.Col("name", "varchar", null=False), ddl.Col("views", "int", null=False)])
    await tables.oracle.insert_rows(t, ["id", "name", "views"], [[i, f"row{i}", i * 10] for i in range(1, 6)])
    return t


async def remaining(oracle: Any, table: str) -> list[tuple[Any, ...]]:
    return await oracle.fetch(f"SELECT id, name, views FROM {oracle.q(table)} ORDER BY id")


async def test_delete_honours_filters_order_and_slicing(db: Backend, counters: str, oracle: Any) -> None:
    assert await Query(counters).order_by("id").limit(1).delete(pk="id") == 1
    assert [r[0] for r in await remaining(oracle, counters)] == [2, 3, 4, 5]
    assert await Query(counters).order_by("-views").limit(2).delete(pk="id") == 2
    assert [r[0] for r in await remaining(oracle, counters)] == [2, 3]
    assert await Query(counters).filter(views__gt=1000).delete() == 0
    assert await Query(counters).filter(name="row3").delete() == 1
    assert [r[0] for r in await remaining(oracle, counters)] == [2]


async def test_update_with_values_expressions_and_slicing(db: Backend, counters: str, oracle: Any) -> None:
    assert await Query(counters).update({"views": Expr.col("views") + 1}) == 5
    assert [r[2] for r in await remaining(oracle, counters)] == [11, 21, 31, 41, 51]
    assert await Query(counters).filter(id__gte=4).update({"name": "hi", "views": Expr.col("views") * 2}) == 2
    assert await remaining(oracle, counters) == [
        (1, "row1", 11), (2, "row2", 21), (3, "row3", 31), (4, "hi", 82), (5, "hi", 102)
    ]  # fmt: skip
    assert await Query(counters).order_by("-id").limit(1).update({"views": 0}, pk="id") == 1
    assert [r[2] for r in await remaining(oracle, counters)] == [11, 21, 31, 82, 0]
    assert await Query(counters).filter(id=1).update({"name": Expr.func("upper", Expr.col("name"))}) == 1
    assert (await remaining(oracle, counters))[0][1] == "ROW1"


# --------------------------------------------------------------------------------------- streaming


async def test_stream_yields_chunks_in_order(db: Backend, people: str) -> None:
    chunks = [chunk async for chunk in Query(people).select("id").order_by("id").stream(chunk_size=3, as_tuples=True)]
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [row[0] for chunk in chunks for row in chunk] == [1, 2, 3, 4, 5, 6, 7]
    dict_chunks = [c async for c in Query(people).filter(cat="a").order_by("id").stream(chunk_size=100)]
    assert [[r["name"] for r in c] for c in dict_chunks] == [["Alpha", "alphabet", "zeta-ALPHA"]]
    assert [c async for c in Query(people).filter(id=999).stream()] == []


async def test_stream_can_be_abandoned_early_without_leaking_its_connection(
    db: Backend, people: str, oracle: Any
) -> None:
    for _ in range(3):
        stream = Query(people).order_by("id").stream(chunk_size=2)
        async for chunk in stream:
            assert len(chunk) == 2
            break
        del stream, chunk
        gc.collect()
    await assert_settled(oracle)
