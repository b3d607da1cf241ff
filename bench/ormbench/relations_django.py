"""Django's ORM on the relations benchmark's tables: ``select_related`` and ``prefetch_related``, async and blocking.

Configured by `ormbench.django_side.configure` (one alias per backend); the models map the tables Ryx
created, so every contender reads the same rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ormbench.relations_common import A_TABLE, P_TABLE


@cache
def models() -> tuple[Any, Any]:
    """Define the two models (after django.setup())."""
    from django.db import models as m

    class RelAuthor(m.Model):
        name = m.CharField(max_length=100)

        class Meta:
            app_label = "ormbench"
            db_table = A_TABLE

    class RelPost(m.Model):
        title = m.CharField(max_length=200)
        views = m.IntegerField(default=0)
        author = m.ForeignKey(RelAuthor, on_delete=m.CASCADE, related_name="posts")

        class Meta:
            app_label = "ormbench"
            db_table = P_TABLE

    return RelAuthor, RelPost


class DjangoRelations:
    """The async API: ``async for`` over the querysets (Django runs them in its worker thread)."""

    name = "django"

    def __init__(self, backend: str) -> None:
        self.alias = backend
        author, post = models()
        self.authors = author.objects.using(backend)
        self.posts = post.objects.using(backend)

    async def select_related(self) -> Any:
        return [p async for p in self.posts.select_related("author").order_by("id")[:100]]

    async def prefetch(self) -> Any:
        return [a async for a in self.authors.prefetch_related("posts").order_by("id")]

    def pairs(self, posts: Any) -> list[tuple[int, str]]:
        return [(p.id, p.author.name) for p in posts]

    def groups(self, authors: Any) -> dict[int, list[int]]:
        return {a.id: sorted(p.id for p in a.posts.all()) for a in authors}  # served by the prefetch cache

    async def close(self) -> None:
        from asgiref.sync import sync_to_async
        from django.db import connections

        await sync_to_async(connections[self.alias].close)()  # the worker thread's connection


class DjangoSyncRelations(DjangoRelations):
    """The blocking API (``list(qs)``), as a synchronous view uses it."""

    name = "django sync"

    def select_related(self) -> Any:  # type: ignore[override]
        return list(self.posts.select_related("author").order_by("id")[:100])

    def prefetch(self) -> Any:  # type: ignore[override]
        return list(self.authors.prefetch_related("posts").order_by("id"))

    async def close(self) -> None:
        from django.db import connections

        connections[self.alias].close()
