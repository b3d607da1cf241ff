"""Ordering: Meta.ordering, appending order_by(), reverse(), first()/last() (defects 15, 16)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ryx import CharField, Count, F, IntField, Model
from ryx.exceptions import FieldError
from support import create_tables, drop_tables, unique_name


class Book(Model):
    title = CharField(max_length=20)
    year = IntField()
    pages = IntField()

    class Meta:
        table_name = unique_name("or_books")
        ordering = (
            "-year",
            "title",
        )


class Plain(Model):
    label = CharField(max_length=10)

    class Meta:
        table_name = unique_name("or_plain")


@pytest.fixture
async def books(db: str) -> AsyncIterator[None]:
    await create_tables(Book, Plain)
    await Book.objects.bulk_create(
        [
            Book(title="b", year=2001, pages=300),
            Book(title="a", year=2001, pages=100),
            Book(title="c", year=1999, pages=200),
            Book(title="d", year=2010, pages=50),
        ]
    )
    await Plain.objects.bulk_create([Plain(label=x) for x in "zxy"])
    yield
    await drop_tables(Book, Plain)


async def titles(qs: object) -> list[str]:
    return await qs.values_list("title", flat=True)  # type: ignore[attr-defined,no-any-return]


async def test_meta_ordering_is_the_default(books: None) -> None:
    """Defect 16: Meta.ordering was never applied."""
    assert await titles(Book.objects.all()) == ["d", "a", "b", "c"]
    assert [b.title for b in await Book.objects.filter(pages__gt=60)] == ["a", "b", "c"]
    assert Book.objects.all().ordered
    assert not Plain.objects.all().ordered


async def test_explicit_order_by_replaces_meta_and_appends(books: None) -> None:
    assert await titles(Book.objects.order_by("pages")) == ["d", "a", "c", "b"]
    assert await titles(Book.objects.order_by("year").order_by("-title")) == ["c", "b", "a", "d"]
    assert await titles(Book.objects.order_by("year", "-pages")) == ["c", "b", "a", "d"]
    assert await titles(Book.objects.order_by("pages").order_by()) == ["d", "a", "c", "b"]  # no-op, as in the spec


async def test_clear_ordering_and_reverse(books: None) -> None:
    assert sorted(await titles(Book.objects.all().clear_ordering())) == ["a", "b", "c", "d"]
    assert not Book.objects.all().clear_ordering().ordered
    assert await titles(Book.objects.all().reverse()) == ["c", "b", "a", "d"]
    assert await titles(Book.objects.order_by("pages").reverse()) == ["b", "c", "a", "d"]
    assert await titles(Book.objects.order_by("pages").reverse().reverse()) == ["d", "a", "c", "b"]


async def test_first_and_last(books: None) -> None:
    """Defect 15: Manager.last() called a nonexistent QuerySet.last()."""
    first, last = await Book.objects.first(), await Book.objects.last()
    assert first is not None and first.title == "d"
    assert last is not None and last.title == "c"
    assert (await Book.objects.order_by("pages").last()).title == "b"  # type: ignore[union-attr]
    assert (await Book.objects.order_by("pages").reverse().last()).title == "d"  # type: ignore[union-attr]
    assert (await Book.objects.filter(year=2001).first()).title == "a"  # type: ignore[union-attr]
    assert await Book.objects.filter(year=1).first() is None
    assert await Book.objects.filter(year=1).last() is None


async def test_first_and_last_without_ordering_use_the_pk(books: None) -> None:
    assert (await Plain.objects.first()).label == "z"  # type: ignore[union-attr]
    assert (await Plain.objects.last()).label == "y"  # type: ignore[union-attr]
    assert (await Plain.objects.all()[1:].first()).label == "x"  # type: ignore[union-attr]


async def test_last_refuses_a_slice(books: None) -> None:
    with pytest.raises(TypeError, match="sliced"):
        await Book.objects.all()[:2].last()


async def test_order_by_annotations_expressions_and_dotted_names(books: None) -> None:
    table = Book._meta.table_name
    assert await titles(Book.objects.annotate(per=F("pages") - F("year")).order_by("-per")) == ["b", "c", "a", "d"]
    assert await titles(Book.objects.order_by(f"{table}.pages")) == ["d", "a", "c", "b"]
    assert await titles(Book.objects.order_by(f"-{table}.pages")) == ["b", "c", "a", "d"]
    assert await titles(Book.objects.order_by("-pk")) == ["d", "c", "a", "b"]
    per_year = Book.objects.values("year").annotate(n=Count()).order_by("-n", "year")
    assert await per_year.values_list("year", "n") == [(2001, 2), (1999, 1), (2010, 1)]


async def test_bad_ordering_terms(books: None) -> None:
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope'"):
        Book.objects.order_by("nope")
    with pytest.raises(FieldError, match="random ordering"):
        Book.objects.order_by("?")
    with pytest.raises(FieldError, match="selects from"):
        Book.objects.order_by("other_table.pages")
    with pytest.raises(FieldError):
        Book.objects.order_by(3)  # type: ignore[arg-type]


async def test_grouped_values_ignore_meta_ordering(books: None) -> None:
    """Meta.ordering would add non-grouped columns to a GROUP BY query (rejected by PostgreSQL)."""
    rows = await Book.objects.values("year").annotate(n=Count())
    assert sorted((r["year"], r["n"]) for r in rows) == [(1999, 1), (2001, 2), (2010, 1)]
    assert sorted(await Book.objects.values_list("year", flat=True).distinct()) == [1999, 2001, 2010]
