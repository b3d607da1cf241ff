"""Relations in queries: paths in filters, order and values, aggregates, select/prefetch_related, strict mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from relations_models import Author, Comment, Country, Node, Post, Tag, blog_data, create_all, drop_all
from ryx import Count, Max, Prefetch, Q, Sum
from ryx.exceptions import FieldError
from ryx.query import chunks


@pytest.fixture
async def blog(db: str) -> AsyncIterator[dict[str, Any]]:
    await create_all()
    try:
        yield await blog_data()
    finally:
        await drop_all()


async def titles(qs: Any) -> list[str]:
    return sorted(await qs.values_list("title", flat=True))


async def names(qs: Any) -> list[str]:
    return sorted(await qs.values_list("name", flat=True))


# ------------------------------------------------------------------------------------------------ paths


async def test_forward_paths(blog: dict[str, Any]) -> None:
    assert await titles(Post.objects.filter(author__name="Ann")) == ["p1", "p2"]
    assert await titles(Post.objects.filter(author__name__icontains="B")) == ["p3"]
    assert await titles(Post.objects.filter(author__country__name="France")) == ["p1", "p2"]
    assert await titles(Post.objects.filter(editor__name="Bob")) == ["p1"]
    # exclude keeps the rows whose nullable relation is missing, as Django does
    assert await titles(Post.objects.exclude(editor__name="Bob")) == ["p2", "p3"]
    assert await titles(Post.objects.filter(Q(editor__name="Ann") | Q(author__name="Ann"))) == ["p1", "p2", "p3"]
    assert await titles(Post.objects.filter(editor__isnull=True)) == ["p2"]
    texts = await Comment.objects.filter(post__author__name="Ann").values_list("text", flat=True)
    assert sorted(texts) == ["c1", "c2"]


async def test_reverse_and_many_to_many_paths_do_not_duplicate_rows(blog: dict[str, Any]) -> None:
    assert await names(Author.objects.filter(posts__views__gte=5)) == ["Ann", "Bob"]  # Ann has two: listed once
    assert await Author.objects.filter(posts__views__gte=5).count() == 2
    assert await titles(Post.objects.filter(tags__name="y")) == ["p1", "p2", "p3"]
    assert await titles(Post.objects.filter(tags__name__in=["x", "z"])) == ["p1", "p3"]
    assert await names(Tag.objects.filter(posts__author__name="Ann")) == ["x", "y"]
    assert await names(Author.objects.filter(posts__tags__name="z")) == ["Bob"]
    assert await names(Author.objects.exclude(posts__views__gte=20)) == ["Bob", "Cid"]
    assert await names(Author.objects.filter(posts__isnull=True)) == ["Cid"]
    assert await names(Author.objects.filter(posts__isnull=False)) == ["Ann", "Bob"]
    assert await titles(Post.objects.filter(tags=blog["x"])) == ["p1"]
    assert await names(Author.objects.filter(profile__bio="ann's")) == ["Ann"]  # reverse one-to-one
    assert await names(Author.objects.filter(profile__isnull=True)) == ["Bob", "Cid"]


async def test_conditions_of_one_filter_call_apply_to_the_same_related_row(blog: dict[str, Any]) -> None:
    # Ann has p1 (10 views) and p2 (50 views): no single post has both
    assert await names(Author.objects.filter(posts__views=10, posts__title="p2")) == []
    assert await names(Author.objects.filter(Q(posts__views=10) & Q(posts__title="p2"))) == []
    # two filter() calls may match different posts
    assert await names(Author.objects.filter(posts__views=10).filter(posts__title="p2")) == ["Ann"]


async def test_order_by_and_values_across_relations(blog: dict[str, Any]) -> None:
    rows = await Post.objects.order_by("-author__name", "title").values(
        "title", "author__name", "author__country__name"
    )
    assert rows == [
        {"title": "p3", "author__name": "Bob", "author__country__name": None},
        {"title": "p1", "author__name": "Ann", "author__country__name": "France"},
        {"title": "p2", "author__name": "Ann", "author__country__name": "France"},
    ]
    assert await Comment.objects.order_by("text").values_list("post__author__name", flat=True) == ["Ann", "Ann", "Bob"]
    with pytest.raises(FieldError, match="neither a field of Author"):
        Post.objects.order_by("author__nope")


async def test_annotations_across_relations_do_not_multiply(blog: dict[str, Any]) -> None:
    qs = Author.objects.annotate(n_posts=Count("posts"), views=Sum("posts__views"), n_tags=Count("posts__tags"))
    rows = await qs.values("name", "n_posts", "views", "n_tags")
    assert rows == [
        {"name": "Ann", "n_posts": 2, "views": 60, "n_tags": 3},
        {"name": "Bob", "n_posts": 1, "views": 5, "n_tags": 2},
        {"name": "Cid", "n_posts": 0, "views": None, "n_tags": 0},
    ]
    busy = await Author.objects.annotate(n=Count("posts")).filter(n__gte=2)
    assert [a.name for a in busy] == ["Ann"] and busy[0].n == 2
    # (NULLs sort first in a descending order on PostgreSQL: keep the authors with posts)
    top = await Author.objects.annotate(best=Max("posts__views")).filter(best__isnull=False).order_by("-best").first()
    assert top is not None and top.name == "Ann"
    assert await Tag.objects.annotate(n=Count("posts")).order_by("name").values_list("name", "n") == [
        ("x", 1),
        ("y", 3),
        ("z", 1),
    ]


async def test_aggregate_across_relations(blog: dict[str, Any]) -> None:
    assert await Author.objects.filter(country__name="France").aggregate(
        views=Sum("posts__views"), posts=Count("posts"), tags=Count("posts__tags", distinct=True)
    ) == {"views": 60, "posts": 2, "tags": 2}
    assert await Post.objects.aggregate(top=Max("author__name")) == {"top": "Bob"}


async def test_writes_with_conditions_across_relations(blog: dict[str, Any]) -> None:
    assert await Post.objects.filter(author__country__name="France").update(views=0) == 2
    assert await titles(Post.objects.filter(views=0)) == ["p1", "p2"]
    assert await Comment.objects.filter(post__tags__name="z").delete() == 1
    assert await Comment.objects.count() == 2


# ------------------------------------------------------------------------------------------------ select_related


async def test_select_related_one_query(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(1):
        posts = await Post.objects.select_related("author__country", "editor", "author__profile")
        rows = [
            (p.title, p.author.name, p.author.country and p.author.country.name, p.editor and p.editor.name)
            for p in posts
        ]
        profiles = [p.author.profile and p.author.profile.bio for p in posts]
    assert rows == [("p1", "Ann", "France", "Bob"), ("p2", "Ann", "France", None), ("p3", "Bob", None, "Ann")]
    assert profiles == ["ann's", "ann's", None]
    with ryx.assert_num_queries(1):
        post = await Post.objects.select_related("author").filter(author__name="Bob").get()
    assert post.author.name == "Bob" and post.author.pk == blog["bob"].pk and post.pk == blog["p3"].pk
    with ryx.assert_num_queries(1):
        comments = await Comment.objects.select_related().order_by("text")  # every forward relation
    assert [c.post.title for c in comments] == ["p1", "p1", "p3"]


async def test_select_related_errors(blog: dict[str, Any]) -> None:
    with pytest.raises(FieldError, match=r"multi-valued.*prefetch_related"):
        Author.objects.select_related("posts")
    with pytest.raises(FieldError, match="no single-valued relation 'nope'"):
        Post.objects.select_related("author__nope")
    with pytest.raises(TypeError, match="before values"):
        Post.objects.values("title").select_related("author")


# ------------------------------------------------------------------------------------------------ prefetch_related


async def test_prefetch_reverse_many_to_many_and_nested(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(4):  # authors, posts, tags of the posts, countries
        authors = await Author.objects.prefetch_related("posts__tags", "country")
        shape = [
            (
                a.name,
                a.country and a.country.name,
                [(p.title, [t.name for t in await p.tags.all()]) for p in await a.posts],
            )
            for a in authors
        ]
        for a in authors:
            assert all(p.author is a for p in await a.posts.all())  # the back link is set too
        assert [await a.posts.count() for a in authors] == [2, 1, 0]
    assert shape == [
        ("Ann", "France", [("p1", ["x", "y"]), ("p2", ["y"])]),
        ("Bob", None, [("p3", ["y", "z"])]),
        ("Cid", "France", []),
    ]
    with ryx.assert_num_queries(3):  # tags, their posts, the posts' authors
        tags = await Tag.objects.prefetch_related("posts__author")
        assert [(t.name, [p.author.name for p in await t.posts]) for t in tags] == [
            ("x", ["Ann"]),
            ("y", ["Ann", "Ann", "Bob"]),
            ("z", ["Bob"]),
        ]


async def test_prefetch_object_with_queryset_and_to_attr(blog: dict[str, Any]) -> None:
    big = Prefetch("posts", queryset=Post.objects.filter(views__gte=10).order_by("-views"), to_attr="big")
    with ryx.assert_num_queries(2):
        authors = await Author.objects.prefetch_related(big)
    assert [(a.name, [p.title for p in a.big]) for a in authors] == [("Ann", ["p2", "p1"]), ("Bob", []), ("Cid", [])]
    with pytest.raises(TypeError, match="QuerySet of Post"):
        Author.objects.prefetch_related(Prefetch("posts", queryset=Tag.objects.all()))
    with pytest.raises(FieldError, match="has no relation 'nope'"):
        Author.objects.prefetch_related("posts__nope")


async def test_prefetch_chunks_keys_under_the_parameter_limit(
    blog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "chunk_size_override", 2)
    with ryx.count_queries() as log:
        authors = await Author.objects.prefetch_related("posts")
    assert len(log) == 3  # authors, then posts for 3 keys in chunks of 2
    assert [len(await a.posts.all()) for a in authors] == [2, 1, 0]
    tags = await Tag.objects.prefetch_related("posts")
    assert [len(await t.posts.all()) for t in tags] == [1, 3, 1]


async def test_prefetch_while_streaming_and_without_n_plus_one(blog: dict[str, Any]) -> None:
    for i in range(12):
        await Author.objects.create(name=f"z{i:02d}")
    with ryx.count_queries() as log:
        seen = [(a.name, len(await a.posts.all())) async for a in Author.objects.prefetch_related("posts")]
    assert len(seen) == 15 and seen[0] == ("Ann", 2)
    assert len(log) == 2  # one cursor, one prefetch for its chunk (15 rows fit one chunk)


async def test_prefetched_results_are_dropped_after_writes(blog: dict[str, Any]) -> None:
    ann = (await Author.objects.prefetch_related("posts").filter(name="Ann"))[0]
    await ann.posts.create(title="p4")
    with ryx.assert_num_queries(1):
        assert [p.title for p in await ann.posts.all()] == ["p1", "p2", "p4"]


# ------------------------------------------------------------------------------------------------ strict mode


async def test_strict_relations(blog: dict[str, Any]) -> None:
    authors = await Author.objects.all()
    async with ryx.strict_relations():
        with pytest.raises(ryx.StrictRelationError, match=r"prefetch_related\('posts'\)"):
            await authors[0].posts.all()
        with pytest.raises(ryx.StrictRelationError):
            await authors[0].posts.filter(views=1)
        loaded = await Author.objects.prefetch_related("posts")
        assert [len(await a.posts.all()) for a in loaded] == [2, 1, 0]  # served by the prefetch
        await authors[0].fetch_related("posts")  # explicit: allowed
        assert len(await authors[0].posts.all()) == 2
        with pytest.raises(ryx.RelatedObjectNotLoaded):
            _ = (await Post.objects.first()).author  # forward access never queries, strict or not
    assert await authors[1].posts.count() == 1  # outside the block: a query as usual
    ryx.set_strict_relations(True)
    try:
        with pytest.raises(ryx.StrictRelationError):
            await authors[1].posts.count()
        with ryx.strict_relations(False):
            assert await authors[1].posts.count() == 1
    finally:
        ryx.set_strict_relations(False)


async def test_self_reference_paths(blog: dict[str, Any]) -> None:
    root = await Node.objects.create(name="root")
    a = await Node.objects.create(name="a", parent=root)
    await Node.objects.create(name="b", parent=a)
    assert await names(Node.objects.filter(parent__name="root")) == ["a"]
    assert await names(Node.objects.filter(children__name="b")) == ["a"]
    assert await names(Node.objects.filter(parent__parent__name="root")) == ["b"]
    counts = await Node.objects.annotate(n=Count("children")).order_by("name").values_list("name", "n")
    assert counts == [("a", 1), ("b", 0), ("root", 1)]
    with ryx.assert_num_queries(1):
        nodes = await Node.objects.select_related("parent__parent").order_by("name")
        assert [
            (n.name, n.parent and n.parent.name, n.parent and n.parent.parent and n.parent.parent.name) for n in nodes
        ] == [
            ("a", "root", None),
            ("b", "a", "root"),
            ("root", None, None),
        ]
    assert await Country.objects.filter(authors__posts__tags__name="x").count() == 1


async def test_prefetch_through_select_related_objects(blog: dict[str, Any]) -> None:
    # select_related gives one Author instance per post: each one gets its prefetched posts
    with ryx.assert_num_queries(2):
        posts = await Post.objects.select_related("author").prefetch_related("author__posts")
        assert [len(await p.author.posts.all()) for p in posts] == [2, 2, 1]


async def test_original_relation_helpers(blog: dict[str, Any]) -> None:
    from ryx import relations

    posts = await relations.apply_select_related(Post.objects.order_by("title"), ["author"])
    assert [p.author.name for p in posts] == ["Ann", "Ann", "Bob"]
    authors = await Author.objects.all()
    with ryx.assert_num_queries(1):
        await relations.apply_prefetch_related(authors, ["posts"])
    assert [len(await a.posts.all()) for a in authors] == [2, 1, 0]
    assert relations.resolve_model("Post", Author) is Post and relations.resolve_model("self", Tag) is Tag
    with pytest.raises(FieldError, match="no model named"):
        relations.resolve_model("Nope", Author)
