"""Model.save / delete / refresh_from_db on a real database: INSERT vs UPDATE, keys, hooks, signals, aliases."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import ryx
import ryx_core
from ryx import fields as f
from ryx.exceptions import FieldError, IntegrityError, ValidationError
from ryx.models import Model
from support import create_tables, drop_tables, quote, unique_name

UTC = dt.UTC


class Country(Model):
    code = f.CharField(primary_key=True, max_length=2)
    name = f.CharField(max_length=50)

    class Meta:
        table_name = unique_name("countries")


class Token(Model):
    key = f.UUIDField(primary_key=True, auto_create=True)
    label = f.CharField(max_length=20)

    class Meta:
        table_name = unique_name("tokens")


class Article(Model):
    title = f.CharField(max_length=50, unique=True)
    views = f.IntField(default=0)
    secret = f.CharField(max_length=20, editable=False, default="hidden")
    created = f.DateTimeField(auto_now_add=True)
    updated = f.DateTimeField(auto_now=True)
    day = f.DateField(auto_now=True)
    at = f.TimeField(null=True)
    country = f.ForeignKey(Country, null=True, on_delete="SET_NULL")

    class Meta:
        table_name = unique_name("articles")

    async def before_save(self, created: bool) -> None:
        EVENTS.append(("before_save", created))

    async def after_save(self, created: bool) -> None:
        EVENTS.append(("after_save", created))

    async def before_delete(self) -> None:
        EVENTS.append(("before_delete", self.pk is not None))

    async def after_delete(self) -> None:
        EVENTS.append(("after_delete", self.pk is None))


EVENTS: list[tuple[str, Any]] = []


@pytest.fixture
async def tables(db: str) -> Any:
    models = (Country, Token, Article)
    await create_tables(*models)
    EVENTS.clear()
    yield db
    await drop_tables(*reversed(models))


async def raw(model: type[Model], column: str, pk: Any) -> Any:
    """Read one column of one row with plain SQL."""
    meta = model._meta
    pk_field = meta.pk_field
    assert pk_field is not None
    sql = f"SELECT {quote(column)} FROM {quote(meta.table_name)} WHERE {quote(pk_field.column)} = ?"
    return await ryx_core.fetch_scalar(sql, [pk_field.to_db(pk)])


async def count(model: type[Model]) -> int:
    """Count the rows of a model's table with plain SQL."""
    return int(await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {quote(model._meta.table_name)}"))


# ------------------------------------------------------------------------------------------------ insert / update


async def test_insert_reads_back_the_generated_key(tables: str) -> None:
    first = Article(title="a")
    await first.save()
    second = Article(title="b")
    await second.save()
    assert isinstance(first.pk, int) and second.pk == first.pk + 1
    assert not first._state.adding and first._state.db == "default"
    assert await raw(Article, "title", second.pk) == "b"


async def test_natural_key_inserts_then_updates(tables: str) -> None:
    fr = Country(code="FR", name="France")
    assert fr._state.adding
    await fr.save()
    assert await count(Country) == 1
    fr.name = "République française"
    await fr.save()
    assert await count(Country) == 1
    assert await raw(Country, "name", "FR") == "République française"
    again = Country(code="FR", name="dup")
    with pytest.raises(IntegrityError):
        await again.save()
    assert again._state.adding
    assert await raw(Country, "name", "FR") == "République française"


async def test_uuid_key_with_a_default_is_inserted(tables: str) -> None:
    token = Token(label="t")
    key = token.pk
    assert isinstance(key, uuid.UUID)
    await token.save()
    assert token.pk == key
    got = await Token.objects.get(pk=key)
    assert got.label == "t" and got.key == key


async def test_a_key_without_value_or_default_is_refused_before_any_query(tables: str) -> None:
    with pytest.raises(ValueError, match="primary key and has no value"):
        await Country(name="nowhere").save()
    assert await count(Country) == 0


async def test_update_fields_limits_the_update(tables: str) -> None:
    art = await Article.objects.create(title="a", views=1)
    art.title, art.views = "changed", 2
    await art.save(update_fields=["views"])
    assert await raw(Article, "views", art.pk) == 2
    assert await raw(Article, "title", art.pk) == "a"
    await art.save(update_fields=("title", "pk"))
    assert await raw(Article, "title", art.pk) == "changed"


async def test_empty_update_fields_does_nothing(tables: str) -> None:
    art = await Article.objects.create(title="a")
    EVENTS.clear()
    art.title = "b"
    await art.save(update_fields=[])
    assert EVENTS == []
    assert await raw(Article, "title", art.pk) == "a"


async def test_bad_update_fields_raise_and_change_nothing(tables: str) -> None:
    art = await Article.objects.create(title="a")
    EVENTS.clear()
    art.title = "b"
    with pytest.raises(FieldError, match="titel"):
        await art.save(update_fields=["titel"])
    with pytest.raises(TypeError, match="list of field names"):
        await art.save(update_fields="title")
    with pytest.raises(ValueError, match="never saved"):
        await Article(title="new").save(update_fields=["title"])
    assert EVENTS == []
    assert await raw(Article, "title", art.pk) == "a"
    assert await count(Article) == 1


async def test_non_editable_fields_are_written(tables: str) -> None:
    art = Article(title="a", secret="s1")
    await art.save()
    assert await raw(Article, "secret", art.pk) == "s1"
    art.secret = "s2"
    await art.save()
    assert await raw(Article, "secret", art.pk) == "s2"


async def test_auto_timestamps_are_aware_utc(tables: str) -> None:
    before = dt.datetime.now(UTC)
    art = await Article.objects.create(title="a", at=dt.time(10, 30))
    assert art.created.tzinfo is UTC and art.updated.tzinfo is UTC
    assert before <= art.created <= dt.datetime.now(UTC)
    assert art.day == art.updated.date()
    created = art.created
    await art.save()
    assert art.created == created and art.updated >= created
    got = await Article.objects.get(pk=art.pk)
    assert got.created == created and got.at == dt.time(10, 30)


async def test_save_of_a_vanished_row_raises_does_not_exist(tables: str) -> None:
    art = await Article.objects.create(title="a")
    await Article.objects.filter(pk=art.pk).delete()
    art.views = 3
    with pytest.raises(Article.DoesNotExist, match="no longer exists"):
        await art.save()
    assert await count(Article) == 0
    art._state.adding = True
    await art.save()
    assert await count(Article) == 1


async def test_changing_nothing_still_counts_as_found(tables: str) -> None:
    art = await Article.objects.create(title="a")
    await art.save(update_fields=["title"])  # same value: MySQL must report the row as matched
    await art.save()


async def test_validation_runs_before_anything_is_written(tables: str) -> None:
    art = Article(title="x" * 60)
    with pytest.raises(ValidationError, match="at most 50"):
        await art.save()
    assert EVENTS == [] and await count(Article) == 0
    assert art._state.adding
    await Article(title="y" * 5).save(validate=False)
    assert await count(Article) == 1


# ------------------------------------------------------------------------------------------------ relations


async def test_related_objects_are_saved_by_key(tables: str) -> None:
    fr = Country(name="France")
    art = Article(title="a", country=fr)
    with pytest.raises(ValueError, match="unsaved Country"):
        await art.save()
    assert await count(Article) == 0
    fr.code = "FR"
    await fr.save()
    await art.save()
    assert art.country_id == "FR"
    assert await raw(Article, "country_id", art.pk) == "FR"
    art.country = None
    await art.save()
    assert await raw(Article, "country_id", art.pk) is None


# ------------------------------------------------------------------------------------------------ delete / refresh


async def test_delete_removes_the_row_and_clears_the_key(tables: str) -> None:
    art = await Article.objects.create(title="a")
    EVENTS.clear()
    await art.delete()
    assert art.pk is None and art._state.adding
    assert EVENTS == [("before_delete", True), ("after_delete", True)]
    assert await count(Article) == 0
    with pytest.raises(ValueError, match="unsaved Article"):
        await art.delete()
    await art.save()
    assert art.pk is not None and await count(Article) == 1


async def test_refresh_from_db(tables: str) -> None:
    art = await Article.objects.create(title="a", views=1)
    await Article.objects.filter(pk=art.pk).update(views=5, title="b")
    await art.refresh_from_db(fields=["views"])
    assert art.views == 5 and art.title == "a"
    await art.refresh_from_db()
    assert art.title == "b"
    assert art.created.tzinfo is not None
    with pytest.raises(FieldError):
        await art.refresh_from_db(fields=["nope"])
    await Article.objects.filter(pk=art.pk).delete()
    with pytest.raises(Article.DoesNotExist):
        await art.refresh_from_db()
    with pytest.raises(ValueError, match="unsaved"):
        await Article(title="x").refresh_from_db()


async def test_refresh_drops_a_stale_related_object(tables: str) -> None:
    fr = await Country.objects.create(code="FR", name="France")
    de = await Country.objects.create(code="DE", name="Deutschland")
    art = await Article.objects.create(title="a", country=fr)
    assert art.country is fr
    await Article.objects.filter(pk=art.pk).update(country_id=de.pk)
    await art.refresh_from_db()
    assert art.country_id == "DE"
    with pytest.raises(f.RelatedObjectNotLoaded):
        _ = art.country


# ------------------------------------------------------------------------------ hooks, signals, transactions, aliases


async def test_hooks_and_signals_run_in_order(tables: str) -> None:
    async def pre(sender: Any, instance: Any, created: bool, **kw: Any) -> None:
        EVENTS.append(("pre_save", created))

    async def post(sender: Any, instance: Any, created: bool, **kw: Any) -> None:
        EVENTS.append(("post_save", instance.pk is not None))

    async def pre_delete(sender: Any, instance: Any, **kw: Any) -> None:
        EVENTS.append(("pre_delete", instance.pk is not None))

    async def post_delete(sender: Any, instance: Any, **kw: Any) -> None:
        EVENTS.append(("post_delete", instance.pk))

    ryx.pre_save.connect(pre, sender=Article)
    ryx.post_save.connect(post, sender=Article)
    ryx.pre_delete.connect(pre_delete, sender=Article)
    ryx.post_delete.connect(post_delete, sender=Article)
    try:
        art = Article(title="a")
        await art.save()
        await art.save()
        await art.delete()
    finally:
        ryx.pre_save.disconnect(pre, sender=Article)
        ryx.post_save.disconnect(post, sender=Article)
        ryx.pre_delete.disconnect(pre_delete, sender=Article)
        ryx.post_delete.disconnect(post_delete, sender=Article)
    assert EVENTS == [
        ("before_save", True),
        ("pre_save", True),
        ("after_save", True),
        ("post_save", True),
        ("before_save", False),
        ("pre_save", False),
        ("after_save", False),
        ("post_save", True),
        ("before_delete", True),
        ("pre_delete", True),
        ("after_delete", True),
        ("post_delete", None),
    ]


async def test_a_failing_pre_save_receiver_stops_the_save(tables: str) -> None:
    async def refuse(sender: Any, **kw: Any) -> None:
        raise RuntimeError("refused")

    ryx.pre_save.connect(refuse, sender=Article)
    try:
        with pytest.raises(RuntimeError, match="refused"):
            await Article(title="a").save()
    finally:
        ryx.pre_save.disconnect(refuse, sender=Article)
    assert await count(Article) == 0


async def test_save_and_delete_run_in_the_open_transaction(tables: str) -> None:
    class Rollback(Exception):
        pass

    kept = await Article.objects.create(title="kept")
    with pytest.raises(Rollback):
        async with ryx.transaction():
            await Article(title="gone").save()
            kept.views = 9
            await kept.save()
            await kept.refresh_from_db()
            assert kept.views == 9
            assert await Article.objects.count() == 2  # queries run in the task's transaction too
            raise Rollback
    assert await count(Article) == 1
    await kept.refresh_from_db()
    assert kept.views == 0
    async with ryx.transaction():
        await kept.delete()
    assert await count(Article) == 0


async def test_instances_remember_their_alias(tables: str, db_url: str) -> None:
    await ryx.setup({"default": db_url, "other": db_url})
    art = Article(title="a")
    await art.save(using="other")
    assert art._state.db == "other"
    loaded = await Article.objects.using("other").get(pk=art.pk)
    assert loaded._state.db == "other"
    loaded.views = 4
    await loaded.save()  # back to the database it came from
    await loaded.refresh_from_db()
    assert loaded._state.db == "other" and loaded.views == 4
    await loaded.refresh_from_db(using="default")
    assert loaded._state.db == "default"
    with pytest.raises(ryx.PoolNotInitialized):
        await Article(title="b").save(using="nowhere")
