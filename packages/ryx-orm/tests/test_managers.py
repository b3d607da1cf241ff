"""Managers: binding (every manager in the class body), custom querysets, ``using``, and the proxy methods."""

from __future__ import annotations

from typing import Any

import pytest
import ryx
from ryx import fields as f
from ryx.models import Manager, Model
from ryx.query.queryset import QuerySet
from support import create_tables, drop_tables, unique_name


class PublishedManager(Manager["Entry"]):
    def get_queryset(self) -> QuerySet[Entry]:
        return super().get_queryset().filter(published=True)


class Entry(Model):
    title = f.CharField(max_length=50, unique=True)
    views = f.IntField(default=0)
    published = f.BooleanField(default=False)

    objects = Manager["Entry"]()
    live = PublishedManager()

    class Meta:
        table_name = unique_name("entries")
        ordering = ("title",)


class OnlyCustom(Model):
    published = f.BooleanField(default=False)
    live = Manager["OnlyCustom"]()

    class Meta:
        table_name = unique_name("only_custom")


class Plain(Model):
    name = f.CharField(max_length=10)

    class Meta:
        table_name = unique_name("plain")


@pytest.fixture
async def entries(db: str) -> Any:
    await create_tables(Entry, Plain)
    for title, views, published in (("b", 2, True), ("a", 1, False), ("c", 3, True)):
        await Entry.objects.create(title=title, views=views, published=published)
    yield db
    await drop_tables(Plain, Entry)


# ------------------------------------------------------------------------------------------------ binding (defect 18)


def test_every_manager_in_the_body_is_bound() -> None:
    assert Entry.objects.model is Entry and Entry.objects.name == "objects"
    assert Entry.live.model is Entry and Entry.live.name == "live"
    assert isinstance(Entry.live, PublishedManager)
    assert Entry._meta.managers == {"objects": Entry.objects, "live": Entry.live}
    assert Entry._meta.default_manager is Entry.objects


def test_objects_is_added_only_when_no_manager_is_declared() -> None:
    assert not hasattr(OnlyCustom, "objects")
    assert OnlyCustom._meta.default_manager is OnlyCustom.live
    assert isinstance(Plain.objects, Manager) and Plain.objects.model is Plain
    assert Plain._meta.default_manager is Plain.objects


def test_a_manager_object_used_twice_is_copied_per_model() -> None:
    shared = Manager()

    class One(Model):
        things = shared

    class Two(Model):
        things = shared

    assert One.things.model is One and Two.things.model is Two
    assert One.things is not Two.things


def test_managers_are_not_reachable_from_instances() -> None:
    with pytest.raises(AttributeError, match="isn't accessible via Plain instances"):
        _ = Plain(name="x").objects


def test_unbound_and_abstract_managers_refuse_to_query() -> None:
    with pytest.raises(AttributeError, match="not bound"):
        Manager().all()

    class Abstract(Model):
        class Meta:
            abstract = True

    with pytest.raises(AttributeError, match="abstract"):
        Abstract.objects.all()


def test_using_and_schema_return_configured_copies() -> None:
    other = Entry.live.using("other")
    assert isinstance(other, PublishedManager) and other.alias == "other" and other.model is Entry
    assert Entry.live.alias is None
    assert Entry.objects.schema("s").schema_name == "s"
    with pytest.raises(TypeError):
        Entry.objects.using("")
    with pytest.raises(TypeError):
        Manager(alias=3)  # type: ignore[arg-type]
    assert repr(Entry.live) == "<PublishedManager for Entry>"


# ------------------------------------------------------------------------------------------------ proxies


async def test_custom_get_queryset_filters_every_proxy(entries: str) -> None:
    assert await Entry.live.count() == 2
    assert [e.title for e in await Entry.live.all()] == ["b", "c"]
    assert (await Entry.live.first()).title == "b"  # type: ignore[union-attr]
    assert (await Entry.live.last()).title == "c"  # type: ignore[union-attr]
    with pytest.raises(Entry.DoesNotExist):
        await Entry.live.get(title="a")
    assert await Entry.live.filter(views__gt=2).count() == 1
    assert await Entry.live.exclude(views__gt=2).count() == 1


async def test_meta_ordering_is_the_default_order(entries: str) -> None:
    assert [e.title for e in await Entry.objects.all()] == ["a", "b", "c"]  # inserted b, a, c
    assert [e.title for e in await Entry.objects.order_by("-views")] == ["c", "b", "a"]


async def test_last_works(entries: str) -> None:
    assert (await Entry.objects.last()).title == "c"  # type: ignore[union-attr]
    assert (await Entry.objects.first()).title == "a"  # type: ignore[union-attr]
    assert await Plain.objects.last() is None


async def test_reading_proxies(entries: str) -> None:
    manager = Entry.objects
    assert await manager.exists() and not await Plain.objects.exists()
    assert [e.title for e in await manager.order_by("-views")] == ["c", "b", "a"]
    assert await manager.values_list("title", flat=True) == ["a", "b", "c"]
    assert await manager.values("title") == [{"title": "a"}, {"title": "b"}, {"title": "c"}]
    assert (await manager.aggregate(total=ryx.Sum("views")))["total"] == 6
    assert [e.views for e in await manager.annotate(n=ryx.Count("id")).order_by("views")] == [1, 2, 3]
    assert await manager.distinct().count() == 3
    assert await manager.none() == []
    by_title = await manager.in_bulk(["a", "c"], field_name="title")
    assert sorted(by_title) == ["a", "c"] and by_title["a"].views == 1
    assert (await manager.get(title="b")).views == 2
    assert [e.title async for e in manager.stream()] == ["a", "b", "c"]


async def test_writing_proxies(entries: str) -> None:
    manager = Entry.objects
    made = await manager.create(title="d", views=4)
    assert made.pk is not None and not made._state.adding
    obj, created = await manager.get_or_create(title="d")
    assert not created and obj == made
    obj, created = await manager.get_or_create(title="e", defaults={"views": 5})
    assert created and obj.views == 5
    obj, created = await manager.update_or_create(title="e", defaults={"views": 50})
    assert not created and (await manager.get(title="e")).views == 50
    assert await manager.filter(title__in=["d", "e"]).update(views=0) == 2
    assert await manager.update(published=True) == 5
    assert await Entry.live.count() == 5
    created_list = await manager.bulk_create([Entry(title="x"), Entry(title="y")])
    assert all(e.pk is not None for e in created_list)
    for e in created_list:
        e.views = 7
    assert await manager.bulk_update(created_list, ["views"]) == 2
    assert await manager.filter(views=7).count() == 2
    assert await manager.bulk_delete(created_list) == 2
    assert await manager.filter(title="e").delete() == 1
    assert await manager.bulk_delete() == 4
    assert await manager.count() == 0


async def test_create_validates_and_changes_nothing_on_bad_input(entries: str) -> None:
    with pytest.raises(ryx.ValidationError):
        await Entry.objects.create(title="")
    with pytest.raises(TypeError, match="unexpected keyword argument 'titel'"):
        await Entry.objects.create(titel="x")
    assert await Entry.objects.count() == 3
