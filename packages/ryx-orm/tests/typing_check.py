"""Static typing checks of the model layer: ``mypy --strict packages/ryx-orm/tests/typing_check.py`` must pass.

Not collected by pytest (the file name does not start with ``test_``); every line is an `assert_type`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, assert_type

import ryx.fields as f
from ryx.exceptions import DoesNotExist
from ryx.models import Manager, Model
from ryx.query.queryset import QuerySet


class Author(Model):
    name = f.CharField(max_length=50)


class Post(Model):
    title = f.CharField(max_length=200)
    views = f.IntField(default=0)
    ratio = f.FloatField(default=0.0)
    price = f.DecimalField(max_digits=8, decimal_places=2, default=0)
    published = f.BooleanField(default=False)
    body = f.TextField(blank=True)
    created = f.DateTimeField(auto_now_add=True)
    day = f.DateField(null=True)
    at = f.TimeField(null=True)
    duration = f.DurationField(null=True)
    uid = f.UUIDField(auto_create=True)
    data = f.JSONField(null=True)
    tags = f.ArrayField(f.CharField(max_length=20), default=list)
    raw = f.BinaryField(null=True)
    author = f.ForeignKey(Author, null=True, on_delete="SET_NULL")
    editor = f.ForeignKey("Author", null=True, on_delete="SET_NULL", related_name="edited")
    reviewer = f.OneToOneField(Author, null=True, on_delete="SET_NULL", related_name="reviewed")


class PublishedManager(Manager["Article"]):
    def get_queryset(self) -> QuerySet[Article]:
        return super().get_queryset().filter(published=True)


class Article(Model):
    published = f.BooleanField(default=False)
    objects = Manager["Article"]()
    live = PublishedManager()


async def check() -> None:
    post = await Post.objects.get(pk=1)
    assert_type(post, Post)
    assert_type(await Post.objects.first(), Post | None)
    assert_type(await Post.objects.filter(views__gt=1), list[Post])
    assert_type(Post.objects.filter(views__gt=1), QuerySet[Post])
    assert_type(await Post.objects.create(title="x"), Post)
    assert_type(await Post.objects.get_or_create(title="x"), tuple[Post, bool])
    assert_type(await Post.objects.count(), int)
    assert_type(Post.objects, Manager[Post])

    assert_type(post.title, str)
    assert_type(post.views, int)
    assert_type(post.ratio, float)
    assert_type(post.price, decimal.Decimal)
    assert_type(post.published, bool)
    assert_type(post.body, str)
    assert_type(post.created, dt.datetime)
    assert_type(post.day, dt.date)
    assert_type(post.at, dt.time)
    assert_type(post.duration, dt.timedelta)
    assert_type(post.uid, uuid.UUID)
    assert_type(post.data, Any)
    assert_type(post.tags, list[Any])
    assert_type(post.raw, bytes)
    assert_type(post.author, Author)
    assert_type(post.editor, Any)
    assert_type(post.reviewer, Author)
    assert_type(Post.reviewer, f.OneToOneField[Author])
    assert_type(post.pk, Any)
    assert_type(Post.title, f.CharField)
    assert_type(Post.author, f.ForeignKey[Author])

    assert_type(Article.objects, Manager[Article])
    assert_type(Article.live, PublishedManager)
    assert_type(await Article.live.get(pk=1), Article)

    await post.save(update_fields=["title"])
    await post.delete()
    await post.refresh_from_db(fields=["views"])
    assert_type(Post.DoesNotExist, type[DoesNotExist])


class Plain(Model):
    objects = Manager()


def plain() -> None:
    assert_type(Plain.objects, Manager[Plain])
