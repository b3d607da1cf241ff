"""Static types of the query layer, checked by mypy (test_query_typing.py runs it); never executed."""

from __future__ import annotations

from typing import Any, assert_type

from ryx import CharField, Count, F, IntField, Model, Q, QuerySet, Sum
from ryx.bulk import bulk_create, bulk_update, stream


class Article(Model):
    title = CharField(max_length=10)
    views = IntField(default=0)


async def check_querysets() -> None:
    qs = Article.objects.filter(Q(title="a") | Q(views__gt=F("views") + 1)).exclude(views=3).order_by("-views")
    assert_type(qs, QuerySet[Article])
    assert_type(qs.all().distinct().reverse().using("default").none(), QuerySet[Article])
    assert_type(qs[1:3], QuerySet[Article])
    assert_type(await qs, list[Article])
    assert_type(await qs[0], Article)
    assert_type(await qs.get(pk=1), Article)
    assert_type(await qs.first(), Article | None)
    assert_type(await qs.last(), Article | None)
    assert_type(await qs.count(), int)
    assert_type(await qs.exists(), bool)
    assert_type(await qs.update(views=F("views") + 1), int)
    assert_type(await qs.delete(), int)
    assert_type(await qs.aggregate(n=Count(), total=Sum("views")), dict[str, Any])
    assert_type(await qs.in_bulk([1, 2]), dict[Any, Article])
    assert_type(await qs.create(title="x"), Article)
    assert_type(await qs.get_or_create(title="x", defaults={"views": 1}), tuple[Article, bool])
    assert_type(await qs.update_or_create(title="x", defaults={"views": 2}), tuple[Article, bool])
    assert_type(qs.annotate(n=Count("id")), QuerySet[Article])
    assert_type(await qs.values("title"), list[dict[str, Any]])
    assert_type(await qs.values_list("title", flat=True), list[Any])
    async for article in qs:
        assert_type(article, Article)
    async for row in qs.stream(chunk_size=10):
        assert_type(row, Any)
    assert_type(qs.query, str)


async def check_bulk() -> None:
    articles = await bulk_create(Article, [Article(title="a")])
    assert_type(articles, list[Article])
    assert_type(await bulk_update(Article, articles, ["views"]), int)
    assert_type(await Article.objects.bulk_create([Article(title="b")]), list[Article])
    async for article in stream(Article.objects.all()):
        assert_type(article, Article)


def check_errors(qs: QuerySet[Article]) -> None:
    dicts: QuerySet[dict[str, Any]] = qs.values()
    wrong: QuerySet[Article] = qs.values()  # type: ignore[assignment]
    del dicts, wrong
