"""Manager shortcuts: chainable QuerySet methods on ``Model.objects``, delegating, typed ``QuerySet[M]``."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import ryx
from ryx import fields as f
from ryx.exceptions import FieldError, NotSupportedError, QueryError
from ryx.models import Manager, Model
from ryx.query.queryset import QuerySet
from support import create_tables, drop_tables, unique_name

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

#: The chainable QuerySet methods of spec §3.5/§4.1 (and the extensions of ours) a manager must offer.
CHAINABLE = (
    "all",
    "filter",
    "exclude",
    "order_by",
    "clear_ordering",
    "reverse",
    "limit",
    "offset",
    "distinct",
    "annotate",
    "values",
    "values_list",
    "only",
    "defer",
    "select_related",
    "prefetch_related",
    "join",
    "none",
    "select_for_update",
    "cache",
    "order_by_distance",
    "nearest_neighbors",
)


class LiveManager(Manager["Shortcut"]):
    def get_queryset(self) -> QuerySet[Shortcut]:
        return super().get_queryset().filter(live=True)


class Shortcut(Model):
    title = f.CharField(max_length=20)
    views = f.IntField(default=0)
    live = f.BooleanField(default=True)

    objects = Manager["Shortcut"]()
    published = LiveManager()

    class Meta:
        table_name = unique_name("mgr_shortcuts")
        ordering = ("views",)


ROWS = (("a", 1, True), ("b", 2, False), ("c", 3, True), ("d", 4, True), ("e", 5, False))


@pytest.fixture
async def rows(db: str) -> Any:
    await create_tables(Shortcut)
    await Shortcut.objects.bulk_create([Shortcut(title=t, views=v, live=lv) for t, v, lv in ROWS])
    yield db
    await drop_tables(Shortcut)


def titles(items: list[Shortcut]) -> list[str]:
    return [item.title for item in items]


# ------------------------------------------------------------------------------------------------ surface


@pytest.mark.parametrize("name", CHAINABLE)
def test_manager_offers_the_chainable_method_with_the_queryset_signature(name: str) -> None:
    def shape(fn: Any) -> list[tuple[str, Any, Any]]:
        params = list(inspect.signature(fn).parameters.values())[1:]
        variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        return [("*" if p.kind in variadic else p.name, p.kind, p.default) for p in params]

    assert callable(getattr(Manager, name, None)), f"Manager has no {name}()"
    if name != "join":  # join() passes everything through: its QuerySet signature belongs to the relations work
        assert shape(getattr(Manager, name)) == shape(getattr(QuerySet, name))


def test_every_public_chainable_queryset_method_is_covered() -> None:
    # A QuerySet method added later that returns Self must be added to CHAINABLE (and to Manager).
    chainable = {
        name
        for name, fn in vars(QuerySet).items()
        if not name.startswith("_")
        and inspect.isfunction(fn)
        and not inspect.iscoroutinefunction(fn)
        and str(inspect.signature(fn).return_annotation) in ("Self", "QuerySet[dict[str, Any]]", "QuerySet[Any]")
    }
    assert chainable - {"using", "schema"} <= set(CHAINABLE)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("clear_ordering", ()),
        ("reverse", ()),
        ("limit", (2,)),
        ("offset", (1,)),
        ("only", ("title",)),
        ("defer", ("views",)),
        ("none", ()),
        ("cache", ()),
        ("distinct", ()),
    ],
)
def test_shortcut_builds_the_same_query_as_the_queryset_method(name: str, args: tuple[Any, ...]) -> None:
    via_manager = getattr(Shortcut.objects, name)(*args)
    via_queryset = getattr(Shortcut.objects.get_queryset(), name)(*args)
    assert isinstance(via_manager, QuerySet) and via_manager.model is Shortcut
    assert via_manager.sql("sqlite") == via_queryset.sql("sqlite")
    assert vars(via_manager._state) == vars(via_queryset._state)


@pytest.mark.parametrize("name", ["select_related", "prefetch_related", "join"])
def test_relation_shortcuts_behave_exactly_like_the_queryset_method(name: str) -> None:
    # Whether relations support these yet or not, the manager must do what the QuerySet does.
    def outcome(target: Any) -> Any:
        try:
            qs = getattr(target, name)("title")
        except Exception as exc:
            return type(exc), str(exc)
        return qs.sql("sqlite")

    assert outcome(Shortcut.objects) == outcome(Shortcut.objects.get_queryset())


def test_shortcuts_start_from_get_queryset_of_a_custom_manager() -> None:
    sql, params = Shortcut.published.limit(1).sql("sqlite")
    assert '"live" = ?' in sql and params == [True, 1]
    assert Shortcut.published.limit(1).sql("sqlite") == Shortcut.published.all().limit(1).sql("sqlite")


def test_shortcuts_keep_the_managers_alias() -> None:
    assert Shortcut.objects.using("replica").limit(1).db == "replica"
    assert Shortcut.objects.using("replica").only("title").db == "replica"


# ------------------------------------------------------------------------------------------------ on the database


async def test_limit_offset_reverse_and_clear_ordering(rows: str) -> None:
    assert titles(await Shortcut.objects.limit(2)) == ["a", "b"]
    assert titles(await Shortcut.objects.offset(3)) == ["d", "e"]
    assert titles(await Shortcut.objects.reverse().limit(2)) == ["e", "d"]
    assert sorted(titles(await Shortcut.objects.clear_ordering())) == ["a", "b", "c", "d", "e"]
    assert not Shortcut.objects.clear_ordering().ordered and Shortcut.objects.all().ordered
    assert titles(await Shortcut.published.reverse().limit(2)) == ["d", "c"]


async def test_only_and_defer_load_fewer_fields(rows: str) -> None:
    first = (await Shortcut.objects.only("title").limit(1))[0]
    assert first.title == "a" and first.pk is not None
    with pytest.raises(AttributeError):
        _ = first.views
    deferred = (await Shortcut.objects.defer("title").limit(1))[0]
    assert deferred.views == 1
    with pytest.raises(AttributeError):
        _ = deferred.title


async def test_none_distinct_cache_and_values(rows: str) -> None:
    assert await Shortcut.objects.none() == []
    assert await Shortcut.objects.none().count() == 0
    assert await Shortcut.objects.distinct().count() == 5
    assert titles(await Shortcut.objects.cache(ttl=5).limit(1)) == ["a"]
    assert await Shortcut.objects.values("title").limit(1) == [{"title": "a"}]
    assert await Shortcut.objects.values_list("title", "views", named=True).limit(1) == [("a", 1)]
    assert await Shortcut.objects.values_list("views", flat=True).limit(2) == [1, 2]


async def test_select_for_update_shortcut_locks_inside_a_transaction(rows: str) -> None:
    async with ryx.transaction():
        locked = await Shortcut.objects.select_for_update().filter(views__gte=4)
        assert titles(locked) == ["d", "e"]
    with pytest.raises(NotSupportedError, match="transaction"):
        await Shortcut.objects.select_for_update()


async def test_bad_input_raises_typed_errors_and_changes_nothing(rows: str) -> None:
    before = [(s.title, s.views, s.live) for s in await Shortcut.objects.all()]
    with pytest.raises(QueryError, match="non-negative"):
        Shortcut.objects.limit(-1)
    with pytest.raises(QueryError, match="non-negative"):
        Shortcut.objects.offset(-3)
    with pytest.raises(TypeError, match="takes an int or None"):
        Shortcut.objects.limit("3")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="not both"):
        Shortcut.objects.select_for_update(nowait=True, skip_locked=True)
    with pytest.raises(TypeError, match="seconds"):
        Shortcut.objects.cache(ttl=-1)
    with pytest.raises(FieldError):
        Shortcut.objects.only("nope")
    with pytest.raises(FieldError):
        Shortcut.objects.defer("nope")
    with pytest.raises(TypeError, match="flat=True or named=True"):
        Shortcut.objects.values_list("title", flat=True, named=True)
    # Nothing changed: the manager still starts unfiltered, unlimited queries and the rows are intact.
    assert Shortcut.objects._copy() is not Shortcut.objects and Shortcut.objects.alias is None
    assert [(s.title, s.views, s.live) for s in await Shortcut.objects.all()] == before


# ------------------------------------------------------------------------------------------------ static types

TYPING_SNIPPET = """
from typing import Any, assert_type

from ryx import CharField, IntField, Model, QuerySet


class Post(Model):
    title = CharField(max_length=10)
    views = IntField(default=0)


async def check() -> None:
    assert_type(Post.objects.limit(3), QuerySet[Post])
    assert_type(Post.objects.offset(3).limit(None), QuerySet[Post])
    assert_type(Post.objects.reverse(), QuerySet[Post])
    assert_type(Post.objects.clear_ordering(), QuerySet[Post])
    assert_type(Post.objects.only("title"), QuerySet[Post])
    assert_type(Post.objects.defer("title"), QuerySet[Post])
    assert_type(Post.objects.select_related("x"), QuerySet[Post])
    assert_type(Post.objects.prefetch_related("x"), QuerySet[Post])
    assert_type(Post.objects.select_for_update(skip_locked=True), QuerySet[Post])
    assert_type(Post.objects.none(), QuerySet[Post])
    assert_type(Post.objects.cache(ttl=3), QuerySet[Post])
    assert_type(Post.objects.distinct(), QuerySet[Post])
    assert_type(Post.objects.values("title"), QuerySet[dict[str, Any]])
    assert_type(await Post.objects.limit(3), list[Post])
    assert_type(await Post.objects.using("x").limit(1).first(), Post | None)
    Post.objects.limit("3")  # type: ignore[arg-type]
"""


def test_shortcuts_are_typed_as_querysets_of_the_model(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed")
    source = tmp_path / "typing_manager_shortcuts.py"
    source.write_text(TYPING_SNIPPET)
    args = ["--strict", "--no-incremental", "--warn-unused-ignores", str(source)]
    config = ROOT / "pyproject.toml"
    if config.exists():
        args = ["--config-file", str(config), *args]
    stdout, stderr, status = api.run(args)
    assert status == 0, stdout + stderr
