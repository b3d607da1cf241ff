"""Tortoise ORM on the relations benchmark's tables: ``select_related`` and ``prefetch_related``, awaited."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, fields
from tortoise.models import Model

from ormbench.relations_common import A_TABLE, P_TABLE
from ormbench.tortoise_side import db_url


class RelAuthor(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)

    class Meta:
        table = A_TABLE


class RelPost(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    views = fields.IntField(default=0)
    author: fields.ForeignKeyRelation[RelAuthor] = fields.ForeignKeyField("models.RelAuthor", related_name="posts")

    class Meta:
        table = P_TABLE


class TortoiseRelations:
    name = "tortoise"

    @classmethod
    async def open(cls, backend: str, url: str) -> TortoiseRelations:
        await Tortoise.init(db_url=db_url(backend, url), modules={"models": [__name__]}, use_tz=False)
        return cls()

    async def select_related(self) -> Any:
        return await RelPost.all().select_related("author").order_by("id").limit(100)

    async def prefetch(self) -> Any:
        return await RelAuthor.all().prefetch_related("posts").order_by("id")

    def pairs(self, posts: Any) -> list[tuple[int, str]]:
        return [(p.id, p.author.name) for p in posts]

    def groups(self, authors: Any) -> dict[int, list[int]]:
        return {a.id: sorted(p.id for p in a.posts) for a in authors}  # a fetched relation iterates without a query

    async def close(self) -> None:
        await Tortoise.close_connections()
