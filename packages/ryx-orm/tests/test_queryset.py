"""QuerySet basics: laziness, hydration, get(), update(), delete(), routing, signals, cache (defects 10, 24)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import ryx
from ryx import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    DurationField,
    F,
    ForeignKey,
    IntField,
    JSONField,
    Model,
    QuerySet,
    UUIDField,
)
from ryx.exceptions import FieldError, NotSupportedError, PoolNotInitialized, QueryError
from ryx.router import BaseRouter, set_router
from support import create_tables, drop_tables, quote, unique_name

UTC = dt.UTC


class Owner(Model):
    name = CharField(max_length=20)

    class Meta:
        table_name = unique_name("qs_owners")


class Post(Model):
    title = CharField(max_length=50)
    views = IntField(default=0)
    price = DecimalField(max_digits=8, decimal_places=2, null=True)
    live = BooleanField(default=True)
    at = DateTimeField(null=True)
    span = DurationField(null=True)
    ref = UUIDField(null=True)
    meta = JSONField(null=True)
    owner = ForeignKey(Owner, null=True, on_delete="SET_NULL")

    class Meta:
        table_name = unique_name("qs_posts")


@pytest.fixture
async def posts(db: str) -> AsyncIterator[Owner]:
    await create_tables(Owner, Post)
    owner = await Owner.objects.create(name="o")
    await Post.objects.bulk_create(
        [Post(title=f"p{i}", views=i * 10, owner=owner if i < 2 else None) for i in range(5)]
    )
    yield owner
    await drop_tables(Post, Owner)


# --------------------------------------------------------------------------------------------- laziness


def test_querysets_are_lazy_and_immutable() -> None:
    base = Post.objects.filter(views__gt=1)
    narrowed = base.filter(live=True).order_by("-views")[:3]
    assert narrowed is not base
    assert "LIMIT" not in base.query and "ORDER BY" not in base.query
    assert "LIMIT" in narrowed.query
    assert base.exclude(views=3).query != base.query
    assert isinstance(base.all(), QuerySet) and base.all() is not base
    assert repr(base).startswith("<QuerySet model=Post sql='SELECT ")
    assert '"' + Post._meta.table_name + '"."title"' in Post.objects.all().sql("postgres")[0]
    assert "*" not in Post.objects.all().sql("sqlite")[0]  # explicit, qualified columns


def test_construction_errors() -> None:
    with pytest.raises(TypeError, match="model class"):
        QuerySet(object)
    with pytest.raises(TypeError, match="alias"):
        Post.objects.all().using("")


async def test_await_gives_instances_with_state(posts: Owner) -> None:
    objs = await Post.objects.filter(views__gte=20)
    assert sorted(o.title for o in objs) == ["p2", "p3", "p4"]
    assert all(isinstance(o, Post) and not o._state.adding and o._state.db == "default" for o in objs)


async def test_hydration_types_round_trip(posts: Owner) -> None:
    ref = uuid.uuid4()
    at = dt.datetime(2024, 6, 1, 12, 30, 15, 250000, tzinfo=UTC)
    post = await Post.objects.create(
        title="typed", price=Decimal("12.30"), live=False, at=at, span=dt.timedelta(hours=2), ref=ref, meta={"x": [1]}
    )
    got = await Post.objects.get(pk=post.pk)
    assert (got.price, got.live, got.at, got.span, got.ref, got.meta) == (
        Decimal("12.30"),
        False,
        at,
        dt.timedelta(hours=2),
        ref,
        {"x": [1]},
    )
    assert type(got.live) is bool and type(got.views) is int and got.at.tzinfo is not None
    empty = await Post.objects.get(title="p0")
    assert (empty.price, empty.at, empty.span, empty.ref, empty.meta) == (None, None, None, None, None)  # defect 13


async def test_run_sync_from_blocking_code(posts: Owner) -> None:
    titles = await asyncio.to_thread(ryx.run_sync, Post.objects.filter(views__lt=20).values_list("title", flat=True))
    assert sorted(titles) == ["p0", "p1"]


# ------------------------------------------------------------------------------------------------ reading


async def test_get_raises_the_model_exceptions(posts: Owner) -> None:
    """Defect 24: get() matched error texts; here the model's own typed exceptions, at most two rows read."""
    with pytest.raises(Post.DoesNotExist, match="Post matching query does not exist"):
        await Post.objects.get(title="nope")
    with pytest.raises(Post.MultipleObjectsReturned, match="more than one Post"):
        await Post.objects.get(views__gte=0)
    with pytest.raises(ryx.DoesNotExist):
        await Post.objects.none().get()
    assert issubclass(Post.DoesNotExist, ryx.DoesNotExist)
    assert (await Post.objects.get(title="p3")).views == 30
    assert (await Post.objects.filter(views__gte=30).get(views__lt=40)).title == "p3"
    from ryx.query.compiler import select_query

    probe = Post.objects.filter(views__gte=0)._state.replace(limit=2)
    assert "LIMIT" in select_query(probe, ordered=False).sql("sqlite")[0]


async def test_exists_count_none(posts: Owner) -> None:
    assert await Post.objects.filter(title="p1").exists()
    assert not await Post.objects.filter(title="zz").exists()
    assert await Post.objects.count() == 5
    none = Post.objects.none()
    assert await none == [] and await none.count() == 0 and not await none.exists()
    assert await none.update(views=1) == 0 and await none.delete() == 0
    assert await none.first() is None
    assert await Post.objects.filter(views=10).none().values() == []


async def test_in_bulk(posts: Owner) -> None:
    ids = sorted(await Post.objects.values_list("id", flat=True))
    found = await Post.objects.in_bulk(ids[:2])
    assert sorted(found) == ids[:2] and found[ids[0]].title == "p0"
    assert await Post.objects.in_bulk([]) == {}
    assert len(await Post.objects.in_bulk()) == 5
    with pytest.raises(QueryError, match="unique"):
        await Post.objects.in_bulk(["p1"], field_name="title")


# ------------------------------------------------------------------------------------------------ writing


async def test_update_converts_values_and_accepts_names_and_attnames(posts: Owner) -> None:
    other = await Owner.objects.create(name="other")
    assert await Post.objects.filter(owner=posts).update(owner=other, price="3.5", at="2024-01-02T03:04:05Z") == 2
    assert await Post.objects.filter(owner_id=other.pk, price=Decimal("3.50")).count() == 2
    got = await Post.objects.filter(owner=other).first()
    assert got is not None and got.at == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert await Post.objects.filter(title="p4").update(owner_id=posts.pk, meta={"k": "v"}) == 1
    assert (await Post.objects.get(title="p4")).meta == {"k": "v"}
    assert await Post.objects.filter(title="p4").update(owner=None, views=F("views") * 2) == 1
    assert (await Post.objects.get(title="p4")).views == 80


async def test_update_bad_input_changes_nothing(posts: Owner) -> None:
    before = await Post.objects.order_by("id").values_list("views", flat=True)
    with pytest.raises(QueryError, match="at least one"):
        await Post.objects.update()
    with pytest.raises(FieldError, match="nope"):
        await Post.objects.update(nope=1)
    with pytest.raises(ryx.ValidationError):
        await Post.objects.update(views="many")
    with pytest.raises(QueryError, match="twice"):
        await Post.objects.update(owner=None, owner_id=None)
    with pytest.raises(QueryError, match="unsaved"):
        await Post.objects.update(owner=Owner(name="ghost"))
    with pytest.raises(NotSupportedError, match="aggregate"):
        await Post.objects.annotate(n=ryx.Count()).update(views=1)
    assert await Post.objects.order_by("id").values_list("views", flat=True) == before


async def test_update_and_delete_send_signals(posts: Owner) -> None:
    seen: list[tuple[str, Any]] = []

    async def pre(sender: Any, **kw: Any) -> None:
        seen.append(("pre", sorted(kw)))

    def post(sender: Any, **kw: Any) -> None:
        seen.append(("post", kw.get("updated_count", kw.get("deleted_count"))))

    pairs = ((ryx.pre_update, pre), (ryx.post_update, post), (ryx.pre_bulk_delete, pre), (ryx.post_bulk_delete, post))
    for signal, receiver in pairs:
        signal.connect(receiver, sender=Post, weak=False)
    try:
        assert await Post.objects.filter(views__gt=20).update(live=False) == 2
        assert await Post.objects.filter(live=False).delete() == 2
    finally:
        for signal, receiver in pairs:
            signal.disconnect(receiver, sender=Post)
    assert seen == [("pre", ["fields", "queryset"]), ("post", 2), ("pre", ["queryset"]), ("post", 2)]
    assert await Post.objects.count() == 3


# ------------------------------------------------------------------------------------------------ routing


class _WritesElsewhere(BaseRouter):
    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "writer_alias_not_set_up" if model is Post else None


async def test_writes_follow_the_router(posts: Owner) -> None:
    """spec §2.3: the original's update() ignored the router."""
    set_router(_WritesElsewhere())
    try:
        assert await Post.objects.count() == 5  # reads stay on the default alias
        with pytest.raises(PoolNotInitialized):
            await Post.objects.filter(title="p1").update(views=1)
        with pytest.raises(PoolNotInitialized):
            await Post.objects.filter(title="p1").delete()
        with pytest.raises(PoolNotInitialized):
            await Post.objects.bulk_create([Post(title="x")])
    finally:
        set_router(None)
    assert await Post.objects.filter(title="p1").values_list("views", flat=True) == [10]


async def test_using_picks_the_alias(posts: Owner, db_url: str) -> None:
    with pytest.raises(PoolNotInitialized):
        await Post.objects.using("nowhere").count()
    await ryx.setup({"default": db_url, "second": db_url})
    assert await Post.objects.using("second").count() == 5
    objs = await Post.objects.using("second").filter(title="p0")
    assert objs[0]._state.db == "second"


# --------------------------------------------------------------------------------------------------- cache


async def test_cache_keys_include_parameters_and_hits_are_instances(posts: Owner) -> None:
    """Defect 10: keys left out the bound values, and hits returned dicts."""
    ryx.configure_cache(ryx.MemoryCache())
    try:
        one = await Post.objects.filter(title="p1").cache()
        two = await Post.objects.filter(title="p2").cache()
        assert [p.title for p in one] == ["p1"] and [p.title for p in two] == ["p2"]
        await ryx.ryx_core.execute(f"UPDATE {quote(Post._meta.table_name)} SET views = 999")  # behind the ORM's back
        hit = await Post.objects.filter(title="p1").cache()
        assert isinstance(hit[0], Post) and hit[0].views == 10  # served from the cache, as instances
        assert [r.views async for r in Post.objects.filter(title="p1").cache()] == [10]
        assert await Post.objects.filter(title="p1").values_list("views", flat=True).cache() == [999]
        await Post.objects.filter(title="p3").update(views=1)  # an ORM write invalidates the model
        assert (await Post.objects.filter(title="p1").cache())[0].views == 999
    finally:
        ryx.configure_cache(None)


async def test_only_and_defer(posts: Owner) -> None:
    post = await Post.objects.all().only("title").get(title="p2")
    assert post.title == "p2" and post.pk is not None
    with pytest.raises(AttributeError, match="not loaded"):
        _ = post.views
    deferred = await Post.objects.all().defer("meta", "views").order_by("id").first()
    assert deferred is not None and deferred.title == "p0"
    with pytest.raises(AttributeError):
        _ = deferred.meta
    full = await Post.objects.all().defer("views").defer(None).get(title="p1")
    assert full.views == 10
    annotated = await Post.objects.all().only("title").annotate(double=F("views") * 2).get(title="p3")
    assert annotated.double == 60  # type: ignore[attr-defined]
    with pytest.raises(FieldError, match="nope"):
        Post.objects.all().only("nope")
