"""How relations are loaded: the objects select_related builds from joined rows and how prefetch groups and caches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from relations_models import Author, Country, Node, Post, Profile, Tag, blog_data, create_all, drop_all
from ryx import Count, Prefetch
from ryx.exceptions import FieldError
from ryx.query.compiler import related_plan
from ryx.query.select_related import parse


@pytest.fixture
async def blog(db: str) -> AsyncIterator[dict[str, Any]]:
    await create_all()
    try:
        yield await blog_data()
    finally:
        await drop_all()


def plain(obj: Any) -> dict[str, Any]:
    """Return the loaded column values and database of an instance (what a plain fetch of its model holds)."""
    return {k: v for k, v in vars(obj).items() if not k.startswith("_cache_") and k != "_prefetched"}


# ------------------------------------------------------------------------------------------------ select_related


async def test_joined_objects_are_what_a_plain_fetch_builds(blog: dict[str, Any]) -> None:
    posts = await Post.objects.select_related("author__country", "editor").order_by("title")
    for post in posts:
        alone = await Post.objects.get(pk=post.pk)
        assert plain(post) == plain(alone)
        assert plain(post.author) == plain(await Author.objects.get(pk=post.author_id))
        assert post.author._state.db == alone._state.db and not post.author._state.adding
    assert plain(posts[0].author.country) == plain(await Country.objects.get(pk=blog["fr"].pk))


async def test_missing_rows_give_none_and_nothing_under_them(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(1):
        posts = await Post.objects.select_related("editor__country", "author__country").order_by("title")
        # p1: editor Bob has no country; p2: no editor at all; p3: author Bob has no country
        assert [(p.editor and p.editor.name, p.editor and p.editor.country) for p in posts] == [
            ("Bob", None),
            (None, None),
            ("Ann", blog["fr"]),
        ]
        assert [p.author.country and p.author.country.name for p in posts] == ["France", "France", None]
    # a relation missing from the row is loaded as None: reading it again needs no query
    assert "_cache_editor" in vars(posts[1]) and vars(posts[1])["_cache_editor"] is None


async def test_three_levels_and_siblings(blog: dict[str, Any]) -> None:
    root = await Node.objects.create(name="root")
    a = await Node.objects.create(name="a", parent=root)
    b = await Node.objects.create(name="b", parent=a)
    await Node.objects.create(name="c", parent=b)
    with ryx.assert_num_queries(1):
        nodes = await Node.objects.select_related("parent__parent__parent").order_by("name")
        chains = []
        for n in nodes:
            chain, step = [], n.parent
            for _ in range(3):
                if step is None:
                    break
                chain.append(step.name)
                step = step.parent
            chains.append((n.name, chain))
    assert chains == [("a", ["root"]), ("b", ["a", "root"]), ("c", ["b", "a", "root"]), ("root", [])]
    with ryx.assert_num_queries(1):
        posts = await Post.objects.select_related("author__country", "author__profile", "editor").order_by("title")
        got = [(p.author.name, p.author.profile and p.author.profile.bio, p.editor and p.editor.name) for p in posts]
    assert got == [("Ann", "ann's", "Bob"), ("Ann", "ann's", None), ("Bob", None, "Ann")]


async def test_reverse_one_to_one_links_back(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(1):
        authors = await Author.objects.select_related("profile").order_by("name")
        assert [(a.name, a.profile and a.profile.bio) for a in authors] == [
            ("Ann", "ann's"),
            ("Bob", None),
            ("Cid", None),
        ]
        assert authors[0].profile.author is authors[0]
    assert plain(authors[0].profile) == plain(await Profile.objects.get(author=blog["ann"]))


async def test_select_related_with_annotations_and_only(blog: dict[str, Any]) -> None:
    posts = await Post.objects.annotate(n=Count("tags")).select_related("author").order_by("title")
    assert [(p.title, p.n, p.author.name) for p in posts] == [("p1", 2, "Ann"), ("p2", 1, "Ann"), ("p3", 2, "Bob")]
    posts = await Post.objects.only("title", "author").select_related("author").order_by("title")
    assert [(p.title, p.author.name) for p in posts] == [("p1", "Ann"), ("p2", "Ann"), ("p3", "Bob")]


async def test_plan_hydrator_builds_the_same_objects_as_the_queryset(blog: dict[str, Any]) -> None:
    for qs in (
        Post.objects.select_related("author__country", "author__profile", "editor").order_by("title"),
        Post.objects.annotate(n=Count("tags")).select_related("author").order_by("title"),
        Post.objects.select_related().order_by("title"),
    ):
        state = qs._state
        rows, alias = await qs._fetch_rows(state, qs._compiled())
        expected = qs._shaper(state, alias)(rows)
        plan = related_plan(state)
        built = plan.hydrator(Post, state.info.attnames, tuple(state.annotations), alias or "default")(rows)

        def shape(obj: Any, depth: int = 0) -> Any:
            # a reverse one-to-one links back to its parent: compare a few levels, not the cycle
            if obj is None or depth > 3:
                return None if obj is None else type(obj).__name__
            return {k: shape(v, depth + 1) if hasattr(v, "_meta") else v for k, v in vars(obj).items()}

        assert [shape(o) for o in built] == [shape(o) for o in expected]


# ------------------------------------------------------------------------------------------------ prefetch_related


async def test_prefetch_groups_in_query_order_and_links_back(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(2):
        authors = await Author.objects.prefetch_related(
            Prefetch("posts", queryset=Post.objects.order_by("-views"))
        ).order_by("name")
        assert [[p.title for p in await a.posts.all()] for a in authors] == [["p2", "p1"], ["p3"], []]
        for a in authors:
            assert all(p.author is a for p in await a.posts.all())
    assert [plain(p) for p in await authors[0].posts.all()] == [
        plain(await Post.objects.get(pk=blog[t].pk)) for t in ("p2", "p1")
    ]


async def test_prefetch_keeps_other_prefetched_relations(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(3):
        authors = await Author.objects.prefetch_related("posts", "edited").order_by("name")
        got = [(a.name, len(await a.posts.all()), [p.title for p in await a.edited.all()]) for a in authors]
    assert got == [("Ann", 2, ["p3"]), ("Bob", 1, ["p1"]), ("Cid", 0, [])]


async def test_repeated_instances_get_their_own_lists(blog: dict[str, Any]) -> None:
    # select_related makes one Author per post: both Ann instances get the posts, in lists of their own
    with ryx.assert_num_queries(2):
        posts = await Post.objects.select_related("author").prefetch_related("author__posts").order_by("title")
    first, second = (await posts[0].author.posts.all()), (await posts[1].author.posts.all())
    assert [p.title for p in first] == [p.title for p in second] == ["p1", "p2"]
    assert vars(posts[0].author)["_prefetched"]["posts"] is not vars(posts[1].author)["_prefetched"]["posts"]
    vars(posts[0].author)["_prefetched"]["posts"].clear()
    assert len(await posts[1].author.posts.all()) == 2
    # the same for many-to-many, with to_attr
    with ryx.assert_num_queries(2):
        posts = await Post.objects.select_related("author").prefetch_related(Prefetch("author__posts", to_attr="mine"))
    anns = [p.author for p in posts if p.author.name == "Ann"]
    assert len(anns) == 2 and anns[0].mine is not anns[1].mine and anns[0].mine == anns[1].mine


async def test_many_to_many_prefetch_lists(blog: dict[str, Any]) -> None:
    with ryx.assert_num_queries(2):
        posts = await Post.objects.prefetch_related("tags").order_by("title")
        assert [[t.name for t in await p.tags.all()] for p in posts] == [["x", "y"], ["y"], ["y", "z"]]
    for p in posts:
        assert all("_prefetch_key" not in vars(t) for t in await p.tags.all())
    with ryx.assert_num_queries(2):
        tags = await Tag.objects.prefetch_related(Prefetch("posts", to_attr="all_posts")).order_by("name")
    assert [(t.name, sorted(p.title for p in t.all_posts)) for t in tags] == [
        ("x", ["p1"]),
        ("y", ["p1", "p2", "p3"]),
        ("z", ["p3"]),
    ]
    assert tags[0].all_posts is not tags[1].all_posts


async def test_prefetch_strict_mode(blog: dict[str, Any]) -> None:
    async with ryx.strict_relations():
        authors = await Author.objects.prefetch_related("posts").order_by("name")
        assert [len(await a.posts.all()) for a in authors] == [2, 1, 0]
        assert (await authors[0].posts.all())[0].author is authors[0]  # forward link served without a query
        plain_authors = await Author.objects.order_by("name")
        with pytest.raises(ryx.StrictRelationError):
            await plain_authors[0].posts.all()


def test_parsed_paths_are_reused_and_errors_are_not_kept() -> None:
    first = parse(Post, ["author__country", "editor"])
    assert parse(Post, ("author__country", "editor")) is first
    assert [n.name for n in first] == ["author", "editor"] and [n.name for n in first[0].children] == ["country"]
    for _ in range(2):
        with pytest.raises(FieldError, match="no single-valued relation 'nope'"):
            parse(Post, ["author__nope"])
    with pytest.raises(TypeError, match="relation names"):
        parse(Post, [["author"]])  # type: ignore[list-item]
