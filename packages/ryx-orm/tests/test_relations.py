"""Relations: declaration and metadata, forward/reverse/M2M access and managers, on_delete, the query counter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from relations_models import (
    Author,
    Book,
    Comment,
    Country,
    Group,
    Label,
    Loan,
    Membership,
    Node,
    Person,
    Post,
    Profile,
    Shelf,
    Tag,
    blog_data,
    create_all,
    drop_all,
)
from ryx import fields as f
from ryx.exceptions import FieldError, IntegrityError, ProtectedError, QueryError, RestrictedError
from ryx.models import Model, registry

# ------------------------------------------------------------------------------------------------ metadata


def test_reverse_accessors_and_query_names() -> None:
    assert isinstance(Author.posts, ryx.ReverseFKDescriptor)
    assert isinstance(Post.comment_set, ryx.ReverseFKDescriptor)  # no related_name: <model>_set
    assert isinstance(Author.profile, ryx.ReverseOneToOneDescriptor)  # one-to-one: a single object
    assert isinstance(Tag.posts, ryx.ManyToManyDescriptor)
    assert isinstance(Node.children, ryx.ReverseFKDescriptor)  # self reference
    assert isinstance(Person.groups, ryx.ManyToManyDescriptor)  # through a model declared after the field
    names = Author._meta.relation_names()
    assert {"posts", "edited", "profile", "country"} <= set(names)
    assert Post._meta.relation("comment") is not None  # the query name of comment_set is the model name
    assert Post._meta.get_field("editor").remote_model is Author  # resolved from the string "Author"


def test_auto_created_through_model_is_a_registered_model() -> None:
    through = Post.tags.through_model
    assert through in registry and through._meta.auto_created
    assert through._meta.auto_created_for == (Post, "tags")
    fks = [fld for fld in through._meta.concrete_fields if isinstance(fld, f.ForeignKey)]
    assert [(fk.name, fk.remote_model, fk.on_delete) for fk in fks] == [
        ("post", Post, "CASCADE"),
        ("tag", Tag, "CASCADE"),
    ]
    assert through._meta.unique_together == [("post", "tag")]
    assert not hasattr(Post, "post_tags_set") and "tags" not in Post._meta.fields  # no column, no accessor
    assert Group.members.through_model is Membership and not Group._meta.get_field("name").is_relation


def test_self_referencing_many_to_many_and_through_table_names() -> None:
    class Member(Model):
        friends = f.ManyToManyField("self", related_name="friend_of", through="member_friends")

    through = Member.friends.through_model
    assert through._meta.table_name == "member_friends"  # the original Ryx: a lowercase through names the table
    assert [fld.name for fld in through._meta.concrete_fields] == ["id", "from_member", "to_member"]
    registry.unregister(through)
    registry.unregister(Member)


def test_relation_declaration_errors() -> None:
    with pytest.raises(TypeError, match="ManyToManyField"):
        f.ManyToManyField(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="through model"):
        f.ManyToManyField("X", through_fields=("a", "b"))
    with pytest.raises(TypeError, match="db_table or a through model"):
        f.ManyToManyField("X", through="Membership", db_table="t")
    with pytest.raises(TypeError, match=r"set\(\[\.\.\.\]\)"):
        Post(title="t").tags = []  # type: ignore[assignment]
    with pytest.raises(TypeError, match="unexpected keyword argument 'tags'"):
        Post(title="t", tags=[])


def test_clashing_reverse_names_fail_when_used() -> None:
    class Writer(Model):
        pass

    class Draft(Model):
        a = f.ForeignKey(Writer, on_delete="CASCADE")
        b = f.ForeignKey(Writer, on_delete="CASCADE")

    with pytest.raises(FieldError, match=r"Draft\.a and Draft\.b"):
        _ = Writer.draft_set
    with pytest.raises(FieldError, match="set related_name"):
        Writer.objects.filter(draft__pk=1)
    for model in (Draft, Writer):
        registry.unregister(model)


def test_related_name_plus_hides_the_reverse_side() -> None:
    class Target(Model):
        pass

    class Hidden(Model):
        target = f.ForeignKey(Target, on_delete="CASCADE", related_name="+")

    assert not hasattr(Target, "hidden_set") and Target._meta.relation("hidden") is None
    assert [r.related_model for r in Target._meta.related_objects] == [Hidden]  # on_delete still sees it
    for model in (Hidden, Target):
        registry.unregister(model)


# ------------------------------------------------------------------------------------------------ data


@pytest.fixture
async def blog(db: str) -> AsyncIterator[dict[str, Any]]:
    await create_all()
    try:
        yield await blog_data()
    finally:
        await drop_all()


# ------------------------------------------------------------------------------------------------ forward


async def test_forward_access_is_explicit_and_never_hollow(blog: dict[str, Any]) -> None:
    post = await Post.objects.get(title="p1")
    with pytest.raises(ryx.RelatedObjectNotLoaded, match=r"select_related\('author'\)"):
        _ = post.author
    assert post.author_id == blog["ann"].pk  # the key needs no query
    with ryx.assert_num_queries(1):
        author = await Post.author.fetch(post)
    assert author is not None and author.name == "Ann" and post.author is author
    with ryx.assert_num_queries(0):
        assert await Post.author.fetch(post) is author  # loaded: no query
    other = await Post.objects.get(title="p2")
    with ryx.assert_num_queries(2):
        await other.fetch_related("author", "editor")  # a None key needs no query
        await other.fetch_related("author__country")  # author is loaded already: only the country
    assert other.editor is None and other.author.country.name == "France"
    with pytest.raises(FieldError, match="has no relation 'nope'"):
        await other.fetch_related("nope")


async def test_reverse_one_to_one(blog: dict[str, Any]) -> None:
    ann = await Author.objects.get(name="Ann")
    with pytest.raises(ryx.RelatedObjectNotLoaded, match=r"Author\.profile is not loaded"):
        _ = ann.profile
    with ryx.assert_num_queries(1):
        profile = await Author.profile.fetch(ann)
    assert profile.bio == "ann's" and ann.profile is profile and profile.author is ann
    bob = await Author.objects.get(name="Bob")
    assert await Author.profile.fetch(bob) is None and bob.profile is None
    authors = await Author.objects.select_related("profile")
    assert [(a.name, a.profile and a.profile.bio) for a in authors] == [("Ann", "ann's"), ("Bob", None), ("Cid", None)]


# ------------------------------------------------------------------------------------------------ reverse FK


async def test_reverse_manager_reads(blog: dict[str, Any]) -> None:
    ann = blog["ann"]
    assert [p.title for p in await ann.posts] == ["p1", "p2"]
    assert [p.title for p in await ann.posts.all()] == ["p1", "p2"]
    assert [p.title async for p in ann.posts] == ["p1", "p2"]
    assert await ann.posts.count() == 2 and await ann.posts.exists()
    assert not await blog["cid"].posts.exists()
    assert [p.title for p in await ann.posts.filter(views__gt=20)] == ["p2"]
    assert [p.title for p in await ann.posts.exclude(views__gt=20)] == ["p1"]
    assert (await ann.posts.first()).title == "p1" and (await ann.posts.last()).title == "p2"
    assert (await ann.posts.get(views=50)).title == "p2"
    assert await ann.posts.aggregate(total=ryx.Sum("views")) == {"total": 60}
    assert await ann.posts.order_by("-views").values_list("title", flat=True) == ["p2", "p1"]
    with pytest.raises(Post.DoesNotExist):
        await ann.posts.get(title="p3")
    post = await Post.objects.get(title="p1")
    assert sorted(c.text for c in await post.comment_set.all()) == ["c1", "c2"]


async def test_reverse_manager_writes(blog: dict[str, Any]) -> None:
    ann, cid = blog["ann"], blog["cid"]
    new = await cid.posts.create(title="p9", views=1)
    assert new.author_id == cid.pk and new.author is cid
    p1 = await Post.objects.get(title="p1")
    await cid.posts.add(p1)  # one UPDATE
    assert p1.author_id == cid.pk and await Post.objects.filter(author=cid).count() == 2
    with pytest.raises(QueryError, match="unsaved Post"):
        await cid.posts.add(Post(title="x"))
    await cid.posts.add(Post(title="p8"), bulk=False)  # saved on the way
    assert await cid.posts.count() == 3
    # author is NOT NULL: remove() and clear() refuse and change nothing
    with pytest.raises(QueryError, match="not nullable"):
        await cid.posts.remove(p1)
    with pytest.raises(QueryError, match="not nullable"):
        await cid.posts.clear()
    assert await cid.posts.count() == 3
    # editor is nullable
    bob = blog["bob"]
    assert [p.title for p in await bob.edited.all()] == ["p1"]
    p2 = await Post.objects.get(title="p2")
    await bob.edited.set([p2])
    assert [p.title for p in await bob.edited.all()] == ["p2"]
    with pytest.raises(Post.DoesNotExist, match="not related"):
        await bob.edited.remove(await Post.objects.get(title="p1"))  # checked on the object as loaded
    await bob.edited.remove(p2)
    assert not await bob.edited.exists()
    await ann.edited.clear()
    assert await Post.objects.filter(editor__isnull=False).count() == 0
    assert await ann.posts.delete() == 1  # p1 moved to cid: only p2 was ann's
    assert await Post.objects.filter(author=ann).count() == 0
    with pytest.raises(QueryError, match="must be saved"):
        await Author(name="new").posts.count()


# ------------------------------------------------------------------------------------------------ many-to-many


async def test_many_to_many_manager(blog: dict[str, Any]) -> None:
    p1, p2, x, y, z = blog["p1"], blog["p2"], blog["x"], blog["y"], blog["z"]
    assert [t.name for t in await p1.tags.all()] == ["x", "y"]
    assert [p.title for p in await y.posts.all()] == ["p1", "p2", "p3"]  # reverse side
    with ryx.assert_num_queries(1):
        await p1.tags.add(x)  # already linked: one SELECT, nothing inserted
    await p1.tags.add(z.pk)  # a key works too
    assert await p1.tags.count() == 3
    await p1.tags.remove(x, y)
    assert [t.name for t in await p1.tags.all()] == ["z"]
    await p1.tags.set([x, y])
    assert [t.name for t in await p1.tags.all()] == ["x", "y"]
    await p1.tags.clear()
    assert not await p1.tags.exists()
    new = await p2.tags.create(name="w")
    assert [t.name for t in await p2.tags.all()] == ["w", "y"]
    await new.posts.add(p1)  # from the other side
    assert [t.name for t in await p1.tags.all()] == ["w"]
    with pytest.raises(QueryError, match="unsaved Tag"):
        await p1.tags.add(Tag(name="ghost"))
    with pytest.raises(TypeError, match="Tag instances or keys"):
        await p1.tags.add(blog["ann"])
    assert [t.name for t in await p1.tags.all()] == ["w"]  # the failed calls changed nothing


async def test_many_to_many_honours_the_transaction(blog: dict[str, Any]) -> None:
    p1, z = blog["p1"], blog["z"]
    with pytest.raises(RuntimeError, match="boom"):
        async with ryx.transaction():
            await p1.tags.set([z])
            assert [t.name for t in await p1.tags.all()] == ["z"]  # visible inside
            raise RuntimeError("boom")
    assert [t.name for t in await p1.tags.all()] == ["x", "y"]  # rolled back with it


async def test_custom_through_model(blog: dict[str, Any]) -> None:
    club = await Group.objects.create(name="club")
    ann, bob = await Person.objects.create(name="ann"), await Person.objects.create(name="bob")
    await club.members.add(ann, through_defaults={"role": "chair"})
    await club.members.add(bob, through_defaults={"role": "member"})
    assert [p.name for p in await club.members.all()] == ["ann", "bob"]
    assert [g.name for g in await bob.groups.all()] == ["club"]
    assert await Membership.objects.filter(role="chair").values_list("person__name", flat=True) == ["ann"]
    with pytest.raises(IntegrityError):  # role is required: through_defaults are needed
        await club.members.add(await Person.objects.create(name="cid"))
    await club.members.set([bob], through_defaults={"role": "x"})
    assert [p.name for p in await club.members.all()] == ["bob"]
    assert await Group.objects.filter(members__name="bob").count() == 1


# ------------------------------------------------------------------------------------------------ on_delete


@pytest.fixture(params=[True, False], ids=["fk-constraints", "no-constraints"])
async def library(db: str, request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """The same data with and without FOREIGN KEY constraints: on_delete must not depend on them."""
    await create_all(foreign_keys=request.param)
    try:
        yield await blog_data()
    finally:
        await drop_all()


async def test_cascade_deletes_with_signals_for_every_object(library: dict[str, Any]) -> None:
    seen: list[str] = []

    async def on_delete(sender: Any, instance: Any, **kw: Any) -> None:
        if sender._meta.auto_created:  # link rows get signals too while a receiver listens to every sender
            seen.append("link")
            return
        seen.append(f"{sender.__name__}:{getattr(instance, 'text', getattr(instance, 'title', ''))}")

    ryx.post_delete.connect(on_delete, weak=False)
    try:
        await library["ann"].delete()
    finally:
        ryx.post_delete.disconnect(on_delete)
    assert sorted(seen) == ["Author:", "Comment:c1", "Comment:c2", "Post:p1", "Post:p2", "Profile:", *["link"] * 3]
    assert await Post.objects.values_list("title", flat=True) == ["p3"]
    assert await Comment.objects.count() == 1 and await Profile.objects.count() == 0
    assert await Post.tags.through_model.objects.count() == 2  # only p3's links are left
    bob = await Author.objects.get(name="Bob")
    assert await Post.objects.filter(editor=bob).count() == 0  # p1 (edited by bob) is gone


async def test_set_null_and_self_cascade(library: dict[str, Any]) -> None:
    await Country.objects.filter(name="France").delete()
    assert await Author.objects.filter(country__isnull=True).count() == 3
    root = await Node.objects.create(name="root")
    child = await Node.objects.create(name="child", parent=root)
    await Node.objects.create(name="leaf", parent=child)
    await Node.objects.create(name="other")
    await root.delete()
    assert await Node.objects.values_list("name", flat=True) == ["other"]


async def test_protect_and_restrict_refuse_and_delete_nothing(library: dict[str, Any]) -> None:
    lost = await Shelf.objects.create(name="lost")
    shelf = await Shelf.objects.create(name="a")
    book = await Book.objects.create(title="b", shelf=shelf)
    with ryx.count_queries() as log, pytest.raises(ProtectedError) as info:
        await shelf.delete()
    assert info.value.protected_objects == [book] and "PROTECT" in str(info.value)
    assert isinstance(info.value, IntegrityError)
    assert all(s.kind in ("select", "transaction") for s in log.statements)  # nothing was written
    assert await Shelf.objects.count() == 2 and shelf.pk is not None
    await book.delete()
    loan = await Loan.objects.create(shelf=shelf)
    with pytest.raises(RestrictedError) as restricted:
        await Shelf.objects.filter(name="a").delete()
    assert restricted.value.restricted_objects == [loan]
    await loan.delete()
    # RESTRICT allows the delete when the restricting row goes too through a cascade
    book = await Book.objects.create(title="b2", shelf=lost)
    await Loan.objects.create(shelf=lost, book=book)
    await book.delete()
    assert await Loan.objects.count() == 0
    label = await Label.objects.create(shelf=shelf, note=shelf)
    assert lost.pk == 1
    shelf_pk = shelf.pk
    await shelf.delete()
    label = await Label.objects.get(pk=label.pk)
    assert label.shelf_id == lost.pk  # SET_DEFAULT
    assert label.note_id == shelf_pk  # DO_NOTHING leaves the (unconstrained) key as it was


async def test_delete_in_a_transaction_that_rolls_back(library: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError):
        async with ryx.transaction():
            await Author.objects.filter(name="Ann").delete()
            assert await Post.objects.count() == 1
            raise RuntimeError("undo")
    assert await Post.objects.count() == 3 and await Comment.objects.count() == 3


async def test_queryset_delete_collects_in_few_queries(library: dict[str, Any]) -> None:
    with ryx.count_queries() as log:
        deleted = await Post.objects.filter(views__gte=10).delete()
    assert deleted == 2
    # root posts, the comments (fast path: no signal receivers), the links, the posts
    kinds = [s.kind for s in log.queries]
    assert kinds.count("select") == 1 and kinds.count("delete") == 3, log.describe()
    assert await Comment.objects.count() == 1


# ------------------------------------------------------------------------------------------------ counter


async def test_query_counter(blog: dict[str, Any]) -> None:
    with ryx.count_queries() as log:
        await Author.objects.filter(name="Ann").first()
        async with ryx.transaction():
            await Tag.objects.create(name="q")
    assert len(log) == 2 and log.queries[0].params[0] == "Ann" and "SELECT" in log.queries[0].sql
    assert [s.kind for s in log.queries] == ["select", "insert"]
    assert [s.sql for s in log.statements if s.kind == "transaction"] == ["BEGIN", "COMMIT"]
    with pytest.raises(AssertionError, match="expected 0 queries, 1 were run"):
        async with ryx.assert_num_queries(0):
            await Tag.objects.count()
    with ryx.assert_num_queries(3, transactions=True):
        async with ryx.transaction():
            await Tag.objects.count()
    with pytest.raises(TypeError):
        ryx.assert_num_queries(-1)


async def test_to_field_related_query_name_and_chunked_cascade(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ryx.query import chunks
    from support import create_tables, drop_tables, unique_name

    class Region(Model):
        code = f.CharField(max_length=8, unique=True)

        class Meta:
            table_name = unique_name("rl_region")

    class Shop(Model):
        region = f.ForeignKey(
            Region, to_field="code", on_delete="CASCADE", related_name="shops", related_query_name="shop"
        )
        name = f.CharField(max_length=20)

        class Meta:
            table_name = unique_name("rl_shop")

    await create_tables(Region, Shop, foreign_keys=True)
    try:
        north = await Region.objects.create(code="N")
        south = await Region.objects.create(code="S")
        for i in range(5):
            await Shop.objects.create(region=north, name=f"n{i}")
        await Shop.objects.create(region=south, name="s0")
        assert (await Shop.objects.get(name="s0")).region_id == "S"  # the key is the code, not the pk
        assert [r.code for r in await Region.objects.filter(shop__name="s0")] == ["S"]  # related_query_name
        assert await north.shops.count() == 5
        shops = await Shop.objects.select_related("region").filter(region__code="S")
        assert shops[0].region.pk == south.pk
        regions = await Region.objects.prefetch_related("shops").order_by("code")
        assert [len(await r.shops.all()) for r in regions] == [5, 1]
        monkeypatch.setattr(chunks, "chunk_size_override", 2)
        seen: list[str] = []

        async def listen(sender: Any, instance: Any, **kw: Any) -> None:
            seen.append(instance.name)

        ryx.pre_delete.connect(listen, sender=Shop, weak=False)
        try:
            with ryx.count_queries() as log:
                await Region.objects.all().delete()
        finally:
            ryx.pre_delete.disconnect(listen, sender=Shop)
        assert sorted(seen) == ["n0", "n1", "n2", "n3", "n4", "s0"]
        deletes = [s for s in log.queries if s.kind == "delete"]
        assert len(deletes) == 3 + 1  # the shops by 2 keys at a time (6 shops), then the two regions
        assert await Shop.objects.count() == 0
    finally:
        await drop_tables(Shop, Region)
        registry.unregister(Shop)
        registry.unregister(Region)


async def test_concurrent_links_and_refresh(blog: dict[str, Any]) -> None:
    import asyncio

    p2, z = blog["p2"], blog["z"]
    await asyncio.gather(p2.tags.add(z), p2.tags.add(z), p2.tags.add(z))  # racing adds make one link
    assert await Post.tags.through_model.objects.filter(post=p2, tag=z).count() == 1
    ann = (await Author.objects.prefetch_related("posts").filter(name="Ann"))[0]
    await Post.objects.filter(author=ann).update(views=0)
    await ann.refresh_from_db()  # drops what was prefetched: the next read queries again
    with ryx.assert_num_queries(1):
        assert [p.views for p in await ann.posts.all()] == [0, 0]
