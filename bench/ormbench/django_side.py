"""Django's ORM configured in-process: the async API (``aget``, ``async for``...) and, separately, the blocking one.

Django's async ORM methods run the blocking code in a worker thread (asgiref's ``sync_to_async``); the
blocking variant is what a synchronous Django view does. Both use one persistent connection per thread.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from ormbench.common import SCORE_MIN, TOP_N, table_names
from ormbench.sides import Side, sqlite_path

PREFIX = "bench_django"
READ, INS = table_names(PREFIX)


def database(backend: str, url: str) -> dict[str, Any]:
    """Return a ``DATABASES`` entry for one of the benchmark's URLs."""
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path(url)}
    parts = urlsplit(url)
    engine = "postgresql" if backend == "postgres" else "mysql"
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": None,  # keep the connection, as a pooled app server would
    }


def configure(urls: dict[str, str]) -> None:
    """Configure Django once for the process, one alias per backend (settings cannot be configured twice)."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.dummy"}}
        | {backend: database(backend, url) for backend, url in urls.items()},
        INSTALLED_APPS=[],
        USE_TZ=False,  # the columns are TIMESTAMP without time zone, as for every contender
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    # The blocking variant runs on the event loop's thread; Django refuses that unless told it is deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@cache
def models() -> tuple[Any, Any]:
    """Define the two models (after django.setup())."""
    from django.db import models as m

    class Base(m.Model):
        name = m.CharField(max_length=255)
        score = m.FloatField()
        active = m.BooleanField()
        created = m.DateTimeField()
        amount = m.DecimalField(max_digits=12, decimal_places=2)

        class Meta:
            abstract = True
            app_label = "ormbench"

    class DjangoRow(Base):
        class Meta:
            app_label = "ormbench"
            db_table = READ

    class DjangoIns(Base):
        class Meta:
            app_label = "ormbench"
            db_table = INS

    return DjangoRow, DjangoIns


def _aggregates() -> dict[str, Any]:
    from django.db.models import Avg, Count, Max

    return {"n": Count("id"), "avg": Avg("score"), "mx": Max("score")}


class DjangoSide(Side):
    """The async API: ``async for``, ``aget``, ``aaggregate``, ``abulk_create``."""

    name = "django"
    prefix = PREFIX

    def __init__(self, backend: str) -> None:
        self.alias = backend
        self.Row, self.Ins = models()
        self.rows = self.Row.objects.using(backend)
        self.ins = self.Ins.objects.using(backend)

    async def fetch(self) -> Any:
        return [obj async for obj in self.rows.all()]

    async def filter_top(self) -> Any:
        return [obj async for obj in self.rows.filter(active=True, score__gt=SCORE_MIN).order_by("-score")[:TOP_N]]

    async def aggregate(self) -> Any:
        return await self.rows.aaggregate(**_aggregates())

    async def get(self, pk: int) -> Any:
        return await self.rows.aget(pk=pk)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        ins = self.Ins
        return await self.ins.abulk_create(
            [ins(name=n, score=s, active=a, created=c, amount=m) for n, s, a, c, m in rows]
        )

    def agg_values(self, result: Any) -> tuple[int, float, float]:
        return int(result["n"]), float(result["avg"]), float(result["mx"])

    async def close(self) -> None:
        from asgiref.sync import sync_to_async
        from django.db import connections

        await sync_to_async(connections[self.alias].close)()  # the worker thread's connection


class DjangoSyncSide(DjangoSide):
    """The blocking API (``list(qs)``, ``get``, ``bulk_create``), as a synchronous view uses it."""

    name = "django sync"
    sync = True

    def fetch(self) -> Any:  # type: ignore[override]
        return list(self.rows.all())

    def filter_top(self) -> Any:  # type: ignore[override]
        return list(self.rows.filter(active=True, score__gt=SCORE_MIN).order_by("-score")[:TOP_N])

    def aggregate(self) -> Any:  # type: ignore[override]
        return self.rows.aggregate(**_aggregates())

    def get(self, pk: int) -> Any:  # type: ignore[override]
        return self.rows.get(pk=pk)

    def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:  # type: ignore[override]
        ins = self.Ins
        return self.ins.bulk_create([ins(name=n, score=s, active=a, created=c, amount=m) for n, s, a, c, m in rows])

    async def close(self) -> None:
        from django.db import connections

        connections[self.alias].close()
