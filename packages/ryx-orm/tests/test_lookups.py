"""Strict lookup parsing: fields, pk, FKs, transforms, JSON paths, custom lookups, errors (defects 7, 8, 13, 17)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import ryx
from ryx import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    F,
    ForeignKey,
    IntField,
    JSONField,
    Model,
    Q,
    TextField,
    UUIDField,
)
from ryx.exceptions import FieldError, QueryError
from support import create_tables, drop_tables, unique_name

UTC = dt.UTC


class Author(Model):
    name = CharField(max_length=50)

    class Meta:
        table_name = unique_name("lk_authors")


class Entry(Model):
    title = CharField(max_length=100)
    body = TextField(null=True)
    views = IntField(default=0)
    rating = DecimalField(max_digits=6, decimal_places=2, null=True)
    published = BooleanField(default=False)
    created = DateTimeField(null=True)
    day = DateField(null=True)
    data = JSONField(null=True)
    uid = UUIDField(null=True)
    author = ForeignKey(Author, null=True, on_delete="SET_NULL")

    class Meta:
        table_name = unique_name("lk_entries")


U1 = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture
async def rows(db: str) -> AsyncIterator[dict[str, Author]]:
    await create_tables(Author, Entry)
    ann = await Author.objects.create(name="Ann")
    bob = await Author.objects.create(name="Bob")
    await Entry.objects.bulk_create(
        [
            Entry(
                title="Hello world",
                body="first",
                views=10,
                rating=Decimal("4.50"),
                published=True,
                created=dt.datetime(2024, 3, 5, 10, 30, tzinfo=UTC),
                day=dt.date(2024, 3, 5),
                data={"a": {"b": 1}, "tags": ["x", "y"], "name": "one"},
                uid=U1,
                author=ann,
            ),
            Entry(
                title="50% off_sale",
                body=None,
                views=20,
                rating=Decimal("3.25"),
                published=False,
                created=dt.datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
                day=dt.date(2023, 12, 31),
                data={"a": {"b": 2}, "tags": ["y"], "name": "two"},
                author=bob,
            ),
            Entry(title="hello again", views=30, published=True, data={"a": {"b": 3}, "name": "three"}),
            Entry(title="Nothing", views=0),
        ]
    )
    yield {"ann": ann, "bob": bob}
    await drop_tables(Entry, Author)


async def titles(qs: ryx.QuerySet[Entry]) -> list[str]:
    return sorted(await qs.values_list("title", flat=True))


# --------------------------------------------------------------------------------------- basic lookups


async def test_comparison_and_membership_lookups(rows: object) -> None:
    e = Entry.objects
    assert await titles(e.filter(views=10)) == ["Hello world"]
    assert await titles(e.filter(views__gt=10, views__lte=30)) == ["50% off_sale", "hello again"]
    assert await titles(e.filter(views__in=[0, 30])) == ["Nothing", "hello again"]
    assert await titles(e.filter(views__in=(0, 30))) == ["Nothing", "hello again"]
    assert await titles(e.filter(views__range=(5, 25))) == ["50% off_sale", "Hello world"]
    assert await e.filter(views__in=[]).count() == 0
    assert await e.exclude(views__in=[]).count() == 4


async def test_text_lookups_escape_wildcards(rows: object) -> None:
    e = Entry.objects
    assert await titles(e.filter(title__contains="llo")) == ["Hello world", "hello again"]
    assert await titles(e.filter(title__contains="Hello")) == ["Hello world"]  # case-sensitive everywhere
    assert await titles(e.filter(title__icontains="HELLO")) == ["Hello world", "hello again"]
    assert await titles(e.filter(title__startswith="hello")) == ["hello again"]
    assert await titles(e.filter(title__istartswith="hello")) == ["Hello world", "hello again"]
    assert await titles(e.filter(title__endswith="again")) == ["hello again"]
    assert await titles(e.filter(title__iexact="NOTHING")) == ["Nothing"]
    # % and _ are literal characters, not wildcards (defect 29)
    assert await titles(e.filter(title__contains="50%")) == ["50% off_sale"]
    assert await titles(e.filter(title__contains="f_s")) == ["50% off_sale"]
    assert await e.filter(title__contains="%").count() == 1
    assert await e.filter(title__contains="_").count() == 1


async def test_string_contains_is_not_json_contains(rows: object) -> None:
    """Defect 8: the string ``contains`` was overwritten by the JSON one in the original's registry."""
    assert await Entry.objects.filter(body__contains="irs").count() == 1
    assert await Entry.objects.filter(title__contains="world").count() == 1


async def test_regex_lookups(rows: object) -> None:
    assert await titles(Entry.objects.filter(title__regex=r"^[Hh]ello")) == ["Hello world", "hello again"]
    assert await titles(Entry.objects.filter(title__iregex=r"^HELLO")) == ["Hello world", "hello again"]


async def test_none_means_is_null(rows: object) -> None:
    assert await Entry.objects.filter(body=None).count() == 3
    assert await Entry.objects.filter(body__isnull=True).count() == 3
    assert await Entry.objects.filter(body__isnull=False).count() == 1
    assert await Entry.objects.exclude(body=None).count() == 1


# ------------------------------------------------------------------------------------------- pk and FK


async def test_pk_in_every_position(rows: object) -> None:
    """Defect 7: pk__in, exclude(pk=...) and Q(pk=...) reached SQL as a column named pk."""
    ids = sorted(await Entry.objects.values_list("id", flat=True))
    first, second = ids[0], ids[1]
    assert await Entry.objects.filter(pk=first).count() == 1
    assert sorted(await Entry.objects.filter(pk__in=[first, second]).values_list("pk", flat=True)) == [first, second]
    assert await Entry.objects.exclude(pk=first).count() == 3
    assert await Entry.objects.filter(Q(pk=first) | Q(pk=second)).count() == 2
    assert await Entry.objects.filter(~Q(pk__in=[first])).count() == 3
    assert await Entry.objects.filter(pk__gte=second).count() == 3
    assert (await Entry.objects.get(pk=first)).pk == first


async def test_foreign_key_by_name_attname_instance_and_pk(rows: dict[str, Author]) -> None:
    ann, bob = rows["ann"], rows["bob"]
    assert await titles(Entry.objects.filter(author=ann)) == ["Hello world"]
    assert await titles(Entry.objects.filter(author=ann.pk)) == ["Hello world"]
    assert await titles(Entry.objects.filter(author_id=bob.pk)) == ["50% off_sale"]
    assert await titles(Entry.objects.filter(author__in=[ann, bob.pk])) == ["50% off_sale", "Hello world"]
    assert await titles(Entry.objects.filter(author__pk=ann.pk)) == ["Hello world"]
    assert await titles(Entry.objects.filter(author__id=ann.pk)) == ["Hello world"]
    assert await Entry.objects.filter(author__isnull=True).count() == 2
    assert await Entry.objects.filter(author=None).count() == 2


async def test_unsaved_instance_in_filter_is_refused(rows: object) -> None:
    with pytest.raises(QueryError, match="unsaved Author"):
        Entry.objects.filter(author=Author(name="ghost"))


async def test_relation_traversal_follows_the_foreign_key(rows: object) -> None:
    """Paths across relations join the related table (they used to be refused; see test_relations_query.py)."""
    assert await titles(Entry.objects.filter(author__name="Ann")) == ["Hello world"]
    assert await titles(Entry.objects.filter(Q(author__name__icontains="b"))) == ["50% off_sale"]
    # entries without an author are kept by exclude(), as in Django
    assert await titles(Entry.objects.exclude(author__name="Ann")) == ["50% off_sale", "Nothing", "hello again"]
    with pytest.raises(FieldError, match=r"neither a field of Author"):
        Entry.objects.filter(author__nickname="Ann")


# ---------------------------------------------------------------------------------------- transforms


async def test_bare_and_chained_transforms(rows: object) -> None:
    """Defect 17: a bare transform (created__year=2024) was rejected by the original."""
    e = Entry.objects
    assert await titles(e.filter(created__year=2024)) == ["Hello world"]
    assert await titles(e.filter(created__year__gte=2023)) == ["50% off_sale", "Hello world"]
    assert await titles(e.filter(created__year__in=[2023])) == ["50% off_sale"]
    assert await titles(e.filter(created__month=12)) == ["50% off_sale"]
    assert await titles(e.filter(created__hour__lt=12)) == ["Hello world"]
    assert await titles(e.filter(created__date=dt.date(2024, 3, 5))) == ["Hello world"]
    assert await titles(e.filter(created__date__year=2024)) == ["Hello world"]
    assert await titles(e.filter(day__year=2023, day__month=12, day__day=31)) == ["50% off_sale"]
    assert await titles(e.filter(day__quarter=1)) == ["Hello world"]
    # 2024-03-05 was a Tuesday: ISO day 2, Django week_day 3 (Sunday = 1) on every backend
    assert await titles(e.filter(day__iso_week_day=2)) == ["Hello world"]
    assert await titles(e.filter(day__week_day=3)) == ["Hello world"]
    assert await titles(e.filter(day__iso_week=10)) == ["Hello world"]


async def test_transform_errors_name_the_valid_choices(rows: object) -> None:
    with pytest.raises(FieldError, match=r"Unsupported lookup 'yaer'.*valid transforms: .*year"):
        Entry.objects.filter(created__yaer=2024)
    with pytest.raises(FieldError, match="after the transform 'year'"):
        Entry.objects.filter(created__year__icontains="2")
    with pytest.raises(FieldError, match="Unsupported lookup 'year'"):
        Entry.objects.filter(title__year=2024)


# ---------------------------------------------------------------------------------------------- JSON


async def test_json_key_paths(rows: object) -> None:
    e = Entry.objects
    assert await titles(e.filter(data__a__b=2)) == ["50% off_sale"]
    assert await titles(e.filter(data__a__b__gte=2)) == ["50% off_sale", "hello again"]
    assert await titles(e.filter(data__a__b__in=[1, 3])) == ["Hello world", "hello again"]
    assert await titles(e.filter(data__name="one")) == ["Hello world"]
    assert await titles(e.filter(data__name__startswith="t")) == ["50% off_sale", "hello again"]
    assert await titles(e.filter(data__key__name="two")) == ["50% off_sale"]  # the original spelling
    assert await titles(e.filter(data__tags__0="x")) == ["Hello world"]
    assert await titles(e.filter(data__a__isnull=False)) == ["50% off_sale", "Hello world", "hello again"]


async def test_json_document_lookups(rows: object) -> None:
    e = Entry.objects
    assert await titles(e.filter(data__has_key="tags")) == ["50% off_sale", "Hello world"]
    assert await titles(e.filter(data__has_keys=["tags", "name"])) == ["50% off_sale", "Hello world"]
    assert await titles(e.filter(data__has_any_keys=["tags", "zzz"])) == ["50% off_sale", "Hello world"]
    assert await titles(e.filter(data__has_all=["tags", "a"])) == ["50% off_sale", "Hello world"]  # spec name
    assert await titles(e.filter(data__contains={"name": "three"})) == ["hello again"]
    assert await titles(e.filter(data__contains={"a": {"b": 1}})) == ["Hello world"]
    assert await e.filter(data__isnull=True).count() == 1


async def test_json_values_are_bound_as_json_not_repr(rows: object) -> None:
    """Defect 13: a dict filter value was bound as its Python repr."""
    assert await Entry.objects.filter(data__a={"b": 3}).count() == 1


# ------------------------------------------------------------------------------------- value conversion


async def test_filter_values_go_through_to_db(rows: object) -> None:
    """Defect 13: filter values bypassed to_db (datetimes, decimals, UUIDs, booleans)."""
    e = Entry.objects
    assert await titles(e.filter(rating=Decimal("4.5"))) == ["Hello world"]
    assert await titles(e.filter(rating="3.25")) == ["50% off_sale"]  # to_db converts the str to a Decimal
    assert await titles(e.filter(rating__gt=4)) == ["Hello world"]
    assert await titles(e.filter(uid=U1)) == ["Hello world"]
    assert await titles(e.filter(uid=str(U1))) == ["Hello world"]
    assert await titles(e.filter(published=True)) == ["Hello world", "hello again"]
    assert await titles(e.filter(created__gte=dt.datetime(2024, 1, 1, tzinfo=UTC))) == ["Hello world"]
    assert await titles(e.filter(created__lt="2024-01-01T00:00:00+00:00")) == ["50% off_sale"]
    assert await titles(e.filter(day__range=("2024-01-01", dt.date(2024, 12, 31)))) == ["Hello world"]


async def test_bad_values_raise_typed_errors(rows: object) -> None:
    with pytest.raises(ryx.ValidationError, match="not a valid"):
        Entry.objects.filter(views="many")
    with pytest.raises(ryx.ValidationError):
        Entry.objects.filter(uid="not-a-uuid")
    with pytest.raises(QueryError, match="exactly two"):
        Entry.objects.filter(views__range=(1, 2, 3))
    with pytest.raises(QueryError, match="list or tuple"):
        Entry.objects.filter(views__in=5)
    with pytest.raises(QueryError, match="True or False"):
        Entry.objects.filter(body__isnull="yes")
    with pytest.raises(QueryError, match="None is only a valid value"):
        Entry.objects.filter(views__gt=None)
    with pytest.raises(QueryError, match="subqueries"):
        Entry.objects.filter(pk__in=Entry.objects.all())
    assert await Entry.objects.count() == 4  # nothing changed


# --------------------------------------------------------------------------------------- strict names


async def test_unknown_field_lists_the_model_fields(db: str) -> None:
    """Defect 7: an unknown name silently compared a string literal on SQLite."""
    with pytest.raises(FieldError, match="Cannot resolve keyword 'titel'") as info:
        Entry.objects.filter(titel="x")
    for name in ("title", "views", "author", "author_id", "pk"):
        assert name in str(info.value)
    with pytest.raises(FieldError, match="nope"):
        Entry.objects.exclude(nope=1)
    with pytest.raises(FieldError, match="nope"):
        Entry.objects.filter(Q(title="a") | Q(nope=1))


async def test_unknown_lookup_lists_the_field_lookups(db: str) -> None:
    """Defect 7: title__iexact and typos silently became ``= ?`` in the original."""
    with pytest.raises(FieldError, match=r"Unsupported lookup 'icontain' for Entry\.title") as info:
        Entry.objects.filter(title__icontain="x")
    assert "icontains" in str(info.value) and "startswith" in str(info.value)
    with pytest.raises(FieldError, match=r"Unsupported lookup 'startswith' for Entry\.published"):
        Entry.objects.filter(published__startswith="t")
    with pytest.raises(FieldError, match="must come last"):
        Entry.objects.filter(views__gt__exact=1)
    with pytest.raises(FieldError, match="malformed"):
        Entry.objects.filter(views____gt=1)


async def test_lookups_on_fields_the_original_rejected(rows: object) -> None:
    """Defect 17: TextField and FK (and AutoField in HEAD) had no kwargs lookups at all."""
    assert await Entry.objects.filter(body="first").count() == 1
    assert await Entry.objects.filter(body__icontains="FIR").count() == 1
    assert await Entry.objects.filter(id__gt=0).count() == 4


# --------------------------------------------------------------------------------------- custom lookups


async def test_custom_lookup_through_kwargs_q_and_exclude(rows: object) -> None:
    """Defect 17: custom lookups worked only inside Q in the original."""
    ryx.register_lookup("ne", "{col} <> ?")
    assert await titles(Entry.objects.filter(views__ne=10)) == ["50% off_sale", "Nothing", "hello again"]
    assert await Entry.objects.filter(Q(views__ne=10) & Q(views__ne=20)).count() == 2
    assert await titles(Entry.objects.exclude(views__ne=10)) == ["Hello world"]
    assert await titles(Entry.objects.filter(created__year__ne=2024)) == ["50% off_sale"]


# ---------------------------------------------------------------------------------------- expressions


async def test_f_expressions_as_filter_values(rows: object) -> None:
    await Entry.objects.filter(title="Nothing").update(rating=Decimal("0.00"))
    assert await titles(Entry.objects.filter(views__gt=F("rating") * 2)) == ["50% off_sale", "Hello world"]
    assert await titles(Entry.objects.filter(views=F("views"))) == [
        "50% off_sale",
        "Hello world",
        "Nothing",
        "hello again",
    ]
    with pytest.raises(FieldError, match="nope"):
        Entry.objects.filter(views=F("nope"))


async def test_exclude_keeps_null_rows_like_django(rows: object) -> None:
    """exclude(x=v) keeps the rows where the nullable x is NULL (SQL's NOT would drop them)."""
    assert await Entry.objects.exclude(rating=Decimal("4.50")).count() == 3
    assert await Entry.objects.filter(~Q(body="first")).count() == 3
    assert await Entry.objects.exclude(data__name="one").count() == 3
