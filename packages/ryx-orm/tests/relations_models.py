"""Models shared by the relation tests (test_relations*.py), with a fixture-friendly data set."""

from __future__ import annotations

from typing import Any

import ryx
from ryx import fields as f
from ryx.models import Model
from support import create_tables, drop_tables, unique_name, with_links


class Country(Model):
    name = f.CharField(max_length=40)

    class Meta:
        table_name = unique_name("rl_country")


class Author(Model):
    name = f.CharField(max_length=40)
    country = f.ForeignKey(Country, null=True, on_delete="SET_NULL", related_name="authors")

    class Meta:
        table_name = unique_name("rl_author")
        ordering = ("name",)


class Profile(Model):
    bio = f.CharField(max_length=40)
    author = f.OneToOneField(Author, on_delete="CASCADE")

    class Meta:
        table_name = unique_name("rl_profile")


class Tag(Model):
    name = f.CharField(max_length=40)

    class Meta:
        table_name = unique_name("rl_tag")
        ordering = ("name",)


class Post(Model):
    title = f.CharField(max_length=40)
    views = f.IntField(default=0)
    author = f.ForeignKey(Author, on_delete="CASCADE", related_name="posts")
    editor = f.ForeignKey("Author", null=True, on_delete="SET_NULL", related_name="edited")  # by name
    tags = f.ManyToManyField(Tag, related_name="posts", db_table=unique_name("rl_post_tags"))

    class Meta:
        table_name = unique_name("rl_post")
        ordering = ("title",)


class Comment(Model):
    text = f.CharField(max_length=40)
    post = f.ForeignKey(Post, on_delete="CASCADE")  # reverse accessor: comment_set

    class Meta:
        table_name = unique_name("rl_comment")


class Node(Model):
    name = f.CharField(max_length=40)
    parent = f.ForeignKey("self", null=True, on_delete="CASCADE", related_name="children")

    class Meta:
        table_name = unique_name("rl_node")


class Group(Model):
    name = f.CharField(max_length=40)
    members = f.ManyToManyField("Person", through="Membership", related_name="groups")  # forward references

    class Meta:
        table_name = unique_name("rl_group")


class Person(Model):
    name = f.CharField(max_length=40)

    class Meta:
        table_name = unique_name("rl_person")
        ordering = ("name",)


class Membership(Model):
    person = f.ForeignKey(Person, on_delete="CASCADE")
    group = f.ForeignKey(Group, on_delete="CASCADE")
    role = f.CharField(max_length=20)

    class Meta:
        table_name = unique_name("rl_membership")


# on_delete variety
class Shelf(Model):
    name = f.CharField(max_length=40)

    class Meta:
        table_name = unique_name("rl_shelf")


class Book(Model):
    title = f.CharField(max_length=40)
    shelf = f.ForeignKey(Shelf, on_delete="PROTECT", related_name="books")

    class Meta:
        table_name = unique_name("rl_book")


class Loan(Model):
    shelf = f.ForeignKey(Shelf, on_delete="RESTRICT", related_name="loans")
    book = f.ForeignKey(Book, null=True, on_delete="CASCADE", related_name="loans")

    class Meta:
        table_name = unique_name("rl_loan")


class Label(Model):
    shelf = f.ForeignKey(Shelf, default=1, on_delete="SET_DEFAULT", related_name="labels")  # 1: lost and found
    note = f.ForeignKey(Shelf, on_delete="DO_NOTHING", db_constraint=False, related_name="notes")

    class Meta:
        table_name = unique_name("rl_label")


BLOG = (Country, Author, Profile, Tag, Post, Comment, Node, Group, Person, Membership)
LIBRARY = (Shelf, Book, Loan, Label)
ALL = with_links(*BLOG, *LIBRARY)


async def create_all(foreign_keys: bool = True) -> None:
    """Create every table of these models (links included)."""
    await create_tables(*ALL, foreign_keys=foreign_keys)


async def drop_all() -> None:
    """Drop every table of these models."""
    await drop_tables(*reversed(ALL))


async def blog_data() -> dict[str, Any]:
    """Create a small blog; return its objects by name."""
    fr = await Country.objects.create(name="France")
    ann = await Author.objects.create(name="Ann", country=fr)
    bob = await Author.objects.create(name="Bob")
    cid = await Author.objects.create(name="Cid", country=fr)
    await Profile.objects.create(bio="ann's", author=ann)
    x, y, z = [await Tag.objects.create(name=n) for n in ("x", "y", "z")]
    p1 = await Post.objects.create(title="p1", views=10, author=ann, editor=bob)
    p2 = await Post.objects.create(title="p2", views=50, author=ann)
    p3 = await Post.objects.create(title="p3", views=5, author=bob, editor=ann)
    await p1.tags.add(x, y)
    await p2.tags.add(y)
    await p3.tags.add(z, y)
    await Comment.objects.create(text="c1", post=p1)
    await Comment.objects.create(text="c2", post=p1)
    await Comment.objects.create(text="c3", post=p3)
    return {"fr": fr, "ann": ann, "bob": bob, "cid": cid, "x": x, "y": y, "z": z, "p1": p1, "p2": p2, "p3": p3}


__all__ = [
    "ALL",
    "Author",
    "Book",
    "Comment",
    "Country",
    "Group",
    "Label",
    "Loan",
    "Membership",
    "Node",
    "Person",
    "Post",
    "Profile",
    "Shelf",
    "Tag",
    "blog_data",
    "create_all",
    "drop_all",
    "ryx",
]
